"""Wrappers around external programs (one module per binary), in the manner of OCRmyPDF's ``_exec``."""
