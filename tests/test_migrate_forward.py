"""A PostgreSQL database at the old head (before Subscription, Delivery and DeliveryAttempt moved
from `accessions` to `notifications`, and ApiKey from `registry` to `api`) migrates forward with
nothing lost: every row stays, the moved tables are renamed with their rows and id sequences,
and the moved models keep their content types, so their permissions and admin log entries.

The old database is a dump made by the old code itself (tests/fixtures/README.md says how): the
schema, triggers and rows a deployment of commit cb246c3 left, restored into a throwaway database
with psql and migrated forward with `manage.py`, as an operator would. (Building it with today's
code would break as soon as a seeded model gains a column.)
"""

import gzip
import json
import os
import re
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent

# The server the suite uses (tests/settings.py's default); only the database name changes.
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry")

# Old table → new table.
RENAMED = {
    "accessions_subscription": "notifications_subscription",
    "accessions_delivery": "notifications_delivery",
    "accessions_deliveryattempt": "notifications_deliveryattempt",
    "registry_apikey": "api_apikey",
}
# Old content type → new content type (app label, model).
MOVED_MODELS = {
    ("accessions", "subscription"): ("notifications", "subscription"),
    ("accessions", "delivery"): ("notifications", "delivery"),
    ("accessions", "deliveryattempt"): ("notifications", "deliveryattempt"),
    ("registry", "apikey"): ("api", "apikey"),
}
# The migrations the move adds: the only rows django_migrations may gain.
NEW_MIGRATIONS = {
    ("notifications", "0001_initial"),
    ("accessions", "0007_notifications_moved_out"),
    ("api", "0001_initial"),
    ("registry", "0005_apikey_moved_to_api"),
}
# Tables whose first rows are compared whole, beside the moved ones.
SAMPLED = (
    "accessions_marketaccess",
    "registry_product",
    "regulations_regulation",
    "accessions_establishmentregistration",
    "accessions_outboxevent",
    "auth_user",
    "django_admin_log",
)

OLD_HEAD_DUMP = ROOT / "tests" / "fixtures" / "old_head_cb246c3.sql.gz"
# Tables the forward migration may add rows to: the content types and permissions of models
# added since the old head (rows that were there stay, compared below).
GROWING = {"django_content_type", "auth_permission", "django_migrations"}

# The moved rows read back through the ORM of the new apps.
READ_THROUGH_THE_ORM = """
import json
from django.contrib.admin.models import LogEntry
from api.models import ApiKey
from notifications.models import Delivery, DeliveryAttempt, Subscription

delivery = Delivery.objects.select_related("subscription__user", "event").get()
entry = LogEntry.objects.get(object_repr="migrate-forward subscription")
print(json.dumps({
    "subscriptions": Subscription.objects.count(),
    "deliveries": Delivery.objects.count(),
    "attempts": DeliveryAttempt.objects.count(),
    "api_keys": ApiKey.objects.count(),
    "api_key_owner": ApiKey.objects.get(name="migrate-forward key").owner.username,
    "delivery_subscriber": delivery.subscription.user.username,
    "delivery_webhook": delivery.subscription.webhook_url,
    "delivery_event_kind": delivery.event.kind,
    "delivery_log": list(delivery.log.values_list("status_code", flat=True)),
    "log_entry_model": entry.content_type.model_class()._meta.label,
    "log_entry_object": str(entry.get_edited_object().pk),
}))
"""


def _database_url(name):
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _env(database_url):
    # A clean process environment: no test-only variables, this test's own database, and no
    # Redis (Celery eager, local cache), so nothing here touches the servers other runs use.
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        REDIS_URL="",  # set, so that a developer's .env cannot point it at a real Redis
        DJANGO_DEBUG="1",
    )
    return env


