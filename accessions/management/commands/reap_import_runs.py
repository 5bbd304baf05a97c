"""`manage.py reap_import_runs`: the periodic reaper's twin for operators and cron (Celery beat
runs it every five minutes): fail the import runs no task works on, remove files past retention."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from accessions.services.import_runs import import_runs_reap


class Command(BaseCommand):
    help = "Fail the import runs no worker is working on and remove their stored files."

    def handle(self, *args, **options):
        counts = import_runs_reap(now=timezone.now())
        self.stdout.write(
            f"failed {counts['queued']} queued, {counts['running']} running and "
            f"{counts['expired']} expired runs; removed {counts['files']} stored files"
        )
