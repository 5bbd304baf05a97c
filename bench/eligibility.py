"""Benchmark: eligibility API throughput against the bare floor, measured side by side
(interleaved rounds) in one run, with the production settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_eligibility \\
    REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/eligibility.py [--products 20000] [--seconds 8] [--rounds 3]

The database is created if missing, migrated, seeded (manage.py load_seeds) and grown with
synthetic products and access rows (marked illustrative, slug prefix `bench-`) so that lookups run
against a registry far larger than the real one. Two gunicorns, each with --workers sync workers:
the registry (`bench.eligibility_settings`: the production settings plus a bench-only URLconf with
a bare view behind the whole stack), and the bare floor (the shared floor_app.py: a bare Django
view, no middleware, one indexed lookup; FLOOR_APP says where it is).

Five loads, each for --seconds, repeated --rounds times in turn:
  floor    GET /floor on the floor's own gunicorn                   the physical limit
  bare     GET /bench/bare/?product=<slug>  behind the whole stack  what the stack costs
  warm     GET /api/v1/eligibility/?...     200 questions asked before (a repeated question)
  newdate  the same pairs on dates spread over 2015-2030            (a recorded pair, new date)
           (each pair's first new date, which answers its whole timeline, is timed apart
           before the loads: the load measures the steady state)
  cold     a product/country/port never asked in this run           (a pair never asked before)
Every API load goes through the whole API stack (authentication, the rate limit counted in Redis,
content negotiation, validation). Not part of the test suite: timings are printed, never
asserted; ratios to the floor are recorded through bench/table.py.
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


# The bare floor (issue 23): a bare Django view doing one indexed lookup, no middleware, in its
# own gunicorn (the shared floor_app.py; FLOOR_APP overrides where it is).
FLOOR_APP = Path(os.environ.get("FLOOR_APP", "/work/shared/bench/floor_app.py"))


def start_server(
    workers: int, *, port: int = 0, floor: bool = False
) -> tuple[subprocess.Popen, int]:
    port = port or free_port()
    env = {**os.environ, **SERVER_ENV}
    app, chdir, probe = "config.wsgi:application", BASE_DIR, "/bench/bare/?product=maize"
    if floor:
        app, chdir, probe = f"{FLOOR_APP.stem}:application", FLOOR_APP.parent, "/floor"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            app,
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(chdir),
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, probe)
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


def paths_for(kind: str, client: int, slugs: list[str], questions: list[dict], fresh) -> object:
    """An endless generator of request paths for one client process (`client` also carries the
    round, so no never-asked question is asked twice in a run)."""
    n = client * 1_000_003
    stride = 64  # client processes never share a never-asked question
    while True:
        n += 1
        if kind == "floor":
            yield "/floor"
        elif kind == "bare":
            yield "/bench/bare/?" + urlencode({"product": slugs[n % len(slugs)]})
        elif kind == "warm":
            yield "/api/v1/eligibility/?" + urlencode(questions[n % len(questions)])
        elif kind == "newdate":  # a recorded pair already asked, on a date spread over 2015-2030
            day = dt.date(2015, 1, 1) + dt.timedelta(days=(n * 7919) % 5844)
            yield "/api/v1/eligibility/?" + urlencode(
                {**questions[n % len(questions)], "date": day.isoformat()}
            )
        else:  # cold: a product/country/port never asked before in this run
            index = (n - client * 1_000_003) * stride + client % stride
            yield "/api/v1/eligibility/?" + urlencode(fresh[index % len(fresh)])


def _client(args: tuple) -> tuple[int, int]:
    port, kind, client, seconds, slugs, questions, fresh = args
    done = errors = 0
    paths = paths_for(kind, client, slugs, questions, fresh)
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        status, _body = request(port, next(paths))
        done += 1
        errors += status != 200
    return done, errors


def run_load(port, kind, clients, seconds, slugs, questions, round_no=0, fresh=()):
    seeds = [round_no * clients + c for c in range(clients)]
    work = [(port, kind, c, seconds, slugs, questions, fresh) for c in seeds]
    with multiprocessing.Pool(clients) as pool:
        started = time.monotonic()
        results = pool.map(_client, work)
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
    parser.add_argument("--port", type=int, default=0, help="the registry's port (0: any free)")
    parser.add_argument("--floor-port", type=int, default=0, help="the floor's port (0: any)")
    parser.add_argument(
        "--as-loaded",
        action="store_true",
        help="measure the database as it is (e.g. loaded by manage.py generate_scale_data at the "
        "issue's full scale, as bench/scale.py does): no synthetic rows added",
    )
    parser.add_argument(
        "--prepared", action="store_true", help="skip migrating, seeding and growing the data"
    )
    args = parser.parse_args()

    print(f"database {os.environ['DATABASE_URL']}; preparing data", flush=True)
    ensure_database()
    if args.prepared:  # the data as an earlier run left it (migrated, seeded, grown)
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    else:
        prepare_data(0 if args.as_loaded else args.products)
    from accessions.models import MarketAccess
    from registry.models import Port, Product

    slugs = list(Product.objects.order_by("?").values_list("slug", flat=True)[:500])
    pairs = list(
        MarketAccess.objects.order_by("?").values_list("product__slug", "country__iso2")[:20_000]
    )
    ports = ["", *Port.objects.values_list("code", flat=True)[:3]]
    # No port: the parameter left out (the API refuses an empty `port=` with a 400).
    everything = [
        {"product": slug, "country": iso2, **({"port": p} if (p := ports[i % len(ports)]) else {})}
        for i, (slug, iso2) in enumerate(pairs)
    ]
    questions = everything[:150]
    questions += [{"product": "maize", "country": iso2} for iso2 in ("KZ", "KG", "TJ", "TM", "UZ")]
    questions += [{"product": "100590", "country": "KZ", "port": "khorgos"}] * 5
    questions = questions[:200]
    # Never asked in this run: every other pair, with each port (the repeated set left out).
    fresh = [
        {**{k: v for k, v in q.items() if k != "port"}, **({"port": p} if p else {})}
        for q in everything[200:]
        for p in ports
    ]

    server, port = start_server(args.workers, port=args.port)
    floor, floor_port = start_server(args.workers, port=args.floor_port, floor=True)
    kinds = ("floor", "bare", "warm", "newdate", "cold")
    totals: dict[str, list[float]] = {kind: [] for kind in kinds}
    errors = 0
    try:
        for kind in kinds:  # warm-up: worker imports, connections
            target = floor_port if kind == "floor" else port
            run_load(target, kind, args.clients, 1.0, slugs, questions, 99, fresh[-5000:])
        for question in questions:  # the recorded pairs are asked once before timing
            request(port, "/api/v1/eligibility/?" + urlencode(question))
        # Each pair's first new date answers its whole timeline (api.eligibility._timeline):
        # timed here, one by one, and reported apart; the newdate load then measures the
        # steady state, a new date of a pair whose timeline is known.
        started = time.monotonic()
        for question in questions:
            request(port, "/api/v1/eligibility/?" + urlencode({**question, "date": "2016-06-01"}))
        first_new_date = (time.monotonic() - started) / len(questions)
        for round_no in range(1, args.rounds + 1):
            for kind in kinds:
                target = floor_port if kind == "floor" else port
                rate, failed = run_load(
                    target, kind, args.clients, args.seconds, slugs, questions, round_no, fresh
                )
                totals[kind].append(rate)
                errors += failed
                print(f"  round {round_no} {kind:7s} {rate:8.1f} req/s  non-200: {failed}")
    finally:
        stop_server(server)
        stop_server(floor)
    report(args, totals, errors, first_new_date)


def report(args, totals: dict[str, list[float]], errors: int, first_new_date: float) -> None:
    from accessions.models import EstablishmentRegistration, MarketAccess
    from registry.models import Product

    def mean(values):
        return sum(values) / len(values)

    floor, bare, warm, newdate, cold = (
        mean(totals[k]) for k in ("floor", "bare", "warm", "newdate", "cold")
    )
    print()
    print(
        f"gunicorn {args.workers} sync workers each, {args.clients} client processes, "
        f"{args.rounds} × {args.seconds:g} s per load, {Product.objects.count():,} products, "
        f"{MarketAccess.objects.count():,} access rows"
    )
    print(f"  the bare floor (own gunicorn)      {floor:8.1f} req/s")
    print(f"  bare view behind the stack         {bare:8.1f} req/s   ratio {bare / floor:.2f}×")
    print(f"  repeated question                  {warm:8.1f} req/s   ratio {warm / floor:.2f}×")
    print(
        f"  recorded pair, new date            {newdate:8.1f} req/s   ratio {newdate / floor:.2f}×"
    )
    print(f"  pair never asked before            {cold:8.1f} req/s   ratio {cold / floor:.2f}×")
    print(
        f"  a pair's first new date (its whole timeline), one by one: "
        f"{first_new_date * 1000:.1f} ms each"
    )
    print(f"  non-200 answers: {errors}   (targets: 0.9×, 0.8×, 0.5× the floor)")
    from table import record

    scale = (
        f"{Product.objects.count():,} products, {MarketAccess.objects.count():,} access entries, "
        f"{EstablishmentRegistration.objects.count():,} registrations, HTTP, gunicorn "
        f"{args.workers} workers"
    )
    for name, rate, target in (
        ("repeated question", warm, 0.9),
        ("recorded pair on a new date", newdate, 0.8),
        ("pair never asked before", cold, 0.5),
    ):
        record(
            f"eligibility, {name} vs the bare floor ({scale})",
            f"{rate:.0f} vs {floor:.0f} req/s; non-200: {errors}",
            f"{rate / floor:.2f}×",
            f"≥ {target}×",
            rate / floor >= target and not errors,
        )


if __name__ == "__main__":
    main()
