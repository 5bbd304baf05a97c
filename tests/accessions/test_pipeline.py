"""The accession pipeline: each pair's stage timeline with the time spent in each stage; open
requests by stage and age. Unknown dates stay unknown."""

import datetime as dt

import pytest

from accessions.pipeline import pipeline, stage_timeline
from registry.dates import DaySpan
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 1)


def _steps(timeline):
    return {step.stage: step for step in timeline}


def test_time_spent_in_each_stage_runs_to_the_next_recorded_stage_and_today_for_an_open_one():
    access = f.MarketAccessFactory(
        status="negotiating", instrument_kind="protocol", valid_from=None, instrument_date=None
    )
    accession = f.AccessionFactory(market_access=access)
    f.AccessionStageFactory(
        accession=accession, stage="application", occurred_on=dt.date(2024, 1, 1)
    )
    f.AccessionStageFactory(
        accession=accession, stage="questionnaire", occurred_on=None, occurred_on_precision=""
    )
    f.AccessionStageFactory(
        accession=accession,
        stage="risk_assessment",
        occurred_on=dt.date(2024, 6, 30),
        occurred_on_precision="month",
    )
    steps = _steps(stage_timeline(access, list(accession.stages.all()), today=TODAY))
    # The questionnaire is recorded without a date: the time before and in it stays unknown.
    assert steps["application"].days is None
    assert steps["questionnaire"].reached and steps["questionnaire"].days is None
    current = steps["risk_assessment"]
    assert current.current and current.days == (TODAY - dt.date(2024, 6, 30)).days
    # A month-precision date: the time is a range of the month's days, not one number.
    assert (current.span.low, current.span.high) == (
        (TODAY - dt.date(2024, 6, 30)).days,
        (TODAY - dt.date(2024, 6, 1)).days,
    )
    assert not steps["inspection"].reached and steps["inspection"].days is None


def test_a_completed_accession_has_no_current_stage_and_exact_durations():
    access = f.MarketAccessFactory()
    accession = f.AccessionFactory(market_access=access)
    f.AccessionStageFactory(accession=accession, stage="protocol", occurred_on=dt.date(2023, 5, 20))
    f.AccessionStageFactory(
        accession=accession, stage="announcement", occurred_on=dt.date(2023, 6, 13)
    )
    steps = _steps(stage_timeline(access, list(accession.stages.all()), today=TODAY))
    assert steps["protocol"].days == 24 and steps["protocol"].span == DaySpan(24, 24)
    assert steps["announcement"].days is None and not steps["announcement"].current
    assert steps["announcement"].final and not steps["protocol"].final


def test_pipeline_lists_open_requests_by_stage_with_the_protocol_date_of_the_entry():
    kz, kg = f.CountryFactory(iso2="KZ"), f.CountryFactory(iso2="KG")
    wheat = f.MarketAccessFactory(
        country=kz,
        status="protocol_signed",
        instrument_kind="protocol",
        valid_from=None,
        protocol_signed_on=dt.date(2015, 12, 16),
        protocol_signed_precision="exact",
    )
    honey = f.MarketAccessFactory(
        country=kg, status="protocol_signed", instrument_kind="protocol", valid_from=None
    )
    f.MarketAccessFactory(country=kz)  # in force: not an open request
    rows = pipeline(today=TODAY)
    assert [row.access.pk for row in rows] == [wheat.pk, honey.pk]
    first = rows[0]
    assert first.current.stage == "protocol" and first.current.from_access_entry
    assert first.age_days == (TODAY - dt.date(2015, 12, 16)).days
    assert rows[1].current.occurred_on is None and rows[1].age_days is None
    assert [r.access.pk for r in pipeline(today=TODAY, country=kg)] == [honey.pk]
    assert pipeline(today=TODAY, stage="inspection") == []


def test_pipeline_and_access_pages_show_stages_and_unknown_dates(client, seeded):
    page = client.get("/accessions/pipeline/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Wheat" in html and "Fresh grapes" not in html
    assert client.get("/accessions/pipeline/?stage=protocol&country=kg").status_code == 200
    bad = client.get("/accessions/pipeline/?stage=nonsense")
    assert bad.status_code == 400
    from accessions.models import MarketAccess

    wheat = MarketAccess.objects.get(country__iso2="KZ", product__slug="wheat")
    detail = client.get(f"/access/{wheat.pk}/").content.decode()
    assert "Procedure stages" in detail and "not recorded" in detail and "so far" in detail


def test_pipeline_costs_three_queries_whatever_the_number_of_requests(django_assert_num_queries):
    for _ in range(4):
        access = f.MarketAccessFactory(
            status="negotiating", instrument_kind="protocol", valid_from=None
        )
        f.AccessionStageFactory(accession__market_access=access, stage="application")
    with django_assert_num_queries(3):
        rows = pipeline(today=TODAY)
    assert len(rows) == 4


def test_an_entry_with_no_stage_recorded_shows_every_stage_as_not_recorded(client):
    access = f.MarketAccessFactory(
        status="negotiating", instrument_kind="protocol", valid_from=None
    )
    steps = stage_timeline(access, [], today=TODAY)
    assert [step.reached for step in steps] == [False] * len(steps)
    assert pipeline(today=TODAY)[0].current is None
    assert client.get(f"/access/{access.pk}/").status_code == 200
    assert client.get("/accessions/pipeline/").status_code == 200
