from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command

_SEEDED_ROWS: list | None = None


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


@pytest.fixture
def seeded(db):
    """The real seed data (seeds/). The first test of a run loads it through the loader; later
    tests restore the rows it produced (raw inserts, no re-validation), which is ~10× faster."""
    global _SEEDED_ROWS
    if _SEEDED_ROWS is None:
        call_command("load_seeds", verbosity=0)
        _SEEDED_ROWS = serializers.serialize(
            "python", [obj for model in _seeded_models() for obj in model.objects.order_by("pk")]
        )
        return
    for restored in serializers.deserialize("python", _SEEDED_ROWS):
        restored.save()
    # The rows keep their first ids; a sequence may be behind them (a full `flush` restarts
    # sequences), and the next factory row would then take a seeded id.
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), _seeded_models()):
            cursor.execute(statement)
    from accounts.roles import roles_ensure

    roles_ensure()


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
