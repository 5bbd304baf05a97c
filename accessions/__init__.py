"""Market access and how it was gained (accessions and their stages), registration regimes and
establishment registrations, alerts and the outbox; the eligibility engine, the expiry sweep, and
the seed and demo loaders (they load every domain app's data, and this is the lowest app that may
import them all)."""