def _manage(*args, env):
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (
        f"manage.py {' '.join(args)[:80]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    )
    return done


@contextmanager
def _connect(database_url):
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


def _tables(connection):
    return {
        name
        for (name,) in connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    }


def _counts(connection):
    return {
        table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for table in sorted(_tables(connection))
    }


def _rows(connection, table, limit=None):
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    return [
        row
        for (row,) in connection.execute(
            f'SELECT row_to_json(t) FROM (SELECT * FROM "{table}" ORDER BY id{limit_sql}) t'
        )
    ]


def _content_types(connection, app_models):
    rows = connection.execute(
        "SELECT app_label, model, id FROM django_content_type ORDER BY id"
    ).fetchall()
    return {(app, model): ct_id for app, model, ct_id in rows if (app, model) in app_models}


def _permissions(connection, content_type_ids):
    return connection.execute(
        "SELECT id, content_type_id, codename, name FROM auth_permission "
        "WHERE content_type_id = ANY(%s) ORDER BY id",
        [list(content_type_ids)],
    ).fetchall()


def _group_permissions(connection, permission_ids):
    return connection.execute(
        "SELECT g.name, gp.permission_id FROM auth_group_permissions gp "
        "JOIN auth_group g ON g.id = gp.group_id WHERE gp.permission_id = ANY(%s) "
        "ORDER BY g.name, gp.permission_id",
        [list(permission_ids)],
    ).fetchall()


def _constraints(connection, table):
    """The table's constraints (name, definition), with renamed tables' names made new."""
    rows = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass ORDER BY conname",
        [table],
    ).fetchall()
    return {(name, _renamed_in(definition)) for name, definition in rows}


def _renamed_in(sql):
    for old, new in RENAMED.items():
        sql = re.sub(rf"\b{old}\b", new, sql)
    return sql


def _triggers(connection):
    return {
        (_renamed_in(table), name)
        for table, name in connection.execute(
            "SELECT DISTINCT event_object_table, trigger_name FROM information_schema.triggers "
            "WHERE trigger_schema = 'public'"
        )
    }


def _snapshot(connection, moved):
    """What must survive the migration. `moved` maps each old moved table to its name now; the
    moved tables' entries are keyed by their old names, so before and after compare directly."""
    counts = _counts(connection)
    content_types = _content_types(connection, set(MOVED_MODELS) | set(MOVED_MODELS.values()))
    permissions = _permissions(connection, content_types.values())
    return {
        "counts": counts,
        "moved_rows": {old: _rows(connection, table) for old, table in moved.items()},
        "max_ids": {
            old: connection.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0]
            for old, table in moved.items()
        },
        "sampled_rows": {table: _rows(connection, table, limit=20) for table in SAMPLED},
        "content_types": content_types,
        "permissions": permissions,
        "group_permissions": _group_permissions(connection, [p[0] for p in permissions]),
        "constraints": {old: _constraints(connection, table) for old, table in moved.items()},
        "triggers": _triggers(connection),
    }


def _restore(dump, database_url):
    """Load a plain pg_dump (gzip) into the empty database, stopping at the first error."""
    done = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database_url],
        input=gzip.decompress(dump.read_bytes()),
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]


