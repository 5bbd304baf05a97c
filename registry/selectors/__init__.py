"""Shared reads of the catalogue, one module a concept (import the module you need): countries
(the lists, a country by any of its names, binding union membership on a date), ports (the list,
whether the recorded designated sites of a kind are complete), hs_codes (HS prefixes and headings),
the one product resolver (resolution: its answer; resolver: stage one and the batch; close_words:
stage two), search (the product list and free-text product search) and trigram (pg_trgm's
presence and per-transaction settings).
"""
