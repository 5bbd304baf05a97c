"""The permission matrix: every page, API endpoint, admin page and write path, for every role.

Expected answers: the path's own answer when the role may (200, or the redirect a successful
write makes); for anonymous users a redirect to the site's sign-in on pages and 401 on the API;
403 for signed-in users whose role does not carry the ability. The expectations are written
from docs/design.md's roles table, not read back from accounts.roles.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from accessions.models import Alert, AnswerRecord, MarketAccess, Proposal, ProposalBatch
from accessions.services import proposing
from accounts import roles
from accounts.services import account_create
from api.services import api_key_issue
from tests.factories import EstablishmentRegistrationFactory, MarketAccessFactory
from tests.web.conftest import build_world

ROLES = ("anonymous", "no_role", "trader", "inspector", "senior_inspector", "administrator")
OK, SIGN_IN, FORBIDDEN, UNAUTHORIZED = "ok", "sign_in", 403, 401

EVERYONE = dict.fromkeys(ROLES, OK)
SIGNED_IN = {**EVERYONE, "anonymous": SIGN_IN}
ACCOUNT_HOLDERS = {**SIGNED_IN, "no_role": FORBIDDEN}  # trader and up: watch, subscribe, keys
INSPECTORS = {**ACCOUNT_HOLDERS, "trader": FORBIDDEN}  # the dashboard and alerts
ADMIN_SITE = {**INSPECTORS}  # the admin's index: inspectors edit records there
RECORD_EDITORS = {**INSPECTORS}  # the admin's record screens (group permissions)
ADMINISTRATORS = {**INSPECTORS, "inspector": FORBIDDEN, "senior_inspector": FORBIDDEN}
REVIEWERS = {**INSPECTORS, "inspector": FORBIDDEN}  # publish (never one's own) and reject


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def users(db, django_user_model):
    made = {"anonymous": None}
    made["no_role"] = django_user_model.objects.create_user(
        "no-role", email="no-role@example.org", password="pw-matrix-1"
    )
    for role in ("trader", "inspector", "senior_inspector", "administrator"):
        made[role] = account_create(
            username=f"matrix-{role}",
            email=f"{role}@example.org",
            password="pw-matrix-1",
            role=role,
        )
    return made


def _get(user, path: str):
    client = _client(user)
    return _outcome(client, client.get(path))


def _post(user, path: str, data: dict):
    client = _client(user)
    return _outcome(client, client.post(path, data))


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _outcome(client: Client, response):
    """What the answer means: ok, a redirect to the site's sign-in, or an error status. The
    admin's own login page is followed (it sends anonymous users to the site's sign-in and
    answers 403 to signed-in users the admin is not for)."""
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return _outcome(client, client.get(location))
        if location.startswith(reverse("account_login")):
            return SIGN_IN
        return OK
    if response.status_code in (200, 201):
        return OK
    return response.status_code


PAGES = [
    ("home", "/", EVERYONE),
    ("search", "/search/?q=maize", EVERYONE),
    ("check", "/check/?product=maize&country=KZ", EVERYONE),
    ("country", "/countries/KZ/", EVERYONE),
    ("product", "/products/maize/", EVERYONE),
    ("regulations", "/regulations/", EVERYONE),
    ("ports", "/ports/", EVERYONE),
    ("accessions", "/accessions/", EVERYONE),
    ("sign-in page", "/accounts/login/", EVERYONE),
    ("password reset", "/accounts/password/reset/", EVERYONE),
    ("account", "/accounts/", SIGNED_IN),
    ("password change", "/accounts/password/change/", SIGNED_IN),
    ("e-mail addresses", "/accounts/email/", SIGNED_IN),
    ("subscriptions", "/accounts/subscriptions/", ACCOUNT_HOLDERS),
    ("api keys", "/accounts/keys/", ACCOUNT_HOLDERS),
    ("dashboard", "/dashboard/", INSPECTORS),
    ("proposals", "/proposals/", INSPECTORS),
    ("proposals: mine", "/proposals/?view=mine", INSPECTORS),
    ("import a list", "/proposals/import/", INSPECTORS),
    ("admin index", "/admin/", ADMIN_SITE),
    ("admin access entries", "/admin/accessions/marketaccess/", RECORD_EDITORS),
    ("admin add access entry", "/admin/accessions/marketaccess/add/", RECORD_EDITORS),
    ("admin products", "/admin/registry/product/", RECORD_EDITORS),
    ("admin regulations", "/admin/regulations/regulation/", RECORD_EDITORS),
    ("admin users", "/admin/auth/user/", ADMINISTRATORS),
    ("admin api keys", "/admin/api/apikey/", ADMINISTRATORS),
    ("admin sign-in attempts", "/admin/axes/accessattempt/", ADMINISTRATORS),
]


@pytest.mark.parametrize(("name", "path", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_pages(world, users, name, path, expected):
    got = {role: _get(users[role], path) for role in ROLES}
    assert got == expected


def test_the_detail_pages_are_public(world, users):
    paths = [
        reverse("access-detail", args=[world.maize_kz.pk]),
        reverse("regulation-detail", args=[world.regulation.pk]),
        reverse("port-detail", args=[world.khorgos.code]),
    ]
    for path in paths:
        assert {role: _get(users[role], path) for role in ROLES} == EVERYONE


# --- write paths ---------------------------------------------------------------------------------


def _alert():
    registration = EstablishmentRegistrationFactory(valid_until=dt.date(2026, 3, 31))
    return Alert.objects.create(
        registration=registration,
        kind="window_opened",
        due_on=dt.date(2026, 3, 31),
        raised_on=dt.date(2025, 9, 30),
    )


def test_acknowledging_an_alert(world, users):
    got = {}
    for role in ROLES:
        alert = _alert()
        got[role] = _post(users[role], reverse("alert-acknowledge", args=[alert.pk]), {})
        alert.refresh_from_db()
        assert (alert.acknowledged_at is not None) == (got[role] == OK), role
    assert got == INSPECTORS


def test_running_the_expiry_sweep(world, users):
    got = {role: _post(users[role], reverse("sweep-run"), {}) for role in ROLES}
    assert got == INSPECTORS


def test_saving_a_citable_answer_and_reading_it(world, users):
    """Anyone may save the checker's answer and read a saved answer by its id."""
    question = {"product": "maize", "country": "KZ", "date": "2024-06-01"}
    got = {role: _post(users[role], reverse("answer-save"), question) for role in ROLES}
    assert got == EVERYONE
    assert AnswerRecord.objects.count() == len(ROLES)
    path = reverse("answer-detail", args=[AnswerRecord.objects.first().public_id])
    assert {role: _get(users[role], path) for role in ROLES} == EVERYONE


