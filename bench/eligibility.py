"""Benchmark: eligibility API throughput against a bare Django view doing one indexed lookup, both
served by the same gunicorn, measured side by side (interleaved rounds) in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_eligibility \\
    REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/eligibility.py [--products 20000] [--seconds 8] [--rounds 3]

The database is created if missing, migrated, seeded (manage.py load_seeds) and grown with
synthetic products and access rows (marked illustrative, slug prefix `bench-`) so that lookups run
against a registry far larger than the real one. gunicorn serves `bench.eligibility_settings`: the
production settings plus a bench-only URLconf holding the bare view (it is in no production URL).

Three loads, each for --seconds, repeated --rounds times in turn:
  bare         GET /bench/bare/?product=<slug>              one indexed SELECT, JsonResponse
  warm         GET /api/v1/eligibility/?...                 a rotating set of 200 questions
               (the answer cache holds them: one query, the data version, per request)
  cold         GET /api/v1/eligibility/?...&date=<unique>   every question new: data version +
               the full check (3–4 queries) per request
Both API loads go through the whole API stack (auth, throttling in Redis, content negotiation,
serializers). Not part of the test suite: timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry_bench_eligibility"
)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.eligibility_settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    # Production defaults otherwise (persistent connections, shared Redis pool): only the limits
    # are out of reach and the log quieter, through their documented variables.
    "API_RATE_ANON": "100000000/min",
    "API_RATE_KEY": "100000000/min",
    "DJANGO_LOG_LEVEL": "WARNING",
}


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare_data(products: int) -> None:
    """Migrate, load the seeds, add synthetic products with access rows (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_seeds", verbosity=0)
    from registry.models import Product

    have = Product.objects.filter(slug__startswith="bench-").count()
    if have < products:
        _add_synthetic(products, have)
    # Fresh statistics, as autovacuum would have them in production: without them the planner
    # takes the new functional indexes for unselective and scans.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _add_synthetic(products: int, have: int) -> None:
    from accessions.models import AccessState, MarketAccess
    from registry.models import Country, Product
    from registry.services import product_search_keys_refresh
    from regulations.models import Regulation, RegulationProduct

    countries = list(Country.objects.filter(iso2__in=["KZ", "KG", "TJ", "TM", "UZ"]))
    regulation = Regulation.objects.filter(union__code="EAEU").first()
    batch = 5000
    for start in range(have, products, batch):
        stop = min(products, start + batch)
        made = Product.objects.bulk_create(
            Product(
                slug=f"bench-{n}",
                name_en=f"Bench product {n}",
                category="grain",
                origin_type="plant",
                hs_code=f"{900000 + n % 99999:06d}",
                hs_basis="mapped",
                source="bench/eligibility.py (synthetic)",
                confidence="low",
                is_illustrative=True,
            )
            for n in range(start, stop)
        )
        product_search_keys_refresh(products=made)
        accesses = MarketAccess.objects.bulk_create(
            MarketAccess(
                product=product,
                country=countries[i % len(countries)],
                status="in_force",
                instrument_kind="announcement",
                instrument_ref=f"BENCH {i}",
                valid_from=dt.date(2020, 1, 1),
                valid_from_precision="exact",
                source="bench/eligibility.py (synthetic)",
                confidence="low",
                is_illustrative=True,
            )
            for i, product in enumerate(made, start=start)
        )
        # Each entry's series, as accessions.validity.access_states_sync writes it: in force
        # from its start (the engine reads the series, never the kept status).
        AccessState.objects.bulk_create(
            AccessState(
                market_access=access,
                kind="in_force",
                starts_on=access.valid_from,
                starts_on_precision="exact",
                instrument_kind=access.instrument_kind,
                instrument_ref=access.instrument_ref,
                origin="entry",
                source=access.source,
                confidence="low",
                is_illustrative=True,
            )
            for access in accesses
        )
        if regulation is not None:
            RegulationProduct.objects.bulk_create(
                RegulationProduct(
                    regulation=regulation,
                    product=product,
                    source="bench/eligibility.py (synthetic)",
                    confidence="low",
                )
                for product in made
            )
        print(f"  synthetic products: {stop:,}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, **SERVER_ENV}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(BASE_DIR),
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "/bench/bare/?product=maize")
            if status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def request(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Language": "en"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def paths_for(kind: str, client: int, slugs: list[str], questions: list[dict]) -> object:
    """An endless generator of request paths for one client process (`client` also carries the
    round, so no cold question is ever asked twice in a run)."""
    n = client * 1_000_003
    while True:
        n += 1
        if kind == "bare":
            yield "/bench/bare/?" + urlencode({"product": slugs[n % len(slugs)]})
        elif kind == "warm":
            yield "/api/v1/eligibility/?" + urlencode(questions[n % len(questions)])
        else:  # cold: (question, date) never asked before in this run: not in the answer cache
            day = dt.date(2015, 1, 1) + dt.timedelta(days=n // len(questions) % 7300)
            yield "/api/v1/eligibility/?" + urlencode(
                {**questions[n % len(questions)], "date": day.isoformat()}
            )


def _client(args: tuple) -> tuple[int, int]:
    port, kind, client, seconds, slugs, questions = args
    done = errors = 0
    paths = paths_for(kind, client, slugs, questions)
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        status, _body = request(port, next(paths))
        done += 1
        errors += status != 200
    return done, errors


def run_load(port, kind, clients, seconds, slugs, questions, round_no=0):
    seeds = [round_no * clients + c for c in range(clients)]
    with multiprocessing.Pool(clients) as pool:
        started = time.monotonic()
        results = pool.map(_client, [(port, kind, c, seconds, slugs, questions) for c in seeds])
        elapsed = time.monotonic() - started
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    return done / elapsed, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="load-generating processes")
    parser.add_argument(
        "--as-loaded",
        action="store_true",
        help="measure the database as it is (e.g. loaded by manage.py generate_scale_data at the "
        "issue's full scale, as bench/scale.py does): no synthetic rows added",
    )
    args = parser.parse_args()

    print(f"database {os.environ['DATABASE_URL']}; preparing data", flush=True)
    ensure_database()
    prepare_data(0 if args.as_loaded else args.products)
    from accessions.models import MarketAccess
    from registry.models import Port, Product

    slugs = list(Product.objects.order_by("?").values_list("slug", flat=True)[:500])
    pairs = list(
        MarketAccess.objects.order_by("?").values_list("product__slug", "country__iso2")[:150]
    )
    ports = ["", *Port.objects.values_list("code", flat=True)[:3]]
    # No port: the parameter left out (the API refuses an empty `port=` with a 400).
    questions = [
        {"product": slug, "country": iso2, **({"port": p} if (p := ports[i % len(ports)]) else {})}
        for i, (slug, iso2) in enumerate(pairs)
    ]
    questions += [{"product": "maize", "country": iso2} for iso2 in ("KZ", "KG", "TJ", "TM", "UZ")]
    questions += [{"product": "100590", "country": "KZ", "port": "khorgos"}] * 5
    questions = questions[:200]

    server, port = start_server(args.workers)
    totals: dict[str, list[float]] = {"bare": [], "warm": [], "cold": []}
    errors = 0
    try:
        for kind in ("bare", "warm", "cold"):  # warm-up: worker imports, connections
            run_load(port, kind, args.clients, 1.0, slugs, questions, round_no=99)
        for question in questions:  # the repeated questions are answered once before timing
            request(port, "/api/v1/eligibility/?" + urlencode(question))
        for round_no in range(1, args.rounds + 1):
            for kind in ("bare", "warm", "cold"):
                rate, failed = run_load(
                    port, kind, args.clients, args.seconds, slugs, questions, round_no
                )
                totals[kind].append(rate)
                errors += failed
                print(f"  round {round_no} {kind:5s} {rate:8.1f} req/s  non-200: {failed}")
    finally:
        stop_server(server)

    def mean(values):
        return sum(values) / len(values)

    bare, warm, cold = (mean(totals[k]) for k in ("bare", "warm", "cold"))
    print()
    print(
        f"gunicorn {args.workers} sync workers, {args.clients} client processes, "
        f"{args.rounds} × {args.seconds:g} s per load, {Product.objects.count():,} products, "
        f"{MarketAccess.objects.count():,} access rows"
    )
    print(f"  bare view (1 indexed lookup)      {bare:8.1f} req/s")
    print(f"  eligibility, repeated questions   {warm:8.1f} req/s   ratio {warm / bare:.2f}×")
    print(f"  eligibility, every question new   {cold:8.1f} req/s   ratio {cold / bare:.2f}×")
    print(f"  non-200 answers: {errors}   (targets: new ≥ 0.5×, repeated ≥ 0.9×)")
    from table import record

    from accessions.models import EstablishmentRegistration

    scale = (
        f"{Product.objects.count():,} products, {MarketAccess.objects.count():,} access entries, "
        f"{EstablishmentRegistration.objects.count():,} registrations, HTTP, gunicorn "
        f"{args.workers} workers"
    )
    record(
        f"eligibility, new question vs the floor ({scale})",
        f"{cold:.0f} vs {bare:.0f} req/s; non-200: {errors}",
        f"{cold / bare:.2f}×",
        "≥ 0.5×",
        cold / bare >= 0.5 and not errors,
    )
    record(
        f"eligibility, repeated question vs the floor ({scale})",
        f"{warm:.0f} vs {bare:.0f} req/s",
        f"{warm / bare:.2f}×",
        "≥ 0.9×",
        warm / bare >= 0.9 and not errors,
    )


if __name__ == "__main__":
    main()