@pytest.fixture
def database_url():
    """A fresh, empty PostgreSQL database of this test's own, dropped afterwards."""
    if not SERVER_URL.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    name = f"registry_migrate_{uuid.uuid4().hex[:8]}"
    with _connect(_database_url("postgres")) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield _database_url(name)
    with _connect(_database_url("postgres")) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_database_at_the_old_head_migrates_forward_with_nothing_lost(database_url):
    env = _env(database_url)

    # 1. The old head, as the old code left it: seeds, demo set, and a row of every moved model
    # (tests/fixtures/README.md).
    _restore(OLD_HEAD_DUMP, database_url)
    with _connect(database_url) as connection:
        tables = _tables(connection)
        assert set(RENAMED) <= tables, (
            f"old tables missing at the old head: {set(RENAMED) - tables}"
        )
        assert not set(RENAMED.values()) & tables, (
            f"new tables exist already at the old head: {set(RENAMED.values()) & tables}"
        )
        before = _snapshot(connection, {old: old for old in RENAMED})
        applied_before = set(
            connection.execute("SELECT app, name FROM django_migrations").fetchall()
        )
    assert set(before["content_types"]) == set(MOVED_MODELS), (
        f"the old head lacks content types of the moved models: {before['content_types']}"
    )
    assert before["permissions"], "the old head has no permissions on the moved models"
    assert before["group_permissions"], "no role group holds a permission on the moved models"
    assert all(before["moved_rows"].values()), "a moved table is empty before the migration"

    # 3. Forward to the new head.
    _manage("migrate", "--noinput", env=env)

    with _connect(database_url) as connection:
        after = _snapshot(connection, RENAMED)
        applied = set(connection.execute("SELECT app, name FROM django_migrations").fetchall())

    # Every table keeps its row count; the moved ones under their new names, the old names gone.
    tables_after = set(after["counts"])
    assert not set(RENAMED) & tables_after, f"old tables still exist: {set(RENAMED) & tables_after}"
    assert set(RENAMED.values()) <= tables_after, (
        f"new tables missing: {set(RENAMED.values()) - tables_after}"
    )
    expected_counts = {RENAMED.get(table, table): n for table, n in before["counts"].items()}
    changed = {
        table: (n, after["counts"].get(table))
        for table, n in expected_counts.items()
        if (
            after["counts"].get(table, -1) < n
            if table in GROWING
            else after["counts"].get(table) != n
        )
    }
    assert not changed, f"row counts changed (table: expected, found): {changed}"
    newly_applied = applied - applied_before
    assert not NEW_MIGRATIONS - newly_applied, f"not applied: {NEW_MIGRATIONS - newly_applied}"
    assert after["counts"]["django_migrations"] == before["counts"]["django_migrations"] + len(
        newly_applied
    )

    # The moved tables' rows, and a sample of the others, are identical.
    for old, new in RENAMED.items():
        assert after["moved_rows"][old] == before["moved_rows"][old], (
            f"rows of {old} changed on becoming {new}"
        )
    for table in SAMPLED:
        # Columns added since the old head are new; every column that was there keeps its value.
        kept = [
            {column: row.get(column) for column in old_row}
            for old_row, row in zip(
                before["sampled_rows"][table], after["sampled_rows"][table], strict=True
            )
        ]
        assert kept == before["sampled_rows"][table], f"rows of {table} changed"

    # The moved tables keep their constraints (checks, uniques, foreign keys), and every trigger
    # of the database survives.
    for old, new in RENAMED.items():
        assert after["constraints"][old] == before["constraints"][old], (
            f"constraints of {old} changed on becoming {new}"
        )
    assert before["triggers"] <= after["triggers"], (
        f"triggers lost: {before['triggers'] - after['triggers']}"
    )

    # The content types kept their ids under the new app labels, and nothing else is left under
    # the old ones; so the permissions, the groups' grants and the admin log still point at them.
    moved_types = after["content_types"]
    expected_types = {MOVED_MODELS[key]: ct_id for key, ct_id in before["content_types"].items()}
    assert moved_types == expected_types, (
        f"content types of the moved models: expected {expected_types}, found {moved_types}"
    )
    assert after["permissions"] == before["permissions"], "permissions on the moved models changed"
    assert after["group_permissions"] == before["group_permissions"], (
        "the groups' permissions on the moved models changed"
    )

    # The migration state matches the models, nothing is left to apply, and the ORM of the new
    # apps reads the moved rows.
    _manage("makemigrations", "--check", "--dry-run", env=env)
    _manage("migrate", "--check", env=env)
    read = json.loads(_manage("shell", "--no-imports", "-c", READ_THROUGH_THE_ORM, env=env).stdout)
    assert read == {
        "subscriptions": len(before["moved_rows"]["accessions_subscription"]),
        "deliveries": len(before["moved_rows"]["accessions_delivery"]),
        "attempts": len(before["moved_rows"]["accessions_deliveryattempt"]),
        "api_keys": len(before["moved_rows"]["registry_apikey"]),
        "api_key_owner": "migrate-forward",
        "delivery_subscriber": "migrate-forward",
        "delivery_webhook": "https://hooks.example.org/registry",
        "delivery_event_kind": "status_changed",
        "delivery_log": [503],
        "log_entry_model": "notifications.Subscription",
        "log_entry_object": str(before["moved_rows"]["accessions_subscription"][0]["id"]),
    }, f"the ORM reads the moved rows wrong: {read}"

    # New rows go into the new tables, their ids continuing the old sequences.
    with _connect(database_url) as connection, connection.transaction(force_rollback=True):
        subscription = before["moved_rows"]["accessions_subscription"][0]
        user_id, country_id = subscription["user_id"], subscription["country_id"]
        event_id = before["moved_rows"]["accessions_delivery"][0]["event_id"]
        new_ids = {}
        new_ids["api_apikey"] = connection.execute(
            "INSERT INTO api_apikey (name, prefix, hashed_key, created_at, owner_id) "
            "VALUES ('after the move', 'mfwd0002', repeat('b', 64), now(), %s) RETURNING id",
            [user_id],
        ).fetchone()[0]
        new_ids["notifications_subscription"] = connection.execute(
            "INSERT INTO notifications_subscription (channel, webhook_url, secret, is_active, "
            "created_at, country_id, user_id) VALUES ('webhook', 'https://hooks.example.org/2', "
            "'', true, now(), %s, %s) RETURNING id",
            [country_id, user_id],
        ).fetchone()[0]
        new_ids["notifications_delivery"] = connection.execute(
            "INSERT INTO notifications_delivery (channel, state, attempts, next_attempt_at, "
            "last_error, created_at, event_id, subscription_id) VALUES ('webhook', 'pending', 0, "
            "now(), '', now(), %s, %s) RETURNING id",
            [event_id, new_ids["notifications_subscription"]],
        ).fetchone()[0]
        new_ids["notifications_deliveryattempt"] = connection.execute(
            "INSERT INTO notifications_deliveryattempt (attempted_at, status_code, error, "
            "duration_ms, delivery_id) VALUES (now(), 200, '', 80, %s) RETURNING id",
            [new_ids["notifications_delivery"]],
        ).fetchone()[0]
    for old, new in RENAMED.items():
        assert new_ids[new] > before["max_ids"][old], (
            f"a new {new} row got id {new_ids[new]}, not after the old maximum "
            f"{before['max_ids'][old]}"
        )


