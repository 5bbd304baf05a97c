from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

_SEEDED_ROWS: dict[str, tuple] | None = None


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate limits (the API's, allauth's e-mail cooldowns)
    and cached answers count in it, and Redis keeps them across tests and runs."""
    from django.core.cache import cache

    from registry.redis_cache import redis_breaker

    redis_breaker.reset()  # a test that hung Redis on purpose leaves no open breaker behind
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request's LocaleMiddleware leaves its language
    active in the thread afterwards, so an earlier test's Chinese page would otherwise make a later
    test's messages Chinese (it depends on the order the tests run in)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _outside_a_task():
    """Each test starts outside any Celery task. Celery's "inside a task" flag is one per process:
    an eager task run by a live server's thread while the test's own runs can leave it set, and a
    later test's `.get()` of an eager result then refuses ("never call result.get() within a
    task"); which test meets it depends on the order the tests run in."""
    from celery.result import allow_join_result

    with allow_join_result():
        yield


# What the documentation host names resolve to (DNS leaves the machine, so tests do not ask it).
EXAMPLE_HOSTS = {"example.org": "93.184.215.14", "example.com": "93.184.215.14"}


@pytest.fixture(autouse=True)
def _no_outbound_dns(monkeypatch):
    """Webhook URLs are resolved and checked (notifications.outbound); the documentation names
    resolve to a public address, every other name as the local resolver says."""
    import ipaddress

    from notifications import outbound

    real = outbound.resolve_host

    def resolve(host, port):
        if host.lower() in EXAMPLE_HOSTS:
            return [ipaddress.ip_address(EXAMPLE_HOSTS[host.lower()])]
        return real(host, port)

    monkeypatch.setattr(outbound, "resolve_host", resolve)


def _seeded_models():
    from accessions.seeding import SPECS
    from registry.models import ProductSearchKey

    # The resolver's search keys are derived by the loader, not seeded: restored with the rest.
    return list(dict.fromkeys(spec.model for spec in SPECS)) + [ProductSearchKey]


def _seeded_tables() -> list[str]:
    """The seeded models' tables and their many-to-many link tables, in loading order."""
    tables = []
    for model in _seeded_models():
        tables.append(model._meta.db_table)
        tables += [
            field.remote_field.through._meta.db_table
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        ]
    return list(dict.fromkeys(tables))


def _seeded_rows_copy() -> dict[str, tuple]:
    """Every seeded table's rows as the database gives them: PostgreSQL's COPY text on
    PostgreSQL, the raw column values on SQLite."""
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table in _seeded_tables():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quoted} TO STDOUT") as copy:
                    rows[table] = (None, b"".join(bytes(block) for block in copy))
            else:
                cursor.execute(f"SELECT * FROM {quoted}")
                columns = [column[0] for column in cursor.description]
                rows[table] = (columns, cursor.fetchall())
    return rows


def _seeded_rows_restore(rows: dict[str, tuple]) -> None:
    """Puts the rows back as they were copied: one COPY per table on PostgreSQL, one
    executemany per table on SQLite (the foreign keys are checked at commit on both)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, (columns, data) in rows.items():
            quoted = connection.ops.quote_name(table)
            if columns is None:
                with cursor.cursor.copy(f"COPY {quoted} FROM STDIN") as copy:
                    copy.write(data)
            elif data:
                names = ", ".join(connection.ops.quote_name(column) for column in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({marks})", data)


def seeds_put_in() -> None:
    """The real seed data (seeds/) in the database, with the roles the migrations make. The
    first call of a test process loads the seeds through the loader; later calls put back the
    rows it produced as the database copied them (no model instances, no re-validation: ~0.1 s
    against ~1 s for a save per row, ~6 s for the loader). No signal receiver listens to the
    seeded models (a raw copy would skip it); their history triggers fire as on any insert.
    For tests in a transaction (`seeded`) and for tests that commit, whose flush takes the
    roles too."""
    global _SEEDED_ROWS
    from django.core.management.color import no_style
    from django.db import connection

    from accounts.roles import roles_ensure

    roles_ensure()
    if _SEEDED_ROWS is None:
        call_command("load_seeds", verbosity=0)
        _SEEDED_ROWS = _seeded_rows_copy()
        return
    _seeded_rows_restore(_SEEDED_ROWS)
    # The rows keep their first ids; a sequence may be behind them (a full `flush` restarts
    # sequences), and the next factory row would then take a seeded id.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), _seeded_models()):
            cursor.execute(statement)


@pytest.fixture
def seeded(db):
    """The real seed data (seeds/), inside the test's transaction."""
    seeds_put_in()


@pytest.fixture
def inspector(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user("inspector", password="pw-inspector-1")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="inspector"))
    return user


def pytest_collection_modifyitems(items):
    """schemathesis gives every operation's test of one function the function's node id; under
    pytest-xdist (which schedules by node id) all but the first would silently not run. Each gets
    its own id, the operation in brackets, as it is named."""
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and "[" not in item.nodeid:
            # pytest 9 builds an item's id from its original name and its parameters, and
            # schemathesis puts the operation in the name instead (a private attribute: no
            # public way to set an item's id after collection).
            operation = item.name.split("[", 1)[1].removesuffix("]")
            item._id = item.parent.id.child(item.originalname).with_params(operation)
    counts = Counter(item.nodeid for item in items)
    if twice := sorted(nodeid for nodeid, count in counts.items() if count > 1):
        raise pytest.UsageError(
            f"tests with the same id would not all run in two processes: {twice}"
        )
