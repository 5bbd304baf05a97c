"""Settings of the web process that tests/integration/test_replicas.py starts: the test settings
plus one middleware for the test only, outermost, which says in a response header which database
nodes served the request and, when asked, cuts the replica's connection in mid-request."""

import contextlib

from django.db import DatabaseError

from tests.settings import *  # noqa: F403
from tests.settings import DATABASE_REPLICA_ALIASES, MIDDLEWARE

MIDDLEWARE = ["tests.integration.replica_settings.ServedByMiddleware", *MIDDLEWARE]
# The routing of reads is under test: every eligibility question reads a database, none is
# answered from the answer cache in Redis (issue 23).
API_ANSWER_CACHE_SECONDS = 0


def _cut_once(state: dict):
    """An execute wrapper: before the first statement of the request's own (not the router's
    lag probe), the replica's server process serving this connection is terminated, so that
    statement fails as it would if the replica stopped at that moment."""

    def wrapper(execute, sql, params, many, context):
        if not state["cut"] and "pg_is_in_recovery" not in sql:
            state["cut"] = True
            with contextlib.suppress(Exception):
                context["connection"].connection.execute(
                    "SELECT pg_terminate_backend(pg_backend_pid())"
                )
        return execute(sql, params, many, context)

    return wrapper


class ServedByMiddleware:
    """`X-Test-Served-By: <alias>:<in recovery t/f>,...`: every connection that ran a statement
    for this request, and what `pg_is_in_recovery()` says on that very connection. With the
    request header `X-Test-Cut-Replica: 1`, the replica's connection is cut at the request's
    first statement there (`X-Test-Replica-Cut: 1` in the answer when it was)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connections

        for conn in connections.all():
            conn.force_debug_cursor = True
            conn.queries_log.clear()
        state = {"cut": False}
        with contextlib.ExitStack() as stack:
            if request.headers.get("X-Test-Cut-Replica") == "1":
                for alias in DATABASE_REPLICA_ALIASES:
                    stack.enter_context(connections[alias].execute_wrapper(_cut_once(state)))
            response = self.get_response(request)
        served = []
        for conn in connections.all():
            if conn.queries_log:
                try:
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT pg_is_in_recovery()")
                        in_recovery = "t" if cursor.fetchone()[0] else "f"
                except DatabaseError:  # its connection broke during the request
                    in_recovery = "?"
                served.append(f"{conn.alias}:{in_recovery}")
        response["X-Test-Served-By"] = ",".join(sorted(served))
        response["X-Test-Replica-Cut"] = "1" if state["cut"] else "0"
        return response
