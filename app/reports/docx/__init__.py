"""Editable Word (.docx) copies of the official documents, on the same GB/T 9704 page and with
the same font names as the PDFs, so an office can adjust the wording in WPS or Word.

One module per document kind (``agreement``, ``summary``, ``bulletin``); the page, styles,
tables and 落款 are in ``official_docx``. No Qt here.
"""
