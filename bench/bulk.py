"""Benchmark: 1,000 distinct eligibility questions answered in one batch against the same
questions asked one by one (each a batch of one), in one process, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_eligibility \\
        .venv/bin/python bench/bulk.py [--products 20000] [--rounds 3]

Uses the database bench/eligibility.py prepares (seeds + synthetic products, illustrative). Both
sides run the engine and render the answers as their views do (api.eligibility_answer:
render_answer for one, render_answers for the batch, as the bulk view); HTTP is left
out on both sides, so the ratio is the engine's. Target (issue 13): ≥ 20×. Timings are printed,
never asserted.
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
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry_bench_eligibility"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--prepared", action="store_true", help="skip migrating, seeding and growing the data"
    )
    args = parser.parse_args()
    from bench.eligibility import ensure_database, prepare_data

    ensure_database()
    if args.prepared:
        import django

        django.setup()
    else:
        prepare_data(args.products)
    from accessions.eligibility.answer import EligibilityQuestion
    from accessions.eligibility.check import check_eligibility_batch
    from accessions.models import MarketAccess
    from api.eligibility_answer import render_answer, render_answers

    pairs = list(
        MarketAccess.objects.order_by("?").values_list("product__slug", "country__iso2")[:1000]
    )
    questions = [
        EligibilityQuestion(slug, iso2, dt.date(2024, 1, 1) + dt.timedelta(days=i), "khorgos")
        for i, (slug, iso2) in enumerate(pairs)
    ]

    def one_by_one() -> None:
        for question in questions:
            for answer in check_eligibility_batch([question]):
                render_answer(answer)  # type: ignore[arg-type]

    def batched() -> None:  # as the bulk view renders (api.eligibility_bulk)
        render_answers(check_eligibility_batch(questions))  # type: ignore[arg-type]

    best: dict[str, float] = {}
    for _round in range(args.rounds):
        for name, run in (("one_by_one", one_by_one), ("bulk", batched)):
            start = time.perf_counter()
            run()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
    n = len(questions)
    print(f"questions: {n}")
    for name, seconds in best.items():
        print(f"{name:>10}: {seconds:.3f} s  ({n / seconds:,.0f} answers/s)")
    ratio = best["one_by_one"] / best["bulk"]
    verdict = "met" if ratio >= 20 else "NOT met"
    print(f"bulk / one-by-one throughput: {ratio:.1f}x  (target >= 20x: {verdict})")
    from table import record

    record(
        f"bulk of {n:,} distinct questions vs one by one (in process, {args.products:,} "
        "synthetic products)",
        f"{n / best['bulk']:,.0f} vs {n / best['one_by_one']:,.0f} answers/s",
        f"{ratio:.1f}×",
        "≥ 20×",
        ratio >= 20,
    )


if __name__ == "__main__":
    main()
