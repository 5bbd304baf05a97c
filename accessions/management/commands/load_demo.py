import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accessions.demo import demo_load
from accounts.services import demo_accounts_create
from registry.errors import DomainError


class Command(BaseCommand):
    help = "Load the illustrative demo registrations (flagged illustrative; never real data)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day the demo dates are relative to (YYYY-MM-DD)")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date '{date}' is not a date (YYYY-MM-DD)") from None
        try:
            written = demo_load(today=today)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.WARNING(f"{written} ILLUSTRATIVE registrations loaded"))
        if not settings.REGISTRY_DEMO_USERS:
            return
        self.stdout.write(
            self.style.WARNING(
                "ILLUSTRATIVE demo accounts, one per role (new passwords at every load_demo; "
                "sign in at /accounts/login/):"
            )
        )
        for username, role, password in demo_accounts_create():
            self.stdout.write(f"  {role:<17} {username:<15} password: {password}")
