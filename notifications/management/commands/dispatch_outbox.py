"""`manage.py dispatch_outbox [--digests]`: the dispatcher's twin for operators and cron."""

from django.core.management.base import BaseCommand

from notifications import emails, services


class Command(BaseCommand):
    help = "Fan out outbox events and send due webhooks; --digests also sends the e-mail digests."

    def add_arguments(self, parser):
        parser.add_argument("--digests", action="store_true", help="also send e-mail digests now")

    def handle(self, *args, **options):
        summary = services.webhooks_dispatch()
        self.stdout.write(
            f"fanned out: {summary.fanned_out}, delivered: {summary.delivered}, "
            f"retrying: {summary.retrying}, dead: {summary.dead}"
        )
        if options["digests"]:
            self.stdout.write(f"digests sent: {emails.digests_send()}")
