"""chithi: Vietnamese directive extraction pipeline (ingest → ocr → normalize → structure → extract → assemble)."""

__version__ = "0.1.0"