# Entries as the old head kept them become their series of dated legal states (accessions 0014),
# and the engine answers from the series on the migrated database.
STATES_AFTER_MIGRATION = """
import datetime as dt, json
from accessions.eligibility.check import check_eligibility
from accessions.models import MarketAccess

def ask(pk, day):
    access = MarketAccess.objects.select_related("product", "country").get(pk=pk)
    answer = check_eligibility(
        product=access.product.slug, country=access.country.iso2, on=dt.date.fromisoformat(day)
    )
    return [answer.verdict, [r.code for r in answer.reasons][:1]]

print(json.dumps({f"{pk} {day}": ask(pk, day) for pk, day in QUESTIONS}))
"""


def _states(connection, access_id):
    return [
        {
            "kind": kind,
            "starts_on": starts_on.isoformat() if starts_on else None,
            "precision": precision,
            "origin": origin,
            "instrument_kind": instrument_kind,
            "noted": bool(notes),
        }
        for kind, starts_on, precision, origin, instrument_kind, notes in connection.execute(
            "SELECT kind, starts_on, starts_on_precision, origin, instrument_kind, notes "
            "FROM accessions_accessstate WHERE market_access_id = %s "
            "ORDER BY starts_on NULLS FIRST, id",
            [access_id],
        )
    ]


