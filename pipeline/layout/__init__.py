"""Located words → lines → blocks: reading order and the header block (``words``), the block model and the
text reflow grammar (``blocks``), ruled tables of text-layer PDFs (``pdf_tables``) and of scanned pages
(``scan_tables``), a page assembled from prose bands and tables (``page_text``)."""
