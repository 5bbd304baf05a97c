"""Writes of the accessions app, one function per business write (import the module you need)."""
