"""Shared reads of the accessions app, querysets with their joins set so no caller forgets them,
one module a concept (import the module you need): counts (what the registry records per country
beside what was officially reported), access (access entries: details, history, the API's list
and its plain rows), accessions, registrations (the API's list, renewal windows, expiries and
the expiry alerts), answers (answers as given) and proposals (the reviewers' queue).
"""
