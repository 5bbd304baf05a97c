"""Subscriptions to the outbox's events, and their delivery: fan-out, signed webhooks with retries
and dead letters, e-mail digests."""
