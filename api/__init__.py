"""The public API v1: errors, paging, exports, HTTP caching, API keys and limits, the views of
every record type (they need the platform, so they live here), the eligibility endpoints and the
change feed."""
