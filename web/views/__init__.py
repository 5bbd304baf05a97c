"""The HTML pages, a module per family of pages (web.urls names each view by its module)."""
