"""Every HTML page, its forms, search, charts, the Content-Security-Policy middleware and the
template tags."""
