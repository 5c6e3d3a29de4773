"""The engine: the only code that knows about pools. ``schedule`` runs documents page by page over an executor
(local worker processes, or ``dask``: a Dask cluster) and hands the OCR stage its executor for one document
(``PagePool``); ``batch`` is `chithi ingest` (the store written by this process alone); one ``Failure`` type;
``progress`` bars."""
