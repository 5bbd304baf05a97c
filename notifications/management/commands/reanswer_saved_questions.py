"""`manage.py reanswer_saved_questions [--date YYYY-MM-DD]`: the daily job's twin for operators."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import saved, saved_delivery


class Command(BaseCommand):
    help = "Ask every saved question again; record and send the answers that changed."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to answer for (default: today)")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date '{date}' is not a date (YYYY-MM-DD)") from None
        summary = saved.saved_questions_reanswer(today=today)
        delivered = saved_delivery.saved_changes_deliver()
        self.stdout.write(
            f"questions: {summary.questions}, distinct: {summary.distinct}, "
            f"changed: {summary.changed}, delivered: {delivered}"
        )
