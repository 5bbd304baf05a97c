"""Benchmark: the access list and the eligibility API served with one primary and one streaming
replica (DATABASE_REPLICA_URLS) beside the same primary alone, measured side by side
(interleaved rounds) in one run.

    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/replicas.py \\
        [--products 5000] [--seconds 6] [--rounds 2]

It builds its own clusters (tests/integration/pgcluster.py: initdb, pg_basebackup -R, on free
local ports, removed afterwards): the primary is migrated, seeded and grown with the synthetic
products of bench/eligibility.py, then the replica is copied from it. Two gunicorns serve the
production settings (bench.eligibility_settings, as bench/eligibility.py), one with
DATABASE_URL only, one with DATABASE_URL and DATABASE_REPLICA_URLS, same workers, same Redis.

Loads, each for --seconds, per server, in turn:
  access   GET /api/v1/access/?country=..&page_size=50      a page of the access list
  cold     GET /api/v1/eligibility/?...                     a product, country and port never
                                                            asked (each server its own half)

Both nodes run on this one machine and share its cores, so the ratio shows what the routing
costs or saves here (the lag probe, a second connection per worker), not what a replica on its
own machine adds: that is capacity, which scales with the nodes. Over HTTP, six processes (two
workers, four clients) and both clusters' backends share the two cores, and the ratios swing by
2× between rounds; so the run ends with the same access-list page asked in one process
(Django's test client, the same settings), with and without the replica, in alternating
subprocesses: the statements one page runs on each node, and the pages per second. That part
isolates what the routing itself costs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import eligibility as bench  # noqa: E402  (bench/eligibility.py: data, server, load)

from tests.integration import pgcluster  # noqa: E402

COUNTRIES = ["KZ", "KG", "TJ", "TM", "UZ"]


def start(extra: dict[str, str], workers: int) -> tuple[subprocess.Popen, int]:
    port = bench.free_port()
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
        env={**os.environ, **bench.SERVER_ENV, **extra},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if bench.request(port, "/api/v1/countries/")[0] == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    bench.stop_server(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def access_paths(client: int) -> object:
    n = client * 1_000_003
    while True:
        n += 1
        yield "/api/v1/access/?" + urlencode(
            {"country": COUNTRIES[n % len(COUNTRIES)], "page_size": 50}
        )


def _client(args: tuple) -> tuple[int, int]:
    port, kind, client, seconds, _slugs, _questions, _fresh = args
    if kind != "access":
        return bench._client(args)
    done = errors = 0
    paths = access_paths(client)
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        status, _body = bench.request(port, next(paths))
        done += 1
        errors += status != 200
    return done, errors


def run_load(port, kind, clients, seconds, fresh, round_no):
    import multiprocessing

    seeds = [round_no * clients + c for c in range(clients)]
    with multiprocessing.Pool(clients) as pool:
        started = time.monotonic()
        work = [(port, kind, c, seconds, [], [], fresh) for c in seeds]
        results = pool.map(_client, work)
        elapsed = time.monotonic() - started
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


IN_PROCESS = r"""
import contextlib, json, os, sys, time
sys.path.insert(0, os.environ["BENCH_BASE_DIR"])
import django
django.setup()
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client()
paths = [f"/api/v1/access/?country={c}&page_size=50" for c in ("KZ", "KG", "TJ", "TM", "UZ")]
for path in paths * 4:  # warm: imports, connections, prepared statements
    assert client.get(path).status_code == 200
captures = {alias: CaptureQueriesContext(connections[alias]) for alias in connections}
with contextlib.ExitStack() as stack:
    for capture in captures.values():
        stack.enter_context(capture)
    client.get(paths[1])
# Counted now: the next request's reset_queries empties the connections' logs.
statements = {alias: len(capture) for alias, capture in captures.items()}
done, started = 0, time.perf_counter()
while time.perf_counter() - started < float(os.environ["BENCH_SECONDS"]):
    assert client.get(paths[done % len(paths)]).status_code == 200
    done += 1
