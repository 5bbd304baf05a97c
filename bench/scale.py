"""Benchmarks at internet scale (issue 13, step 4), each against its physical floor measured in the
same run, on PostgreSQL, in one process (Django's test client: the whole request path, middleware,
throttle, filters, serializers; no HTTP socket on either side):

- access list, first and 1,000th cursor page with a filter, vs a hand-written keyset SQL of the
  same page (rows, their allowed ports and their series of states; the floor without the states,
  as before issue 23, is reported beside), run in turns; the registry's time is the request
  answered (the test's own parse of the JSON is not timed);
- CSV export of every access entry, streamed: peak memory growth, throughput vs PostgreSQL's own
  `COPY (the same join) TO STDOUT (FORMAT csv)`; XLSX export, streamed: memory and time;
- product search p95 over the synthetic products (Latin, Cyrillic, 1-3-character Chinese);
- the change feed catching up N events cursor-paged, vs a hand-written keyset SQL over the same
  events, with peak memory after a tenth of the pages and after all of them (through Django's WSGI
  handler as a server calls it, not the test client, and without collecting garbage between
  pages: the memory a server would keep).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_scale \\
        .venv/bin/python bench/scale.py [--products 100000] [--accesses 500000] ...

The database is created if missing, migrated, seeded (load_seeds) and filled by
`manage.py generate_scale_data` (synthetic, illustrative; a second run adds nothing). Timings are
printed and appended to the one results table (bench/table.py), never asserted in tests.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry_bench_scale")
# The production configuration, except that the benchmark's one client must not be throttled.
os.environ.setdefault("API_RATE_ANON", "100000000/min")
os.environ.setdefault("API_RATE_KEY", "100000000/min")

from table import record  # noqa: E402

PAGE = 50


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


def paired_median_ms(actions: list[Callable[[], object]], repeat: int) -> list[float]:
    """The median of each action, run in turns (one of each, `repeat` times, after one warm
    round: compiled statements, caches of the process, not of the answer), so a change of the
    machine's load falls on all of them alike."""
    times: list[list[float]] = [[] for _ in actions]
    for round_ in range(repeat + 1):
        for action, kept in zip(actions, times, strict=True):
            started = time.perf_counter()
            action()
            if round_:
                kept.append(time.perf_counter() - started)
    return [statistics.median(kept) * 1000 for kept in times]


