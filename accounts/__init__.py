"""Accounts: the profile kept beside Django's user (language, demo flag), the roles and what each
may do (accounts.roles, the one home of who may do what), account creation and the admin site that
asks the roles who may open it."""
