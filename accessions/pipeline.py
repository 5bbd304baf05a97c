"""The accession pipeline (issue 12, item 4, the read side): each country–product pair's stage
timeline in GACC's procedure order with the time spent in each stage, and the open requests by
stage and age. Shared by the access entry's page and the pipeline page.

Only recorded dates are used: a stage whose date the sources do not give is shown as unknown,
and so is the time spent in it; a time between dates of month, year, repost or inferred precision
is a range of days (registry.dates.days_between), never one number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from accessions.models import (
    STAGE_ORDER,
    Accession,
    AccessionStage,
    AccessStatus,
    MarketAccess,
    Stage,
)
from registry.dates import DaySpan, days_between
from registry.provenance import DatePrecision

# A request is open while access is being negotiated or only a protocol is signed.
OPEN_STATUSES = (AccessStatus.NEGOTIATING, AccessStatus.PROTOCOL_SIGNED)


@dataclass
class TimelineStep:
    """One stage of the procedure for one pair: reached or not, its date as the sources give it,
    and the days spent in it (until the next reached stage, or until today for the current stage
    of an open request); None where a date is unknown."""

    stage: str
    label: str
    reached: bool = False
    occurred_on: dt.date | None = None
    precision: str = ""
    days: int | None = None  # the least it can be (for ordering); `span` is what is shown
    span: DaySpan | None = None
    current: bool = False
    # The last stage of a request that is no longer open: the procedure ended there.
    final: bool = False
    source: str = ""
    confidence: str = ""
    is_illustrative: bool = False
    # The protocol date taken from the access entry itself (no stage row records it).
    from_access_entry: bool = False


@dataclass
class PipelineRow:
    access: MarketAccess
    steps: list[TimelineStep]
    current: TimelineStep | None
    # Days since the current stage began, at least (None: its date is unknown); `age` the range.
    age_days: int | None
    age: DaySpan | None
    # The current stage's position in the procedure (for ordering; -1 when no stage is recorded).
    position: int = -1
    stages_recorded: int = field(default=0)


def stage_timeline(
    access: MarketAccess, stages: list[AccessionStage], *, today: dt.date
) -> list[TimelineStep]:
    """Every stage of the procedure in order for one pair, from its recorded stages (of any of its
    accessions). A signed protocol recorded on the access entry but not as a stage counts as the
    protocol stage, dated as the entry dates it."""
    steps = {value: TimelineStep(stage=value, label=str(label)) for value, label in Stage.choices}
    for stage in sorted(stages, key=lambda s: (STAGE_ORDER.get(s.stage, 99), s.pk)):
        step = steps.get(stage.stage)
        if step is None or step.reached:
            continue
        step.reached = True
        step.occurred_on = stage.occurred_on
        step.precision = stage.occurred_on_precision if stage.occurred_on else ""
        step.source, step.confidence = stage.source, stage.confidence
        step.is_illustrative = stage.is_illustrative
    protocol = steps[Stage.PROTOCOL]
    if not protocol.reached and (
        access.protocol_signed_on is not None or access.status == AccessStatus.PROTOCOL_SIGNED
    ):
        protocol.reached = True
        protocol.from_access_entry = True
        protocol.occurred_on = access.protocol_signed_on
        protocol.precision = access.protocol_signed_precision if access.protocol_signed_on else ""
        protocol.source, protocol.confidence = access.source, access.confidence
        protocol.is_illustrative = access.is_illustrative
    ordered = [steps[value] for value in Stage.values]
    reached = [step for step in ordered if step.reached]
    is_open = access.status in OPEN_STATUSES
    for index, step in enumerate(reached):
        following = reached[index + 1] if index + 1 < len(reached) else None
        end = following.occurred_on if following is not None else (today if is_open else None)
        end_precision = following.precision if following is not None else DatePrecision.EXACT
        if following is None:
            step.current, step.final = is_open, not is_open
        if step.occurred_on is None or end is None:
            continue
        step.span = days_between(step.occurred_on, step.precision, end, end_precision)
        step.days = step.span.low
    return ordered


def _open_requests() -> QuerySet[MarketAccess]:
    stages = AccessionStage.objects.order_by("occurred_on", "pk")
    return (
        MarketAccess.objects.filter(status__in=OPEN_STATUSES)
        .select_related("product", "country")
        .prefetch_related(
            Prefetch(
                "accessions",
                queryset=Accession.objects.prefetch_related(Prefetch("stages", queryset=stages)),
            )
        )
    )


def access_stages(access: MarketAccess) -> list[AccessionStage]:
    """The recorded stages of every accession of an entry (its accessions prefetched)."""
    return [stage for accession in access.accessions.all() for stage in accession.stages.all()]


def pipeline(*, today: dt.date, country=None, stage: str | None = None) -> list[PipelineRow]:
    """The open requests (negotiating, or a protocol signed without an announcement yet), each
    with its timeline, its current stage and how long it has been there; ordered by stage in the
    procedure's order, then the longest waiting first. Three queries whatever their number."""
    entries = _open_requests()
    if country is not None:
        entries = entries.filter(country=country)
    rows = []
    for access in entries:
        steps = stage_timeline(access, access_stages(access), today=today)
        current = next((step for step in steps if step.current), None)
        if stage and (current is None or current.stage != stage):
            continue
        rows.append(
            PipelineRow(
                access=access,
                steps=steps,
                current=current,
                age_days=current.days if current is not None else None,
                age=current.span if current is not None else None,
                position=STAGE_ORDER.get(current.stage, -1) if current is not None else -1,
                stages_recorded=sum(step.reached for step in steps),
            )
        )
    rows.sort(
        key=lambda row: (
            row.position,
            -(row.age_days if row.age_days is not None else -1),
            row.access.country.iso2,
            row.access.product.name_en,
        )
    )
    return rows
