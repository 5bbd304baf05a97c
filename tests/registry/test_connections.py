"""Fast by default (issue 13): the production configuration keeps its connections."""

import os
import subprocess
import sys
import threading

from django.core.cache import cache, caches


def test_postgresql_connections_are_kept_and_health_checked_by_default():
    """With DATABASE_URL set and DJANGO_CONN_MAX_AGE unset, a connection outlives the request
    (one per worker process) and is checked before reuse; SQLite (embedded) keeps none."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "from django.conf import settings;"
        "db = settings.DATABASES['default'];"
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/registry"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["600", "True"]
    env["DATABASE_URL"] = ""
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[0] == "0"


def test_one_redis_client_per_process():
    """Every call, in every thread, gets the same client (and so the same connection pool):
    Django's own client builds a new `redis.Redis` per call and a pool per thread."""
    client = cache._cache.get_client("k", write=True)  # type: ignore[attr-defined]
    assert cache._cache.get_client("k", write=True) is client  # type: ignore[attr-defined]
    seen = []

    def other_thread():
        seen.append(caches["default"]._cache.get_client("k", write=True))  # type: ignore[attr-defined]

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [client]
    cache.set("issue13-connection", "ok")
    assert cache.get("issue13-connection") == "ok"
