"""Benchmark: the expiry sweep service against a hand-written set-based SQL UPDATE, same rows, same
run, on PostgreSQL; and the process's peak memory at 100,000 and at 1,000,000 registrations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_sweep \\
        .venv/bin/python bench/sweep.py [--rows 1000000] [--small 100000] [--batch-size 5000]

The database is created if missing and migrated. Synthetic registrations (country ZZ, marked
illustrative) are generated with INSERT ... SELECT generate_series and removed at the end. Every
row has expired under Decree 248 on the sweep date, so both sides change the same rows; both fire
the same history triggers. The sweep additionally writes one alert and one outbox event per row:
that is its job. Not part of the test suite: timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry_bench_sweep")

TODAY = dt.date(2026, 6, 1)
ACTIVE = "('registered', 'renewal_due', 'extended')"


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS since the last reset) in MB, from /proc/self/status."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: reset VmHWM to the current RSS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production: no query log (it would grow with every batch)
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from accessions.models import Alert, EstablishmentRegistration, OutboxEvent, RegistrationRegime
    from accessions.services import expiry
    from registry.history import history_context
    from registry.models import Country

    fixture = {"source": "benchmark (synthetic)", "confidence": "low", "is_illustrative": True}
    for code, values in {
        "decree-248": dict(  # noqa: C408
            name_en="GACC Decree 248",
            valid_from=dt.date(2022, 1, 1),
            valid_until=dt.date(2026, 5, 31),
            validity_years=5,
            window_min_months=3,
            window_max_months=6,
        ),
        "decree-280": dict(  # noqa: C408
            name_en="GACC Decree 280",
            valid_from=dt.date(2026, 6, 1),
            validity_years=5,
            window_min_months=3,
            window_max_months=12,
            auto_extend=True,
            auto_extend_years=5,
        ),
    }.items():
        if not RegistrationRegime.objects.filter(code=code).exists():
            RegistrationRegime.objects.create(code=code, **values, **fixture)
    regime = RegistrationRegime.objects.get(code="decree-248")
    country, _ = Country.objects.get_or_create(
        iso2="ZZ",
        defaults={"iso3": "ZZZ", "name_en": "Synthetic", "region": "other", **fixture},
    )
    reg_table = EstablishmentRegistration._meta.db_table
    event_table = apps.get_model("accessions", "EstablishmentRegistrationEvent")._meta.db_table
    through = EstablishmentRegistration.products.through._meta.db_table
    synthetic = f"SELECT id FROM {reg_table} WHERE country_id = {country.pk}"

    def sql(statement: str, params=None) -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
        return time.perf_counter() - started

    def untimed(statement: str, params=None) -> None:
        """Set-up and resets run without triggers (history off), so they stay cheap."""
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(statement, params)
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")

    def cleanup() -> None:
        """Remove the synthetic rows (triggers off: no history, no per-row FK checks)."""
        untimed(f"DELETE FROM {OutboxEvent._meta.db_table} WHERE registration_id IN ({synthetic})")
        untimed(f"DELETE FROM {Alert._meta.db_table} WHERE registration_id IN ({synthetic})")
        untimed(f"DELETE FROM {event_table} WHERE country_id = %s", [country.pk])
        untimed(f"DELETE FROM {through} WHERE establishmentregistration_id IN ({synthetic})")
        untimed(f"DELETE FROM {reg_table} WHERE country_id = %s", [country.pk])
        vacuum()

    def generate(start: int, stop: int) -> None:
        # Expiry dates spread over 2025-01-01 .. 2026-05-31: all past expiry on TODAY, all 248.
        untimed(
            f"INSERT INTO {reg_table} (registration_number, name, country_id, registered_on, "
            "valid_until, extension_basis, extension_exclusion, status, regime_id, source, "
            "source_url, confidence, is_illustrative, notes, public_note, updated_at) "
            "SELECT 'CZZZ' || lpad(g::text, 14, '0'), 'Synthetic establishment ' || g, %s, "
            "DATE '2020-01-01', DATE '2025-01-01' + (g %% 516), '', '', 'registered', %s, "
            "'benchmark (synthetic)', '', 'low', true, '', '', now() "
            "FROM generate_series(%s, %s) AS g",
            [country.pk, regime.pk, start, stop - 1],
        )
        vacuum()

    def vacuum() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {reg_table}")
            cursor.execute(f"VACUUM ANALYZE {Alert._meta.db_table}")
            cursor.execute(f"VACUUM ANALYZE {OutboxEvent._meta.db_table}")
            cursor.execute(f"VACUUM ANALYZE {event_table}")

    def reset() -> None:
        """Back to 'registered', alerts and events removed (not timed, triggers off)."""
        untimed(f"DELETE FROM {OutboxEvent._meta.db_table} WHERE registration_id IN ({synthetic})")
        untimed(f"DELETE FROM {Alert._meta.db_table} WHERE registration_id IN ({synthetic})")
        untimed(
            f"UPDATE {reg_table} SET status = 'registered' WHERE country_id = %s",
            [country.pk],
        )
        vacuum()

    def hand_written() -> float:
        return sql(
            f"UPDATE {reg_table} SET status = 'expired', updated_at = now() "
            f"WHERE status IN {ACTIVE} AND valid_until < %s",
            [TODAY],
        )

    def sweep() -> tuple[float, expiry.SweepSummary, float]:
        reset_peak_rss()
        before, _ = rss_mb()
        started = time.perf_counter()
        summary = expiry.expiry_sweep(today=TODAY, batch_size=args.batch_size)
        elapsed = time.perf_counter() - started
        _, peak = rss_mb()
        return elapsed, summary, peak - before

    def context_update() -> float:
        """The same hand-written UPDATE, inside the same history context as the sweep (the
        history trigger then also records who/why for every row, as it does for the sweep)."""
        with history_context(actor="bench", date=TODAY.isoformat()):
            return hand_written()

    cleanup()
    results = []
    made = 0
    for size in (args.small, args.rows):
        generate(made + 1, size + 1)
        made = size
        timings: dict[str, list[float]] = {"update": [], "update_ctx": [], "sweep": []}
        growths, summary = [], None
        for _ in range(args.repeat):
            timings["update"].append(hand_written())
            changed = EstablishmentRegistration.objects.filter(country=country, status="expired")
            assert changed.count() == size, "the hand-written UPDATE must change every row"
            reset()
            timings["update_ctx"].append(context_update())
            reset()
            elapsed, summary, growth = sweep()
            assert summary.expired == size and summary.events_created == size, summary
            timings["sweep"].append(elapsed)
            growths.append(growth)
            reset()
        results.append((size, timings, summary, max(growths)))

    cleanup()
    print(
        f"expiry sweep vs hand-written UPDATE (PostgreSQL, batch {args.batch_size}, "
        f"best of {args.repeat}, alternating)"
    )
    print(f"{'rows':>10} {'UPDATE s':>9} {'+ctx s':>7} {'sweep s':>8} {'ratio':>6} "
          f"{'ratio ctx':>9} {'alerts':>9} {'events':>9} {'peak RSS +MB':>12}")  # fmt: skip
    for size, timings, summary, growth in results:
        update, update_ctx, swept = (min(timings[k]) for k in ("update", "update_ctx", "sweep"))
        print(
            f"{size:>10,} {update:>9.2f} {update_ctx:>7.2f} {swept:>8.2f} "
            f"{swept / update:>5.2f}x {swept / update_ctx:>8.2f}x {summary.alerts_created:>9,} "
            f"{summary.events_created:>9,} {growth:>12.1f}"
        )
        print(f"{'':>10} all runs: " + ", ".join(
            f"{k} " + "/".join(f"{t:.2f}" for t in v) for k, v in timings.items()
        ))  # fmt: skip
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    from table import record

    size, timings, summary, growth = results[-1]
    update, swept = min(timings["update"]), min(timings["sweep"])
    small_growth = results[0][3]
    record(
        f"expiry sweep over {size:,} registrations vs hand-written UPDATE",
        f"{swept:.1f} s vs {update:.1f} s; peak memory +{growth:.0f} MB "
        f"(+{small_growth:.0f} MB at {results[0][0]:,})",
        f"{swept / update:.2f}×",
        "≤ 2×, memory flat",
        swept / update <= 2 and growth <= small_growth + 20,
    )


if __name__ == "__main__":
    main()
