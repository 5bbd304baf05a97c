"""Settings of the web process that tests/integration/test_replicas.py starts: the test settings
plus one response header saying which database nodes served the request (for the test only)."""

from tests.settings import *  # noqa: F403
from tests.settings import MIDDLEWARE

MIDDLEWARE = ["tests.integration.replica_settings.ServedByMiddleware", *MIDDLEWARE]


class ServedByMiddleware:
    """`X-Test-Served-By: <alias>:<in recovery t/f>,...`: every connection that ran a statement
    for this request, and what `pg_is_in_recovery()` says on that very connection."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connections

        for conn in connections.all():
            conn.force_debug_cursor = True
            conn.queries_log.clear()
        response = self.get_response(request)
        served = []
        for conn in connections.all():
            if conn.queries_log:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT pg_is_in_recovery()")
                    served.append(f"{conn.alias}:{'t' if cursor.fetchone()[0] else 'f'}")
        response["X-Test-Served-By"] = ",".join(sorted(served))
        return response