def test_entries_of_the_old_head_become_dated_legal_states(database_url):
    env = _env(database_url)
    _restore(OLD_HEAD_DUMP, database_url)
    with _connect(database_url) as connection:
        # Three entries in force with an announcement, no protocol date and no end, as seeded.
        dated, suspended, revoked = [
            pk
            for (pk,) in connection.execute(
                "SELECT id FROM accessions_marketaccess WHERE instrument_kind <> 'protocol' "
                "AND status = 'in_force' AND protocol_signed_on IS NULL AND valid_until IS NULL "
                "AND valid_from IS NOT NULL ORDER BY id LIMIT 3"
            )
        ]
        # An entry with a protocol, a start and an end (its kept status: expired).
        connection.execute(
            "UPDATE accessions_marketaccess SET protocol_signed_on = '2016-03-01', "
            "protocol_signed_precision = 'exact', valid_from = '2017-05-10', "
            "valid_from_precision = 'exact', valid_until = '2021-12-31', status = 'expired' "
            "WHERE id = %s",
            [dated],
        )
        # A status the old head kept without a date: suspended, last edited on 2025-03-04.
        connection.execute(
            "UPDATE accessions_marketaccess SET status = 'suspended', "
            "updated_at = '2025-03-04 10:00:00+00' WHERE id = %s",
            [suspended],
        )
        assert not connection.execute(
            "SELECT 1 FROM accessions_outboxevent WHERE market_access_id = %s", [suspended]
        ).fetchone()
        # Revoked, with the status change's event dated 2022-04-05.
        connection.execute(
            "UPDATE accessions_marketaccess SET status = 'revoked', "
            "updated_at = '2025-03-04 10:00:00+00' WHERE id = %s",
            [revoked],
        )
        connection.execute(
            "INSERT INTO accessions_outboxevent (kind, occurred_on, created_at, status_from, "
            "status_to, data, country_id, market_access_id, product_id) "
            "SELECT 'status_changed', '2022-04-05', now(), 'in_force', 'revoked', '{}', "
            "country_id, id, product_id FROM accessions_marketaccess WHERE id = %s",
            [revoked],
        )
        (dated_instrument,) = connection.execute(
            "SELECT instrument_kind FROM accessions_marketaccess WHERE id = %s", [dated]
        ).fetchone()
        entries = connection.execute(
            "SELECT id, instrument_kind, protocol_signed_on IS NOT NULL, valid_from, valid_until "
            "FROM accessions_marketaccess ORDER BY id"
        ).fetchall()
        valid_from = dict(
            connection.execute(
                "SELECT id, valid_from FROM accessions_marketaccess WHERE id = ANY(%s)",
                [[suspended, revoked]],
            ).fetchall()
        )

    _manage("migrate", "--noinput", env=env)

    with _connect(database_url) as connection:
        assert _states(connection, dated) == [
            {
                "kind": "protocol_signed",
                "starts_on": "2016-03-01",
                "precision": "exact",
                "origin": "entry",
                "instrument_kind": "protocol",
                "noted": False,
            },
            {
                "kind": "in_force",
                "starts_on": "2017-05-10",
                "precision": "exact",
                "origin": "entry",
                "instrument_kind": dated_instrument,
                "noted": False,
            },
            {
                "kind": "ended",
                "starts_on": "2022-01-01",  # the day after valid_until
                "precision": "exact",
                "origin": "entry",
                "instrument_kind": dated_instrument,
                "noted": False,
            },
        ]
        # The kept status becomes a recorded state: dated the day the entry was last edited,
        # marked inferred and said so in the internal note.
        kinds = [(s["kind"], s["starts_on"]) for s in _states(connection, suspended)]
        assert kinds == [
            ("in_force", valid_from[suspended].isoformat()),
            ("suspended", "2025-03-04"),
        ]
        assert _states(connection, suspended)[1] == {
            "kind": "suspended",
            "starts_on": "2025-03-04",
            "precision": "inferred",
            "origin": "recorded",
            "instrument_kind": "",
            "noted": True,
        }
        # Where the status change's event is kept, its date is the state's, exact.
        revoked_states = _states(connection, revoked)
        assert [(s["kind"], s["starts_on"]) for s in revoked_states] == [
            ("in_force", valid_from[revoked].isoformat()),
            ("revoked", "2022-04-05"),
        ]
        assert revoked_states[1]["precision"] == "exact" and not revoked_states[1]["noted"]
        assert revoked_states[1]["origin"] == "recorded"
        # Every other entry: its protocol, its start (unknown when not given), its end.
        for pk, instrument_kind, has_protocol, start, end in entries:
            kinds = [s["kind"] for s in _states(connection, pk)]
            assert ("protocol_signed" in kinds) == (has_protocol or instrument_kind == "protocol")
            assert ("in_force" in kinds) == (instrument_kind != "protocol"), (pk, kinds)
            if instrument_kind != "protocol":
                (in_force,) = [s for s in _states(connection, pk) if s["kind"] == "in_force"]
                assert in_force["starts_on"] == (start.isoformat() if start else None), pk
            assert ("ended" in kinds) == (end is not None), (pk, kinds)

    questions = [
        (dated, "2016-12-01"),
        (dated, "2019-06-01"),
        (dated, "2021-12-31"),
        (dated, "2022-01-01"),
        (suspended, "2025-03-03"),
        (suspended, "2025-06-01"),
        (revoked, "2022-04-04"),
        (revoked, "2022-04-05"),
    ]
    script = STATES_AFTER_MIGRATION.replace("QUESTIONS", repr(questions))
    answers = json.loads(_manage("shell", "--no-imports", "-c", script, env=env).stdout)
    granted = ("eligible", "eligible_with_conditions", "unknown")
    assert answers[f"{dated} 2016-12-01"] == ["not_eligible", ["not_yet_in_force"]]
    assert answers[f"{dated} 2019-06-01"][0] in granted
    assert answers[f"{dated} 2021-12-31"][0] in granted
    assert answers[f"{dated} 2022-01-01"] == ["not_eligible", ["access_expired"]]
    assert answers[f"{suspended} 2025-03-03"][0] in granted
    assert answers[f"{suspended} 2025-06-01"] == ["not_eligible", ["access_suspended"]]
    assert answers[f"{revoked} 2022-04-04"][0] in granted
    assert answers[f"{revoked} 2022-04-05"] == ["not_eligible", ["access_revoked"]]