def p95_ms(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000


def drf_cursor(position: int) -> str:
    """The token DRF's CursorPagination writes for 'after the row at this position'."""
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def main() -> None:  # noqa: C901 (one script, one section per benchmark)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--accesses", type=int, default=500_000)
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--regulations", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip", nargs="*", default=[], help="access csv xlsx search feed")
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="the database was filled by an earlier run: migrate only (no seeds, generator or "
        "VACUUM ANALYZE)",
    )
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings

    settings.DEBUG = False  # as in production: no query log
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accessions.models import MarketAccess, RegistrationRegime
    from accessions.scale_names import SCALE_SOURCE
    from api.services import api_key_issue
    from registry.selectors.search import product_search

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not args.reuse_data:
        if not RegistrationRegime.objects.exists():
            call_command("load_seeds", verbosity=0)
        call_command(
            "generate_scale_data",
            f"--countries={args.countries}",
            f"--products={args.products}",
            f"--accesses={args.accesses}",
            f"--registrations={args.registrations}",
            f"--regulations={args.regulations}",
            "--date=2026-06-01",
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"data ready in {time.perf_counter() - started:.0f} s", flush=True)
    scale = f"{MarketAccess.objects.count():,} access entries"
    client = Client()

    def sql(statement: str, params: list | None = None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    def execute(statement: str, params: list | None = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    # --- access list: first and 1,000th page ---------------------------------------------------
    if "access" not in args.skip:
        filtered = MarketAccess.objects.filter(status="in_force").order_by("id")
        # The 1,000th page, or the last full one when fewer rows match (then the label says so).
        deep = max(2, min(1000, filtered.count() // PAGE))
        last_before = filtered.values_list("id", flat=True)[(deep - 1) * PAGE - 1]
        page_sql = (
            "SELECT a.id, a.status, a.instrument_kind, a.instrument_ref, a.instrument_date, "
            "a.instrument_date_precision, a.protocol_signed_on, a.valid_from, "
            "a.valid_from_precision, a.valid_until, a.requires_registered_establishments, "
            "a.required_site_kind, a.treatment, a.pest_free_areas, a.conditions, a.source, "
            "a.source_url, a.confidence, a.is_illustrative, a.updated_at, p.slug, p.name_en, "
            "p.name_zh, p.name_ru, p.hs_code, c.iso2, c.name_en, c.name_zh, c.name_ru "
            "FROM accessions_marketaccess a JOIN registry_product p ON p.id = a.product_id "
            "JOIN registry_country c ON c.id = a.country_id "
            "WHERE a.status = 'in_force' AND a.id > %s ORDER BY a.id LIMIT %s"
        )
        ports_sql = (
            "SELECT l.marketaccess_id, po.code FROM accessions_marketaccess_allowed_ports l "
            "JOIN registry_port po ON po.id = l.port_id WHERE l.marketaccess_id = ANY(%s) "
            "ORDER BY po.code"
        )
        # The page shows each entry's series of legal states too (issue 21): the same page read
        # by hand reads them (the floor before issue 23 did not; it is reported beside).
        states_sql = (
            "SELECT s.market_access_id, s.kind, s.starts_on, s.starts_on_precision, "
            "s.limited_to, s.instrument_kind, s.instrument_ref, s.source, s.source_url, "
            "s.confidence, s.public_note, s.public_note_zh, s.public_note_ru, "
            "s.translated_by_registry FROM accessions_accessstate s "
            "WHERE s.market_access_id = ANY(%s) "
            "ORDER BY s.market_access_id, s.starts_on NULLS FIRST, s.id"
        )

        def floor(after: int, states: bool = True) -> None:
            rows = sql(page_sql, [after, PAGE + 1])
            ids = [row[0] for row in rows]
            sql(ports_sql, [ids])
            if states:
                sql(states_sql, [ids])

        for label, after, cursor_param in (
            ("first", 0, {}),
            (f"{deep:,}th", last_before, {"cursor": drf_cursor(last_before)}),
        ):
            url = "/api/v1/access/?" + urlencode({"status": "in_force", **cursor_param})

            def page(url: str = url) -> None:
                client.get(url)  # the server's work: the rendered page (checked below, untimed)

            response = client.get(url)
            assert response.status_code == 200, (response.status_code, response.content[:300])
            assert len(response.json()["results"]) == PAGE

            queries: list[str] = []

            def count(execute, statement, params, many, context, queries=queries):
                queries.append(statement)
                return execute(statement, params, many, context)

            page()  # warm: the data version is computed once per database snapshot
            # The fewest of 3 requests: a commit anywhere in the PostgreSQL cluster (other
            # databases too) moves the snapshot, and the next request recomputes the data version.
            counts = []
            for _ in range(3):
                queries.clear()
                with connection.execute_wrapper(count):  # (the request resets the debug log)
                    page()
                counts.append(len(queries))
            registry_ms, floor_ms, bare_ms = paired_median_ms(
                [
                    page,
                    lambda after=after: floor(after),
                    lambda after=after: floor(after, states=False),
                ],
                args.repeat,
            )
            ratio = registry_ms / floor_ms
            record(
                f"access list, {label} cursor page (status filter, {PAGE} rows), {scale}",
                f"{registry_ms:.1f} ms vs keyset SQL {floor_ms:.1f} ms (rows, ports, states; "
                f"{bare_ms:.1f} ms without the states: {registry_ms / bare_ms:.1f}×); "
                f"{min(counts)} queries",
                f"{ratio:.1f}×",
                "≤ 2×",
                ratio <= 2,
            )

    # --- CSV and XLSX exports ------------------------------------------------------------------
    if "csv" not in args.skip or "xlsx" not in args.skip:
        copy_sql = (
            "COPY (SELECT a.id, p.slug, c.iso2, a.status, a.instrument_kind, a.instrument_ref, "
            "a.instrument_date, a.instrument_date_precision, a.protocol_signed_on, a.valid_from, "
            "a.valid_from_precision, a.valid_until, a.requires_registered_establishments, "
            "a.required_site_kind, (SELECT string_agg(po.code, '; ' ORDER BY po.code) "
            "FROM accessions_marketaccess_allowed_ports l JOIN registry_port po "
            "ON po.id = l.port_id WHERE l.marketaccess_id = a.id), a.treatment, "
            "a.pest_free_areas, a.conditions, a.source, a.source_url, a.confidence, "
            "a.is_illustrative, a.updated_at FROM accessions_marketaccess a "
            "JOIN registry_product p ON p.id = a.product_id "
            "JOIN registry_country c ON c.id = a.country_id ORDER BY a.id) "
            "TO STDOUT (FORMAT csv, HEADER)"
        )

        def copy_floor() -> tuple[float, int]:
            began, size = time.perf_counter(), 0
            with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
                for block in copy:
                    size += len(block)
            return time.perf_counter() - began, size

        def export(fmt: str) -> tuple[float, int, float]:
            connection.ensure_connection()
            base, _ = rss_mb()
            reset_peak_rss()
            began, size = time.perf_counter(), 0
            response = client.get(f"/api/v1/access/?format={fmt}")
            assert response.status_code == 200, response.status_code
            for chunk in response.streaming_content:
                size += len(chunk)
            response.close()
            elapsed = time.perf_counter() - began
            return elapsed, size, rss_mb()[1] - base

        copy_seconds, copy_bytes = min(copy_floor() for _ in range(2))
        rows = MarketAccess.objects.count()
        if "csv" not in args.skip:
            seconds, size, growth = export("csv")
            ratio = copy_seconds / seconds
            record(
                f"CSV export of all {rows:,} access entries, streamed",
                f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s, {size / 2**20:.0f} MB); "
                f"COPY {copy_seconds:.1f} s; peak memory +{growth:.0f} MB",
                f"{ratio:.2f}× COPY's throughput",
                "≥ 0.25×, < 100 MB",
                ratio >= 0.25 and growth < 100,
            )
        if "xlsx" not in args.skip:
            seconds, size, growth = export("xlsx")
            record(
                f"XLSX export of all {rows:,} access entries, streamed",
                f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s, {size / 2**20:.0f} MB); "
                f"peak memory +{growth:.0f} MB",
                f"{copy_seconds / seconds:.2f}× COPY's CSV throughput",
                "streamed (< 100 MB)",
                growth < 100,
            )

    # --- search --------------------------------------------------------------------------------
    if "search" not in args.skip:
        products = f"{sql('SELECT count(*) FROM registry_product')[0][0]:,} products"
        groups = {
            "Latin": ["grape", "dried apricot", "walnut", "honey", "sunflower", "mutton"],
            "Cyrillic": ["виноград", "сушёный абрикос", "мёд", "фисташка", "говядина"],
            "Chinese, 1 character": ["杏", "米", "干", "肉"],
            "Chinese, 2 characters": ["葡萄", "玉米", "核桃", "蜂蜜"],
            "Chinese, 3 characters": ["葡萄干", "开心果", "鹰嘴豆", "亚麻籽"],
        }
        for group, queries in groups.items():
            times = []
            for query in queries:
                list(product_search(query).products[:20])  # warm
                for _ in range(args.repeat):
                    began = time.perf_counter()
                    list(product_search(query).products[:20])
                    times.append(time.perf_counter() - began)
            p95, median = p95_ms(times), statistics.median(times) * 1000
            record(
                f"product search p95, {group}, {products}",
                f"p95 {p95:.1f} ms, median {median:.1f} ms ({len(times)} searches)",
                f"{p95 / 30:.2f}× the target",
                "p95 ≤ 30 ms",
                p95 <= 30,
            )

    # --- the change feed -----------------------------------------------------------------------
    if "feed" not in args.skip:
        _key, raw_key = api_key_issue(name="benchmark (synthetic)")
        synthetic = MarketAccess.objects.filter(source=SCALE_SOURCE).order_by("id")
        limit = min(args.events, synthetic.count())
        upto = synthetic.values_list("id", flat=True)[limit - 1]
        since = sql("SELECT clock_timestamp()")[0][0]
        # One transaction, triggers on: one history event per changed row.
        execute(
            "UPDATE accessions_marketaccess SET public_note = 'synthetic change ' || "
            "clock_timestamp()::text WHERE source = %s AND id <= %s",
            [SCALE_SOURCE, upto],
        )
        # What autovacuum does within a minute of such a burst: without it the planner still
        # sees the event table's old size and sorts instead of reading the feed's index.
        execute(
            "ANALYZE "
            + connection.ops.quote_name(
                apps.get_model("accessions", "MarketAccessEvent")._meta.db_table
            )
        )
        size = 1000
        pages_total = -(-limit // size)
        handler = WSGIHandler()

        def wsgi_get(url: str) -> bytes:
            """A GET as a WSGI server makes it (no test client: its responses hold reference
            cycles of their own, response.json among them), the body read and the response
            closed."""
            path, _, query = url.partition("?")
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "SERVER_NAME": "testserver",
                "SERVER_PORT": "80",
                "REMOTE_ADDR": "127.0.0.1",
                "HTTP_X_API_KEY": raw_key,
                "wsgi.input": io.BytesIO(b""),
                "wsgi.url_scheme": "http",
                "wsgi.errors": sys.stderr,
            }
            status: list[str] = []
            response = handler(environ, lambda code, headers: status.append(code))
            try:
                body = b"".join(response)
            finally:
                response.close()
            assert status[0].startswith("200"), (status, body[:300])
            return body

        def catch_up(record_memory: bool) -> tuple[float, int, float, float]:
            connection.ensure_connection()
            base, _ = rss_mb()
            reset_peak_rss()
            began, seen, tenth = time.perf_counter(), 0, 0.0
            url = "/api/v1/changes/?" + urlencode({"since": since.isoformat(), "page_size": size})
            pages = 0
            while url:
                body = json.loads(wsgi_get(url))
                seen += len(body["results"])
                pages += 1
                if pages == max(1, pages_total // 10):
                    tenth = rss_mb()[1] - base
                # No gc.collect() between pages: what the feed keeps, a server keeps.
                url = body["next"] and body["next"].removeprefix("http://testserver")
            return time.perf_counter() - began, seen, tenth, rss_mb()[1] - base

        feed_sql = (
            'SELECT e.pgh_id, e.pgh_created_at, row_to_json(e)::text FROM "{table}" e '
            "WHERE (e.pgh_created_at, e.pgh_id) > (%s, %s) ORDER BY e.pgh_created_at, e.pgh_id "
            "LIMIT %s"
        ).format(table=apps.get_model("accessions", "MarketAccessEvent")._meta.db_table)

        def floor_feed() -> float:
            began, position, seen = time.perf_counter(), (since, 0), 0
            while True:
                rows = sql(feed_sql, [*position, size])
                seen += len(rows)
                if len(rows) < size:
                    break
                position = (rows[-1][1], rows[-1][0])
            return time.perf_counter() - began

        seconds, seen, tenth, growth = catch_up(True)
        floor_seconds = floor_feed()
        ratio = seconds / floor_seconds
        record(
            f"change feed catching up {seen:,} events, {size} a page",
            f"{seconds:.1f} s vs keyset SQL {floor_seconds:.1f} s; peak memory +{tenth:.0f} MB "
            f"after a tenth of the pages, +{growth:.0f} MB after all "
            "(WSGI handler, no collection between pages)",
            f"{ratio:.1f}×",
            "constant memory",
            seen >= limit and growth <= tenth + 10,
        )


if __name__ == "__main__":
    main()
