"""The proposal pages: the queue, the diff with three versions when stale, the import page's dry
run, and an inspector's save in the admin becoming a proposal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accessions.models import MarketAccess, Proposal
from accessions.services import deciding, proposing
from accounts.services import account_create
from tests.factories import MarketAccessFactory, PortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        role: account_create(
            username=f"w-{role}", email=f"{role}@example.org", password="pw-pages-1", role=role
        )
        for role in ("inspector", "senior_inspector", "administrator")
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_and_a_stale_proposal_with_three_versions(people):
    access = MarketAccessFactory(treatment="none")
    proposal = proposing.proposal_create(
        model=MarketAccess,
        action="update",
        by=people["inspector"],
        target=access,
        values={"treatment": "fumigation"},
    )
    client = _client(people["senior_inspector"])
    page = client.get(reverse("proposal-queue")).content.decode()
    assert reverse("proposal-detail", args=[proposal.pk]) in page

    MarketAccess.objects.filter(pk=access.pk).update(conditions="changed meanwhile")
    stale = client.get(reverse("proposal-queue") + "?view=stale").content.decode()
    assert reverse("proposal-detail", args=[proposal.pk]) in stale
    detail = client.get(reverse("proposal-detail", args=[proposal.pk])).content.decode()
    assert "fumigation" in detail and "changed meanwhile" in detail
    assert 'value="publish"' not in detail and 'value="rebase"' in detail

    response = client.post(
        reverse("proposal-decide", args=[proposal.pk]), {"decision": "rebase"}, follow=True
    )
    fresh = Proposal.objects.get(state="pending")
    # The author stays the author (issue 27); the one who rebased it does not publish it either.
    assert (fresh.author, fresh.rebased_by) == (people["inspector"], people["senior_inspector"])
    assert 'value="publish"' not in response.content.decode()


def test_the_dashboard_counts_pending_proposals(people):
    proposing.proposal_create(
        model=MarketAccess,
        action="update",
        by=people["inspector"],
        target=MarketAccessFactory(),
        values={"treatment": "x"},
    )
    page = _client(people["senior_inspector"]).get(reverse("dashboard")).content.decode()
    assert "<strong>1</strong>" in page.split('id="proposals-heading"')[1].split("</section>")[0]


def test_the_import_page_dry_run_names_bad_rows(people):
    access = MarketAccessFactory()
    content = (
        "product,country,status,instrument_kind\n"
        f"{access.product.slug},{access.country.iso2},suspended,announcement\n"
        f"nosuch,{access.country.iso2},in_force,announcement\n"
    ).encode()
    response = _client(people["inspector"]).post(
        reverse("import-list"),
        {
            "file": SimpleUploadedFile("list.csv", content),
            "kind": "access",
            "source": "GACC list (test)",
            "confidence": "medium",
            "action": "dry_run",
        },
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>3</td><td><code>product</code></td><td>“nosuch”</td>" in page
    assert "suspended" in page


def test_the_import_page_says_which_parameter_is_missing(people):
    response = _client(people["inspector"]).post(reverse("import-list"), {"kind": "access"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "(file)" in page and "(source)" in page


def _fill(data: dict, form) -> None:
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        key = form.add_prefix(name)
        if value is None:
            continue
        if isinstance(value, list):
            data[key] = [getattr(v, "pk", v) for v in value]
        elif hasattr(value, "pk"):
            data[key] = value.pk
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        else:
            data[key] = value


def _admin_data(response) -> dict:
    """The admin change form as it stands, with its inline rows, ready to post back."""
    data: dict = {}
    _fill(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.initial_forms)
        data[f"{formset.prefix}-INITIAL_FORMS"] = len(formset.initial_forms)
        data[f"{formset.prefix}-MIN_NUM_FORMS"] = 0
        data[f"{formset.prefix}-MAX_NUM_FORMS"] = 1000
        for form in formset.initial_forms:
            _fill(data, form)
    return data


def test_an_inspectors_inline_edit_is_a_proposal_for_the_row(people):
    from registry.models import Port, PortRegime
    from tests.factories import PortRegimeFactory

    regime = PortRegimeFactory()
    path = f"/admin/registry/port/{regime.port_id}/change/"
    client = _client(people["inspector"])
    data = _admin_data(client.get(path))
    row = next(k for k in data if k.endswith("-0-regime")).removesuffix("regime")
    data[row + "valid_until"] = "2024-12-31"
    data["name_en"] = "Renamed port"
    response = client.post(path, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    regime.refresh_from_db()
    assert regime.valid_until is None
    assert Port.objects.get(pk=regime.port_id).name_en != "Renamed port"
    made = {(p.content_type.model, p.action): p.changes for p in Proposal.objects.all()}
    assert made[("portregime", "update")] == {"valid_until": [None, "2024-12-31"]}
    assert made[("port", "update")]["name_en"][1] == "Renamed port"
    assert PortRegime.objects.count() == 1


def test_an_inspectors_admin_save_is_a_proposal_and_an_administrators_is_a_write(people):
    access = MarketAccessFactory(treatment="")
    port = PortFactory()
    path = f"/admin/accessions/marketaccess/{access.pk}/change/"
    data = _admin_data(_client(people["inspector"]).get(path))
    data.update({"treatment": "heat", "allowed_ports": [port.pk]})
    response = _client(people["inspector"]).post(path, data)
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.treatment == ""
    proposal = Proposal.objects.get()
    assert response["Location"] == reverse("proposal-detail", args=[proposal.pk])
    assert proposal.changes == {"treatment": ["", "heat"], "allowed_ports": [[], [port.pk]]}

    response = _client(people["administrator"]).post(path, data)
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.treatment == "heat"
    assert list(access.allowed_ports.all()) == [port]
    assert Proposal.objects.count() == 1


def test_an_inspector_proposes_and_dates_a_stage_on_the_web(people):
    from accessions.models import AccessionStage
    from tests.factories import AccessionFactory, AccessionStageFactory

    accession = AccessionFactory()
    AccessionStageFactory(accession=accession, stage="announcement")
    client = _client(people["inspector"])
    path = reverse("stage-propose", args=[accession.pk])
    assert client.get(path).status_code == 200
    bad = client.post(path, {"stage": "inspection", "occurred_on": "2023-02-01"})
    assert bad.status_code == 400  # no precision, no source, no confidence
    data = {
        "stage": "inspection",
        "occurred_on": "2023-02-01",
        "precision": "exact",
        "source": "GACC notice (test)",
        "confidence": "medium",
    }
    response = client.post(path, data)
    assert response.status_code == 302
    created = Proposal.objects.get()
    assert created.action == "create"
    assert not AccessionStage.objects.filter(accession=accession, stage="inspection").exists()
    deciding.proposal_publish(proposal=created, by=people["senior_inspector"])
    stage = AccessionStage.objects.get(accession=accession, stage="inspection")
    assert str(stage.occurred_on) == "2023-02-01"

    # The same stage again re-dates it (an update), not a second stage.
    client.post(path, {**data, "occurred_on": "2023-03-01"})
    update = Proposal.objects.filter(state="pending").get()
    assert update.action == "update"
    assert update.changes == {"occurred_on": ["2023-02-01", "2023-03-01"]}


def test_the_history_names_the_author_and_the_reviewer(people):
    access = MarketAccessFactory(treatment="")
    proposal = proposing.proposal_create(
        model=MarketAccess,
        action="update",
        by=people["inspector"],
        target=access,
        values={"treatment": "heat"},
    )
    deciding.proposal_publish(proposal=proposal, by=people["senior_inspector"])
    page = _client(people["inspector"]).get(reverse("access-detail", args=[access.pk]))
    history = page.content.decode().split('id="history-heading"')[1]
    assert "w-inspector" in history and "w-senior_inspector" in history


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "The exporting country, by its ISO code."),
        ("zh-hans", "出口国，以其 ISO 代码表示。"),
        ("ru", "Страна-экспортёр, по её коду ISO."),
    ],
)
def test_the_import_page_documents_each_list_in_the_pages_language(people, language, words):
    client = _client(people["inspector"])
    page = client.get(reverse("import-list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page
    for kind in ("access", "regulations", "registrations"):
        assert f'id="columns-{kind}"' in page
        assert reverse("import-template", args=[kind, "csv"]) in page
        assert reverse("import-template", args=[kind, "xlsx"]) in page
    assert "<code>states</code>" in page and "50,000" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_template_is_the_declared_header_and_imports_as_a_list(people, fmt):
    from accessions.lists import lists
    from registry.tabular import read_table

    client = _client(people["inspector"])
    response = client.get(reverse("import-template", args=["registrations", fmt]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = read_table(file_name=f"t.{fmt}", content=response.content)
    assert list(rows[0]) == lists()["registrations"].names()
    assert client.get(reverse("import-template", args=["nosuch", fmt])).status_code == 404
    trader = account_create(
        username="w-trader", email="t@example.org", password="pw-pages-1", role="trader"
    )
    denied = _client(trader).get(reverse("import-template", args=["access", fmt]))
    assert denied.status_code == 403