def test_following_a_product(world, users):
    got = {}
    for role in ROLES:
        got[role] = _post(users[role], reverse("watch-add"), {"product": "Maize (corn)"})
    assert got == ACCOUNT_HOLDERS


def test_subscribing(world, users):
    got = {}
    for role in ROLES:
        got[role] = _post(
            users[role], reverse("subscriptions"), {"channel": "email", "product": "Maize (corn)"}
        )
    assert got == ACCOUNT_HOLDERS


def test_making_an_api_key(world, users):
    got = {}
    for role in ROLES:
        got[role] = _post(users[role], reverse("api-keys"), {"name": f"{role} script"})
    assert got == ACCOUNT_HOLDERS


def test_giving_a_role_in_the_admin(world, users, django_user_model):
    got = {}
    for role in ROLES:
        target = django_user_model.objects.create_user(f"target-{role}")
        got[role] = _post(
            users[role],
            "/admin/auth/user/",
            {"action": "make_inspector", "_selected_action": [target.pk]},
        )
        target = django_user_model.objects.get(pk=target.pk)
        assert (roles.INSPECTOR in roles.roles_of(target)) == (got[role] == OK), role
    assert got == ADMINISTRATORS


# --- records with legal effect: proposals, the admin, imports, the command, the API -------------


@pytest.fixture
def maker(db):
    return account_create(
        username="matrix-maker", email="maker@example.org", password="pw-matrix-1", role="inspector"
    )


def test_publishing_a_proposal(world, users, maker):
    got = {}
    for role in ROLES:
        access = MarketAccessFactory(treatment="")
        proposal = proposing.proposal_create(
            model=MarketAccess, action="update", by=maker, target=access, values={"treatment": "x"}
        )
        path = reverse("proposal-decide", args=[proposal.pk])
        got[role] = _post(users[role], path, {"decision": "publish"})
        access.refresh_from_db()
        assert (access.treatment == "x") == (got[role] == OK), role
    assert got == REVIEWERS


def test_proposing_a_stage_on_the_web(world, users):
    from tests.factories import AccessionFactory

    got = {}
    for role in ROLES:
        accession = AccessionFactory(market_access=MarketAccessFactory())
        data = {"stage": "inspection", "source": "GACC notice (test)", "confidence": "medium"}
        got[role] = _post(users[role], reverse("stage-propose", args=[accession.pk]), data)
        made = Proposal.objects.filter(state="pending", changes__accession__1=accession.pk)
        assert made.exists() == (got[role] == OK), role
    assert got == INSPECTORS


def test_nobody_publishes_their_own_proposal_on_the_page(world, users):
    for role in ("senior_inspector", "administrator"):
        access = MarketAccessFactory(treatment="")
        proposal = proposing.proposal_create(
            model=MarketAccess,
            action="update",
            by=users[role],
            target=access,
            values={"treatment": "x"},
        )
        _post(users[role], reverse("proposal-decide", args=[proposal.pk]), {"decision": "publish"})
        access.refresh_from_db()
        assert access.treatment == "", role


