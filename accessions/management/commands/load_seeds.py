from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accessions.seeding import SEEDS_DIR, SeedError, seeds_load
from accounts.roles import roles_ensure


class Command(BaseCommand):
    help = "Upsert the seed data (seeds/*.csv) by natural key; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=SEEDS_DIR, help="seed directory")
        parser.add_argument("--dry-run", action="store_true", help="check, then roll back")

    def handle(self, *args, dir: Path, dry_run: bool, **options):
        try:
            report = seeds_load(directory=dir, dry_run=dry_run)
        except SeedError as error:
            lines = "\n".join(f"  {e}" for e in error.report.errors)
            raise CommandError(
                f"{len(error.report.errors)} bad seed rows; nothing was changed:\n{lines}"
            ) from None
        roles_ensure()
        for file in report.files:
            self.stdout.write(
                f"{file.name:28} created {file.created:4}  updated {file.updated:4}  "
                f"unchanged {file.unchanged:4}"
                + (f"  removed {file.removed:4}" if file.removed else "")
            )
        verb = "would change" if dry_run else "changed"
        if report.changed:
            self.stdout.write(self.style.SUCCESS(f"{verb} {report.changed} records"))
        else:
            self.stdout.write(self.style.SUCCESS("nothing changed"))
