"""One module per external program chithi runs: Tesseract (``tesseract``), LibreOffice headless (``soffice``)."""
