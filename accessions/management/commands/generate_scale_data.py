import datetime as dt
import sys
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from accessions.scale_data import ScaleSizes, scale_data_generate
from registry.errors import DomainError


class Command(BaseCommand):
    help = (
        "Add SYNTHETIC data at benchmark scale (every row illustrative; never the seeds). "
        "PostgreSQL only; idempotent: a second run adds nothing. Run load_seeds first."
    )

    def add_arguments(self, parser):
        defaults = ScaleSizes()
        for name in ("countries", "products", "accesses", "registrations", "regulations"):
            parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
        parser.add_argument("--date", help="the day the data is relative to (YYYY-MM-DD)")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date '{date}' is not a date (YYYY-MM-DD)") from None
        names = ("countries", "products", "accesses", "registrations", "regulations")
        for name in names:
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        sizes = ScaleSizes(**{name: options[name] for name in names})
        show = options["verbosity"] > 0 and sys.stderr.isatty()

        def progress(label: str, total: int) -> Callable[[int], None]:
            bar = tqdm(total=total, desc=label, unit="row", disable=not show, leave=True)

            def step(rows: int) -> None:
                bar.update(rows)

            return step

        try:
            added = scale_data_generate(sizes=sizes, today=today, progress=progress)
        except DomainError as error:
            raise CommandError(error.message) from None
        for table, count in added.items():
            self.stdout.write(self.style.WARNING(f"{count:>9,} ILLUSTRATIVE {table} added"))