rate = done / (time.perf_counter() - started)
print(json.dumps({"rate": rate, "statements": statements}))
"""


def in_process(replica: pgcluster.Cluster, seconds: float, rounds: int) -> dict[str, list]:
    """The same access-list page in one process, without and with the replica (alternating
    subprocesses): pages per second and the statements one page ran on each node."""
    import json

    found: dict[str, list] = {"primary alone": [], "primary + replica": []}
    extra = {"primary alone": {}, "primary + replica": {"DATABASE_REPLICA_URLS": replica.url()}}
    for _round in range(rounds):
        for name in found:
            env = {
                **os.environ,
                **bench.SERVER_ENV,
                "DJANGO_ALLOWED_HOSTS": "testserver",
                "BENCH_BASE_DIR": str(BASE_DIR),
                "BENCH_SECONDS": str(seconds),
                **extra[name],
            }
            done = subprocess.run(  # noqa: S603 (this interpreter, the script above)
                [sys.executable, "-c", IN_PROCESS],
                env=env,
                cwd=BASE_DIR,
                capture_output=True,
                text=True,
                check=True,
            )
            found[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  in process {name:18s} {found[name][-1]}", flush=True)
    return found


def served_by_replica(replica: pgcluster.Cluster) -> int:
    """Statements the replica has run for the registry database (proof the reads went there)."""
    return replica.sql(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'registry'"
    )[0][0]


def measure(args, primary, replica) -> None:
    from accessions.models import MarketAccess
    from registry.models import Port

    pairs = list(MarketAccess.objects.order_by("?").values_list("product__slug", "country__iso2"))
    ports = ["", *Port.objects.values_list("code", flat=True)[:3]]
    # Never asked before: a product, country and port no earlier request named. An answer holds
    # over a window of dates and both servers share one Redis (the same data, so the same data
    # version), so a new date is no new question, and each server gets its own half.
    fresh = [
        {"product": slug, "country": iso2, **({"port": p} if p else {})}
        for slug, iso2 in pairs
        for p in ports
    ]
    questions = {"primary alone": fresh[0::2], "primary + replica": fresh[1::2]}
    from django.db import connections

    connections.close_all()
    pgcluster.wait_replayed(primary, replica)

    alone, alone_port = start({}, args.workers)
    routed, routed_port = start({"DATABASE_REPLICA_URLS": replica.url()}, args.workers)
    servers = {"primary alone": alone_port, "primary + replica": routed_port}
    rates: dict[tuple[str, str], list[float]] = {}
    errors = 0
    try:
        for name, port in servers.items():  # warm-up: imports, connections, statements
            for kind in ("access", "cold"):
                run_load(port, kind, args.clients, 1.0, questions[name], 99)
        before = served_by_replica(replica)
        for round_no in range(1, args.rounds + 1):
            for kind in ("access", "cold"):
                for name, port in servers.items():
                    rate, failed = run_load(
                        port, kind, args.clients, args.seconds, questions[name], round_no
                    )
                    rates.setdefault((kind, name), []).append(rate)
                    errors += failed
                    print(f"  round {round_no} {kind:6s} {name:18s} {rate:8.1f} req/s", flush=True)
        on_replica = served_by_replica(replica) - before
    finally:
        bench.stop_server(alone)
        bench.stop_server(routed)
    report(args, rates, errors, on_replica)
    report_in_process(args, in_process(replica, args.seconds, args.rounds))


def report_in_process(args, found: dict[str, list]) -> None:
    from table import record

    def mean(name):
        return sum(run["rate"] for run in found[name]) / len(found[name])

    alone, routed = mean("primary alone"), mean("primary + replica")
    statements = {
        name: ", ".join(f"{a} {n}" for a, n in runs[-1]["statements"].items() if n)
        for name, runs in found.items()
    }
    print(f"  access list page in process: alone {alone:.1f}, with replica {routed:.1f} pages/s")
    record(
        f"access list page in one process (test client), primary + replica vs primary alone "
        f"({args.products:,} synthetic products)",
        f"{routed:.0f} vs {alone:.0f} pages/s; statements of one page: alone "
        f"{statements['primary alone']}; with replica {statements['primary + replica']}",
        f"{routed / alone:.2f}×",
        "measured, no target",
        None,
    )


def report(args, rates, errors, on_replica) -> None:
    from table import record

    def mean(values):
        return sum(values) / len(values)

    print(f"\n  transactions on the replica during the timed loads: {on_replica:,}")
    for kind, label in (("access", "access list page"), ("cold", "eligibility, new question")):
        alone = mean(rates[(kind, "primary alone")])
        routed = mean(rates[(kind, "primary + replica")])
        ratio = routed / alone
        print(f"  {label:28s} alone {alone:8.1f}  with replica {routed:8.1f}  {ratio:.2f}×")
        record(
            f"{label}, primary + replica (one machine) vs primary alone ({args.products:,} "
            f"synthetic products, gunicorn {args.workers} workers)",
            f"{routed:.0f} vs {alone:.0f} req/s; non-200: {errors}; replica transactions "
            f"{on_replica:,}",
            f"{routed / alone:.2f}×",
            "measured, no target",
            None,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="load-generating processes")
    args = parser.parse_args()
    with pgcluster.clusters_root() as root:
        taken: set[int] = set()
        primary = pgcluster.make_primary(root, taken)
        replica = None
        try:
            print(f"primary on port {primary.port}; preparing data", flush=True)
            # The replica is copied after the data is in, so it starts caught up.
            os.environ["DATABASE_URL"] = primary.url()
            bench.prepare_data(args.products)
            replica = pgcluster.make_replica(primary, "replica", taken)
            print(f"replica on port {replica.port}", flush=True)
            measure(args, primary, replica)
        finally:
            for cluster in (replica, primary):
                if cluster is not None:
                    cluster.stop("fast")


if __name__ == "__main__":
    main()
