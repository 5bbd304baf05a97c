"""The production settings without django-pgtrigger's install-on-migrate: a migration unapplied
leaves tables of later models absent, and installing their history triggers would fail
(tests/test_migrate_forward.py unapplies the accounts move with these)."""

from config.settings import *  # noqa: F403

PGTRIGGER_INSTALL_ON_MIGRATE = False