def test_deleting_in_the_admin(world, users):
    """Inspectors' and senior inspectors' deletions become proposals; administrators delete
    (recorded)."""
    got = {}
    for role in ROLES:
        access = MarketAccessFactory()
        path = f"/admin/accessions/marketaccess/{access.pk}/delete/"
        got[role] = _post(users[role], path, {"post": "yes"})
        exists = MarketAccess.objects.filter(pk=access.pk).exists()
        proposed = Proposal.objects.filter(object_id=str(access.pk), action="delete").exists()
        assert exists != (role == "administrator"), role
        assert proposed == (role in ("inspector", "senior_inspector")), role
    assert got == RECORD_EDITORS


def _list_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "list.csv",
        b"product,country,status,instrument_kind,treatment\nmaize,KZ,in_force,announcement,heat\n",
        content_type="text/csv",
    )


def test_importing_a_list_on_the_page(world, users):
    got = {}
    for role in ROLES:
        before = ProposalBatch.objects.count()
        data = {
            "file": _list_file(),
            "kind": "access",
            "source": "GACC list (test)",
            "confidence": "medium",
            "action": "propose",
        }
        got[role] = _post(users[role], reverse("import-list"), data)
        made = ProposalBatch.objects.count() - before
        assert made == (1 if got[role] == OK else 0), role
        ProposalBatch.objects.all().delete()
    assert got == INSPECTORS


def test_importing_a_list_with_the_command(world, users, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "list.csv"
    path.write_bytes(_list_file().read())
    args = ["--kind", "access", "--source", "GACC list (test)", "--confidence", "medium"]
    for role in ROLES:
        if users[role] is None:
            continue
        may = role in ("inspector", "senior_inspector", "administrator")
        if may:
            call_command("import_list", str(path), *args, "--as", users[role].username)
            assert ProposalBatch.objects.count() == 1, role
            ProposalBatch.objects.all().delete()
        else:
            with pytest.raises(CommandError):
                call_command("import_list", str(path), *args, "--as", users[role].username)


def test_the_api_writes_no_record(world, users):
    """The API reads; records with legal effect change only through proposals."""
    for role in ROLES:
        client = _client(users[role])
        for method in ("post", "put", "patch", "delete"):
            path = "/api/v1/access/" if method == "post" else f"/api/v1/access/{world.maize_kz.pk}/"
            response = getattr(client, method)(path, {}, content_type="application/json")
            assert response.status_code in (401, 403, 404, 405), (role, method)
    assert MarketAccess.objects.filter(pk=world.maize_kz.pk).exists()


# --- the API -------------------------------------------------------------------------------------

API_READS = [
    "/api/v1/access/",
    "/api/v1/products/",
    "/api/v1/regulations/",
    "/api/v1/eligibility/?product=maize&country=KZ",
]


@pytest.mark.parametrize("path", API_READS)
def test_api_reads_are_public(world, users, path):
    for role in ROLES:
        assert _client(users[role]).get(path).status_code == 200, role


def test_api_key_endpoints_need_a_key_whoever_is_signed_in(world, users):
    """A session is not an API credential: without a key, 401 for every role; with one, 200."""
    bulk = {"checks": [{"product": "maize", "country": "KZ"}]}
    for role in ROLES:
        client = _client(users[role])
        assert client.get("/api/v1/changes/").status_code == UNAUTHORIZED, role
        response = client.post("/api/v1/eligibility/bulk/", bulk, content_type="application/json")
        assert response.status_code == UNAUTHORIZED, role
    _key, raw = api_key_issue(name="matrix", owner=users["trader"], by=users["trader"])
    client = Client(HTTP_X_API_KEY=raw)
    assert client.get("/api/v1/changes/").status_code == 200
    response = client.post("/api/v1/eligibility/bulk/", bulk, content_type="application/json")
    assert response.status_code == 200


def test_the_menu_offers_exactly_what_each_role_may_open(world, users):
    links = {
        "dashboard": reverse("dashboard"),
        "admin": reverse("admin:index"),
        "account": reverse("account-home"),
        "sign in": reverse("account_login"),
    }
    expected = {
        "anonymous": {"sign in"},
        "no_role": {"account"},
        "trader": {"account"},
        "inspector": {"account", "dashboard", "admin"},
        "senior_inspector": {"account", "dashboard", "admin"},
        "administrator": {"account", "dashboard", "admin"},
    }
    for role in ROLES:
        header = _client(users[role]).get("/").content.decode().split("</header>")[0]
        shown = {
            name
            for name, href in links.items()
            if f'href="{href}"' in header or f'href="{href}?' in header
        }
        assert shown == expected[role], role
