"""The shared model and base every room builds on: the Document and its pages, words and blocks
(``document``), exceptions with exit codes (``errors``), per-document limits (``limits``), text helpers (``textutil``).
Imports nothing else of chithi."""
