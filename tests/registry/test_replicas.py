"""Read replicas without a cluster: the configuration (none changes nothing; some add the
aliases, the router and the middleware), the lag rule, and where reads go outside a request.
The real thing (a streaming replica) is tests/integration/test_replicas.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from registry import replicas

ROOT = Path(__file__).resolve().parents[2]
PRIMARY = "postgres://registry@db:5432/registry"
PRINT = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE, "
    "'replicas': {a: s.DATABASES[a] for a in s.DATABASE_REPLICA_ALIASES}}, default=str))"
)


def _settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    clean |= {"DJANGO_SETTINGS_MODULE": "config.settings", **env}
    code = f"import django; django.setup(); {PRINT}"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_without_replicas_nothing_changes():
    done = _settings(DATABASE_URL=PRIMARY)
    seen = json.loads(done.stdout)
    assert seen["aliases"] == ["default"]
    assert seen["routers"] == []
    assert "web.middleware.ReadRoutingMiddleware" not in seen["middleware"]


def test_each_replica_url_is_an_alias_behind_the_router():
    urls = " postgres://r@replica-a:5432/registry, postgres://r@replica-b:6432/registry ,"
    done = _settings(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URLS=urls)
    seen = json.loads(done.stdout)
    assert seen["aliases"] == ["default", "replica_1", "replica_2"]
    assert seen["routers"] == ["registry.replicas.ReplicaRouter"]
    assert [(r["HOST"], r["PORT"]) for r in seen["replicas"].values()] == [
        ("replica-a", 5432),
        ("replica-b", 6432),
    ]
    first = seen["replicas"]["replica_1"]
    assert first["OPTIONS"]["connect_timeout"] == 2
    assert first["TEST"]["MIRROR"] == "default"
    middleware = seen["middleware"]
    # After authentication, which it asks who the user is.
    auth = middleware.index("api.middleware.ApiReadsSkipAuthenticationMiddleware")
    assert middleware[auth + 1] == "web.middleware.ReadRoutingMiddleware"


def test_replicas_need_a_postgresql_primary():
    done = _settings(DATABASE_REPLICA_URLS="postgres://r@replica-a:5432/registry")
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URLS needs DATABASE_URL" in done.stderr


@pytest.mark.parametrize(
    ("in_recovery", "lag", "usable"),
    [
        (True, 0.0, True),  # replayed all it received (an idle primary too)
        (True, 4.9, True),
        (True, 5.1, False),  # behind by more than the limit
        (True, None, False),  # lag unknown: nothing replayed yet
        (False, 0.0, False),  # not a replica (promoted, or the primary itself)
    ],
)
def test_lag_rule(in_recovery, lag, usable):
    assert replicas.lag_acceptable(in_recovery, lag, 5.0)[0] is usable


def test_reads_outside_a_request_stay_on_the_primary_and_a_request_keeps_its_node(settings):
    """Celery jobs, management commands and migrations have no read scope."""
    settings.DATABASE_REPLICA_ALIASES = ["replica_1"]
    replicas.scope_end()
    assert replicas.read_alias() == DEFAULT_DB_ALIAS
    scope = replicas.scope_begin(replica=True)
    try:
        scope.alias = "replica_1"  # as chosen at the request's first read
        assert replicas.read_alias() == "replica_1"
    finally:
        replicas.scope_end()
    assert replicas.read_alias() == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_on_it(settings):
    """A read inside a transaction on the primary (this test runs in one) must see that
    transaction's writes."""
    settings.DATABASE_REPLICA_ALIASES = ["replica_1"]
    scope = replicas.scope_begin(replica=True)
    try:
        scope.alias = "replica_1"
        with transaction.atomic():
            assert replicas.read_alias() == DEFAULT_DB_ALIAS
            assert replicas.read_connection() is connections[DEFAULT_DB_ALIAS]
    finally:
        replicas.scope_end()


def test_router_writes_and_migrations_go_to_the_primary_and_sign_in_state_is_read_there():
    from django.contrib.sessions.models import Session

    from registry.models import Country

    router = replicas.ReplicaRouter()
    assert router.db_for_write(Country) == DEFAULT_DB_ALIAS
    assert router.allow_migrate("replica_1", "registry") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "registry") is True
    scope = replicas.scope_begin(replica=True)
    scope.alias = "replica_1"
    try:
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
    finally:
        replicas.scope_end()


def test_scope_without_replicas_configured_reads_the_primary():
    scope = replicas.scope_begin(replica=True)
    try:
        assert scope.replica is False
        assert replicas.read_alias() == DEFAULT_DB_ALIAS
    finally:
        replicas.scope_end()


def _routing(status: int = 200):
    from django.http import HttpResponse

    from web.middleware import ReadRoutingMiddleware

    seen = {}

    def view(request):
        seen["scope"] = replicas.scope_current()
        return HttpResponse(status=status)

    return ReadRoutingMiddleware(view), seen


def test_an_api_clients_change_pins_its_key_to_the_primary(settings, rf):
    """API clients carry no cookie: their pin is kept under their key (in the shared cache), so
    every node sends the key's next reads to the primary for DATABASE_READ_YOUR_WRITES_SECONDS."""
    settings.DATABASE_REPLICA_ALIASES = ["replica_1"]
    middleware, seen = _routing()
    headers = {"HTTP_X_API_KEY": "k-test-pin"}
    middleware(rf.get("/api/v1/access/", **headers))
    assert seen["scope"].replica is True
    middleware(rf.post("/api/v1/something/", **headers))
    assert seen["scope"].replica is False
    middleware(rf.get("/api/v1/access/", **headers))
    assert seen["scope"].replica is False  # pinned
    middleware(rf.get("/api/v1/access/", HTTP_X_API_KEY="k-other"))
    assert seen["scope"].replica is True  # another client is not
    replicas.scope_end()


def test_a_refused_change_pins_no_one(settings, rf):
    settings.DATABASE_REPLICA_ALIASES = ["replica_1"]
    middleware, _seen = _routing(status=400)
    response = middleware(rf.post("/answers/"))
    assert "registry_read_primary" not in response.cookies
    replicas.scope_end()