# Issue 26: AccountProfile moves from `registry` to `accounts`. The database is migrated to the
# head and the move is then unapplied (`migrate accounts zero`), which leaves the layout a
# deployment of 002b2d1 had (the table registry_accountprofile, the content type under
# `registry`); profiles are written with SQL, then the database migrates forward again.
PROFILES_AFTER_THE_MOVE = """
import json
from django.contrib.auth.models import Permission
from accounts.models import AccountProfile

print(json.dumps({
    "profiles": sorted(
        [p.user.username, p.language, p.is_illustrative]
        for p in AccountProfile.objects.select_related("user")
    ),
    "reverse": AccountProfile.objects.get(user__username="mf-ru").user.profile.language,
    "permission_app": sorted({
        p.content_type.app_label for p in Permission.objects.filter(codename="view_accountprofile")
    }),
}))
"""


def test_account_profiles_move_to_the_accounts_app_with_nothing_lost(database_url):
    env = _env(database_url)
    _manage("migrate", "--noinput", env=env)
    _manage(
        "migrate",
        "--noinput",
        "accounts",
        "zero",
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.settings_no_triggers"},
    )
    with _connect(database_url) as connection:
        assert "registry_accountprofile" in _tables(connection)
        for username, language, illustrative in (("mf-ru", "ru", False), ("mf-demo", "", True)):
            connection.execute(
                "WITH u AS (INSERT INTO auth_user (password, is_superuser, username, first_name, "
                "last_name, email, is_staff, is_active, date_joined) VALUES ('!', false, %s, '', "
                "'', '', false, true, now()) RETURNING id) "
                "INSERT INTO registry_accountprofile (user_id, language, is_illustrative) "
                "SELECT id, %s, %s FROM u",
                [username, language, illustrative],
            )
        before_rows = connection.execute(
            "SELECT user_id, language, is_illustrative FROM registry_accountprofile ORDER BY 1"
        ).fetchall()
        (content_type,) = connection.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'registry' "
            "AND model = 'accountprofile'"
        ).fetchone()

    _manage("migrate", "--noinput", env=env)

    with _connect(database_url) as connection:
        tables = _tables(connection)
        assert "registry_accountprofile" not in tables
        assert (
            connection.execute(
                "SELECT user_id, language, is_illustrative FROM accounts_accountprofile ORDER BY 1"
            ).fetchall()
            == before_rows
        )
        # The content type kept its id under the new label, so permissions still point at it.
        assert connection.execute(
            "SELECT app_label FROM django_content_type WHERE id = %s", [content_type]
        ).fetchone() == ("accounts",)
    _manage("makemigrations", "--check", "--dry-run", env=env)
    read = json.loads(
        _manage("shell", "--no-imports", "-c", PROFILES_AFTER_THE_MOVE, env=env).stdout
    )
    assert read == {
        "profiles": [["mf-demo", "", True], ["mf-ru", "ru", False]],
        "reverse": "ru",
        "permission_app": ["accounts"],
    }
