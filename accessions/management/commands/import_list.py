"""`manage.py import_list FILE --kind access|regulations|registrations --source ... --confidence ...
--as USERNAME [--dry-run]`: the web import page's twin for operators."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accessions.models import ImportKind
from accessions.services.imports import ImportReport, import_apply, import_dry_run, import_read
from registry.errors import DomainError
from registry.provenance import Confidence


class Command(BaseCommand):
    help = (
        "Compare an official-style list (CSV or XLSX) with the registry and, without --dry-run, "
        "propose its differences as one batch for a senior inspector to publish."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--source", required=True, help="citation of the list (provenance)")
        parser.add_argument("--confidence", required=True, choices=Confidence.values)
        parser.add_argument(
            "--as",
            dest="username",
            help="the inspector the proposals are made by (required without --dry-run)",
        )
        parser.add_argument("--comment", default="")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        content = path.read_bytes()
        bar = tqdm(total=0, unit="row", disable=options["verbosity"] == 0, file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            if options["dry_run"]:
                rows = import_read(file_name=path.name, content=content)
                report = import_dry_run(
                    kind=options["kind"],
                    rows=rows,
                    source=options["source"],
                    confidence=options["confidence"],
                    progress=progress,
                )
                batch = None
            else:
                if not options["username"]:
                    raise CommandError("--as USERNAME is required to propose the changes.")
                user = get_user_model().objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"No such user: {options['username']}")
                report, batch = import_apply(
                    kind=options["kind"],
                    file_name=path.name,
                    content=content,
                    source=options["source"],
                    confidence=options["confidence"],
                    by=user,
                    comment=options["comment"],
                    progress=progress,
                )
        except DomainError as exc:
            bar.close()
            for error in (exc.extra or {}).get("errors", []):
                self.stderr.write(_fault_line(error))
            raise CommandError(exc.message) from exc
        bar.close()
        self._summary(report)
        if batch is not None:
            self.stdout.write(
                f"Proposed as import batch {batch.pk}: a senior inspector publishes it."
            )
        elif not options["dry_run"]:
            self.stdout.write("Nothing to propose: the registry already says what the file says.")
        if report.errors:
            raise CommandError(f"{len(report.errors)} rows are wrong; nothing would be imported.")

    def _summary(self, report: ImportReport) -> None:
        out = self.stdout.write
        out(
            f"rows {report.rows}: added {len(report.added)}, changed {len(report.changed)}, "
            f"unchanged {len(report.unchanged)}, already proposed {len(report.already_proposed)}, "
            f"removed from the list {len(report.removed)}, errors {len(report.errors)}"
        )
        for item in report.added:
            out(f"+ row {item['row']}: {item['key']}")
        for item in report.changed:
            out(f"~ row {item['row']}: {item['key']}")
            for name, (old, new) in item["changes"].items():
                out(f"    {name}: {old!r} -> {new!r}")
        for item in report.states_added:
            out(f"+ row {item['row']}: {item['record']}: states {item['text']}")
        for note in report.notes:
            out(f"  row {note['row']}: {note['reason']}")
        for item in report.removed:
            out(f"- not in the list: {item['record']}")
        for error in report.errors:
            out("! " + _fault_line(error))


def _fault_line(error: dict) -> str:
    """A fault as "row 3, column status ("flying"): reason"."""
    where = f"row {error['row']}"
    if error.get("column"):
        where += f", column {error['column']} ({error.get('value', '')!r})"
    return f"{where}: {error['reason']}"
