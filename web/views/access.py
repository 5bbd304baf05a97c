"""An access entry's page: its record, today's answer for it, its dated legal states and stages,
and its recorded history."""

from __future__ import annotations

from typing import cast

from django.contrib.auth import get_user_model
from django.db.models import Field, Model
from django.shortcuts import get_object_or_404, render

from accessions.eligibility.check import check_eligibility
from accessions.lists import ACCESS
from accessions.models import STAGE_ORDER, MarketAccess
from accessions.pipeline import access_stages, stage_timeline
from accessions.selectors.access import market_access_detail, market_access_events
from api.serializers import state_series_queryset
from registry.dates import in_force
from registry.errors import DomainError
from registry.history import (
    HISTORY_IGNORED_FIELDS,
    event_data,
    history_changes,
    history_supported,
)
from web.views import clock


def access_detail(request, pk: int):
    access = get_object_or_404(market_access_detail(), pk=pk)
    on = clock.today()
    # Applicable regulations and allowed ports today come from the one eligibility service.
    try:
        answer = check_eligibility(product=access.product.slug, country=access.country.iso2, on=on)
    except DomainError:  # the slug is also another product's alias: show the record alone
        answer = None
    # Only the dated conditions in force on the day shown (a 2024 instrument's zones are not shown
    # for an earlier day).
    dated_conditions = [c for c in access.dated_conditions.all() if in_force(c, on)]
    accessions = list(access.accessions.all())
    # The entry's dated legal states, oldest first (accessions.validity reads the state on a date).
    states = list(state_series_queryset().filter(market_access=access))
    current = (answer.state or {}).get("id") if answer is not None else None
    timeline = stage_timeline(access, access_stages(access), today=on)
    for accession in accessions:
        accession.ordered_stages = sorted(  # type: ignore[attr-defined]
            accession.stages.all(), key=lambda s: (STAGE_ORDER.get(s.stage, 99), s.pk)
        )
    return render(
        request,
        "web/access_detail.html",
        {
            "access": access,
            "answer": answer,
            "accessions": accessions,
            "timeline": timeline,
            "dated_conditions": dated_conditions,
            "states": states,
            "current_state": current,
            "history": _history(access) if history_supported() else None,
            "history_supported": history_supported(),
            "today": on,
        },
    )


def _history_fields(event_model: type[Model]) -> list[str]:
    """The columns of the access list (its one declaration, accessions.lists.ACCESS) whose
    changes the entry's page lists: the entry's own recorded values (not its id, product,
    country, ports or states, which have their own lines)."""
    recorded = {f.name for f in event_model._meta.concrete_fields if not f.is_relation}
    return [
        name
        for name in ACCESS.public_names()
        if name in recorded and name not in ("id", *HISTORY_IGNORED_FIELDS)
    ]


def _history(access: MarketAccess, limit: int = 50) -> list[dict]:
    """The access entry's latest recorded changes, newest first, with what changed (the one
    history diff, registry.history.history_changes) and who changed it. Two queries however long
    the history is.
    """
    latest = (
        market_access_events(access.pk)
        .select_related("pgh_context")
        .order_by("-pgh_created_at", "-pgh_id")[: limit + 1]
    )
    events = list(reversed(list(latest)))  # oldest first; one extra as the baseline of a diff
    contexts = [e.pgh_context.metadata if e.pgh_context else {} for e in events]
    # The author (user) and, for a published proposal, the reviewer who published it.
    user_ids = {
        m.get(key) for m in contexts for key in ("user", "reviewer") if isinstance(m.get(key), int)
    }
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    timeline, before, previous = [], None, None
    fields = _history_fields(type(events[0])) if events else []
    for event, metadata in zip(events, contexts, strict=True):
        after = event_data(event)
        changes = history_changes(before, after)
        changed = [
            {
                "field": cast(Field, MarketAccess._meta.get_field(name)).verbose_name,
                "old": _shown(name, getattr(previous, name)),
                "new": _shown(name, getattr(event, name)),
            }
            for name in fields
            if name in changes
        ]
        user = metadata.get("user")
        timeline.append(
            {
                "label": event.pgh_label,
                "at": event.pgh_created_at,
                "user": names.get(user, user),
                "reviewer": names.get(metadata.get("reviewer"), metadata.get("reviewer")),
                "url": metadata.get("url", ""),
                "reason": metadata.get("reason", ""),
                "changed": changed,
                "status": event.get_status_display(),
            }
        )
        before, previous = after, event
    if len(events) > limit:
        timeline = timeline[1:]  # the baseline event is older than the page shows
    return list(reversed(timeline))


def _shown(name: str, value):
    """A recorded value as people read it: the label of a choice, not its code."""
    choices = dict(cast(Field, MarketAccess._meta.get_field(name)).flatchoices)
    return choices.get(value, value) if choices else value
