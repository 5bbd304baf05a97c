"""The catalogue every other app builds on: countries and unions, products and their aliases, ports
with regimes and supervision sites, reported figures, and the product resolver (registry.selectors).
Beside it, the helpers every app may use, one concern a module: the domain error (errors),
provenance (provenance), constraints (constraints), the validity rule and dates (dates), a record's
text in the reader's language (localize), the edit history (history), Redis as the cache
(redis_cache), raw SQL (sql) and text folding and stemming (text)."""
