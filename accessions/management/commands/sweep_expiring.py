"""`manage.py sweep_expiring --date YYYY-MM-DD [--dry-run]`: the daily sweep's operator twin."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from accessions.services import expiry


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("--date must be a date written YYYY-MM-DD, e.g. 2026-06-01 (got %(value)r).")
            % {"value": value}
        ) from exc


class Command(BaseCommand):
    help = "Raise expiry alerts and expire or extend registrations and access entries as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the date to sweep as of (YYYY-MM-DD); default today")
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")
        parser.add_argument("--batch-size", type=int, default=expiry.DEFAULT_BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        given = options["date"]
        today = _parse_date(given) if given is not None else timezone.localdate()
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        show = not options["no_progress"] and options["verbosity"] > 0
        planned = expiry.expiry_sweep(today=today, dry_run=True) if show else None
        total = _planned_rows(planned) if planned else 0
        bar = tqdm(total=total, unit="rows", desc=_("sweep"), disable=not show, file=self.stderr)
        with bar:
            summary = expiry.expiry_sweep(
                today=today,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                progress=bar.update,
            )
        title = _("Dry run, nothing changed") if summary.dry_run else _("Sweep done")
        self.stdout.write(f"{title} ({today.isoformat()}):")
        for key, value in summary.as_dict().items():
            if key not in {"today", "dry_run"}:
                self.stdout.write(f"  {key}: {value}")


def _planned_rows(summary: expiry.SweepSummary) -> int:
    return (
        summary.window_entered
        + summary.expiring_alerts
        + summary.expired
        + summary.extended
        + summary.access_expiring_alerts
        + summary.access_expired
    )
