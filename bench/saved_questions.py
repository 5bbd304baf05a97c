"""Benchmark: re-answering 100,000 saved questions in one run (issue 25, item 6), against the
engine alone answering the same distinct questions (the floor: the job adds reading the saved
rows, comparing and writing the changes). On the scale data of `generate_scale_data`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_saved \\
        .venv/bin/python bench/saved_questions.py [--questions 100000] [--users 1000] \\
        [--products 20000] [--accesses 500000] [--registrations 1000000]

The database is created if missing, migrated, seeded and given the scale data (idempotent). The
saved questions are synthetic (one per user and access entry of the scale data, spread over
`--users` synthetic traders), inserted with one INSERT ... SELECT, and removed at the end. Three
runs are timed: the first re-answer (every answer is new: every row is written and a change
recorded, the worst case), a second one (nothing changed: the steady state of a daily run), and
the engine alone over the same distinct questions. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry_bench_saved")

TODAY = dt.date(2026, 6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--accesses", type=int, default=500_000)
    parser.add_argument("--registrations", type=int, default=1_000_000)
    args = parser.parse_args()

    from sweep import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accessions.eligibility.answer import EligibilityQuestion
    from accessions.eligibility.check import check_eligibility_batch
    from notifications import saved
    from notifications.models import SavedQuestion, SavedQuestionChange

    call_command("migrate", verbosity=0)
    call_command("load_seeds", verbosity=0)
    call_command(
        "generate_scale_data",
        products=args.products,
        accesses=args.accesses,
        registrations=args.registrations,
        date=TODAY.isoformat(),
        verbosity=0,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, "
            "email, is_staff, is_active, date_joined) SELECT 'bench-saved-' || i, '!', false, "
            "'', '', 'bench-saved-' || i || '@example.org', false, true, now() "
            "FROM generate_series(1, %s) i ON CONFLICT (username) DO NOTHING",
            [args.users],
        )
        cursor.execute(
            "INSERT INTO notifications_savedquestion (user_id, product_id, country_id, "
            "establishment, channel, webhook_url, secret, verdict, reasons, answered_on, "
            "changed_on, created_at) "
            "SELECT u.id, a.product_id, a.country_id, '', 'email', '', '', '', '[]', %s, %s, now() "
            "FROM (SELECT product_id, country_id, row_number() OVER (ORDER BY id) AS n "
            "      FROM accessions_marketaccess) a "
            "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM auth_user "
            "      WHERE username LIKE 'bench-saved-%%') u ON u.k = a.n %% %s "
            "WHERE a.n <= %s ON CONFLICT DO NOTHING",
            [TODAY, TODAY, args.users, args.questions],
        )
    total = SavedQuestion.objects.count()
    keys = list(SavedQuestion.objects.values_list("product__slug", "country__iso2").distinct())
    print(f"saved questions: {total:,}  distinct questions: {len(keys):,}")

    try:
        start = time.perf_counter()
        first = saved.saved_questions_reanswer(today=TODAY)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = saved.saved_questions_reanswer(today=TODAY)
        second_s = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(0, len(keys), saved.CHUNK):
            check_eligibility_batch(
                [
                    EligibilityQuestion(product=p, country=c, on=TODAY)
                    for p, c in keys[i : i + saved.CHUNK]
                ]
            )
        engine_s = time.perf_counter() - start
    finally:
        SavedQuestionChange.objects.filter(
            question__user__username__startswith="bench-saved-"
        ).delete()
        SavedQuestion.objects.filter(user__username__startswith="bench-saved-").delete()

    print(f"first run (all changed): {first_s:.1f} s  {first}")
    print(f"second run (none changed): {second_s:.1f} s  {second}")
    print(f"engine alone, same distinct questions: {engine_s:.1f} s")
    from table import record

    record(
        f"re-answer {total:,} saved questions, none changed (the daily steady state)",
        f"{second_s:.1f} s ({total / second_s:,.0f}/s)",
        f"{second_s / engine_s:.2f}× the engine alone",
        "reported",
        None,
    )
    record(
        f"re-answer {total:,} saved questions, all changed (every row written)",
        f"{first_s:.1f} s ({total / first_s:,.0f}/s)",
        f"{first_s / engine_s:.2f}× the engine alone",
        "reported",
        None,
    )


if __name__ == "__main__":
    main()
