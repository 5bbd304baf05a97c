"""The inspectors' pages of the maker-checker workflow: the review queue, a proposal with its
field-level diff (three versions when stale) and its publish / reject / rebase forms, an import's
batch, and the import page (dry run, then propose)."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accessions.lists import lists
from accessions.models import (
    STAGE_ORDER,
    Accession,
    ImportKind,
    ImportRun,
    ImportRunState,
    Proposal,
    ProposalBatch,
    ProposalState,
    StateKind,
)
from accessions.selectors.proposals import (
    proposal_batches_pending,
    proposal_counts,
    proposals_queue,
)
from accessions.services import deciding, import_runs, import_specs, note_review, proposing
from accounts import roles
from registry.errors import DomainError
from registry.provenance import Confidence
from registry.tabular import Limits
from web.forms import StageProposalForm
from web.guards import requires

QUEUE_VIEWS = ("pending", "stale", "mine")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _display(model: type[models.Model], name: str, value: Any) -> str:
    """A stored JSON value as a reader should see it (records by name, not number)."""
    if value in (None, "", []):
        return "—"
    try:
        field: Any = model._meta.get_field(name)
    except Exception:  # a field since removed: show the raw value
        return str(value)
    if field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager
        pks = value if isinstance(value, list) else [value]
        names = [str(obj) for obj in related.filter(pk__in=pks)]
        return ", ".join(names) or str(value)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(cast(Any, model._meta.get_field(name)).verbose_name)
    except Exception:
        return name


def _diff_rows(proposal: Proposal) -> list[dict[str, Any]]:
    model = proposal.content_type.model_class()
    assert model is not None
    return [
        {
            "label": _label(model, row["field"]),
            "base": _display(model, row["field"], row["base"]),
            "proposed": _display(model, row["field"], row["proposed"]),
            "current": _display(model, row["field"], row["current"]),
            "changed_since": row["changed_since"],
            "proposed_here": row["field"] in proposal.changes,
        }
        for row in proposing.proposal_versions(proposal)
    ]


def _note_review(proposal: Proposal, review: note_review.NoteReview | None) -> dict | None:
    """A note review with the changes it stands beside, as a reader should see them."""
    if review is None:
        return None
    model = proposal.content_type.model_class()
    assert model is not None
    return {
        "review": review,
        "changes": [
            {
                "label": _label(model, name),
                "old": _display(model, name, proposal.changes[name][0]),
                "new": _display(model, name, proposal.changes[name][1]),
            }
            for name in review.fields
        ],
    }


def _report_display(kind: str, report: dict[str, Any]) -> dict[str, Any]:
    """An import's report with fields by their names and records by their names."""
    spec = import_specs.SPECS.get(kind)
    if spec is None:
        return report
    model = spec.model
    shown = dict(report)
    records = model._default_manager.in_bulk([i["pk"] for i in report.get("changed", [])])
    shown["changed"] = [
        {
            **item,
            "record": str(records.get(item["pk"], "")),
            "fields": [
                {
                    "label": _label(model, name),
                    "old": _display(model, name, old),
                    "new": _display(model, name, new),
                }
                for name, (old, new) in item.get("changes", {}).items()
            ],
        }
        for item in report.get("changed", [])
    ]
    shown["added"] = [
        {**item, "record": " / ".join(_display(model, k, item["values"].get(k)) for k in spec.key)}
        for item in report.get("added", [])
    ]
    shown["states_added"] = [
        {**item, "shown": [_state_words(state) for state in item["states"]]}
        for item in report.get("states_added", [])
    ]
    return shown


def _state_words(state: dict[str, Any]) -> dict[str, Any]:
    """A state an import adds, in words: its kind's name, its start, its zones."""
    kind = state["kind"]
    return {
        "kind": str(StateKind(kind).label) if kind in StateKind.values else kind,
        "starts_on": state.get("starts_on") or "",
        "limited_to": state.get("limited_to") or "",
    }


@requires(roles.Ability.PROPOSE)
def proposal_queue(request):
    view = request.GET.get("view", "pending")
    if view not in QUEUE_VIEWS:
        view = "pending"
    return render(
        request,
        "web/proposal_queue.html",
        {
            "view": view,
            "views": QUEUE_VIEWS,
            "items": proposals_queue(view=view, user=request.user),
            "batches": proposal_batches_pending(),
            "counts": proposal_counts(),
            "may_review": roles.may_review(request.user),
        },
    )


@requires(roles.Ability.PROPOSE)
def proposal_detail(request, pk: int):
    proposal = get_object_or_404(
        Proposal.objects.select_related(
            "author", "reviewer", "rebased_by", "content_type", "batch"
        ),
        pk=pk,
    )
    pending = proposal.state == ProposalState.PENDING
    stale = pending and proposing.proposal_is_stale(proposal)
    model = proposal.content_type.model_class()
    reviews = note_review.note_reviews([proposal]) if pending else {}
    return render(
        request,
        "web/proposal_detail.html",
        {
            "proposal": proposal,
            "kind": model._meta.verbose_name if model else "",
            "rows": _diff_rows(proposal),
            "note": _note_review(proposal, reviews.get(proposal.pk)),
            "stale": stale,
            "may_publish": pending
            and not stale
            and proposal.batch_id is None
            and roles.may_publish(request.user, proposal.author_id)
            and roles.may_publish(request.user, proposal.rebased_by_id),
            "own": proposal.author_id == request.user.pk,
            "may_reject": pending
            and proposal.batch_id is None
            and roles.may_reject(request.user, proposal.author_id),
            "may_withdraw": pending
            and proposal.batch_id is None
            and roles.may_withdraw(request.user, proposal.author_id),
            "may_rebase": stale and proposal.batch_id is None,
        },
    )


@require_POST
@requires(roles.Ability.PROPOSE, then="proposal-queue")
def proposal_decide(request, pk: int):
    """Publish, reject or rebase a proposal (the service says who may)."""
    proposal = get_object_or_404(Proposal, pk=pk)
    decision = request.POST.get("decision", "")
    comment = request.POST.get("comment", "")
    try:
        if decision == "publish":
            deciding.proposal_publish(
                proposal=proposal,
                by=request.user,
                comment=comment,
                note_confirmed=bool(request.POST.get("note_confirmed")),
                public_note=request.POST.get("public_note"),
            )
            messages.success(request, _("The proposal is published."))
        elif decision == "reject":
            deciding.proposal_reject(proposal=proposal, by=request.user, comment=comment)
            messages.success(request, _("The proposal is rejected."))
        elif decision == "withdraw":
            deciding.proposal_withdraw(proposal=proposal, by=request.user, comment=comment)
            messages.success(request, _("You withdrew the proposal."))
        elif decision == "rebase":
            fresh = deciding.proposal_rebase(proposal=proposal, by=request.user, comment=comment)
            messages.success(request, _("The proposal was made again against the current record."))
            return redirect("proposal-detail", pk=fresh.pk)
        else:
            messages.error(request, _("Choose publish, reject, withdraw or rebase."))
    except DomainError as exc:
        if exc.code == "not_allowed":
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    return redirect("proposal-detail", pk=pk)


@requires(roles.Ability.PROPOSE)
def batch_detail(request, pk: int):
    batch = get_object_or_404(ProposalBatch.objects.select_related("author", "reviewer"), pk=pk)
    pending = batch.state == ProposalState.PENDING
    items = list(batch.proposals.select_related("content_type").order_by("id"))
    reviews = note_review.note_reviews(items) if pending else {}
    return render(
        request,
        "web/batch_detail.html",
        {
            "batch": batch,
            "report": _report_display(batch.kind, batch.report),
            "items": [
                {
                    "proposal": item,
                    "note": _note_review(item, reviews.get(item.pk)),
                    "suffix": f"_{item.pk}",  # the names of its note's inputs (_batch_notes)
                }
                for item in items
            ],
            "may_publish": pending and roles.may_publish(request.user, batch.author_id),
            "may_reject": pending and roles.may_reject(request.user, batch.author_id),
            "may_withdraw": pending and roles.may_withdraw(request.user, batch.author_id),
        },
    )


@require_POST
@requires(roles.Ability.PROPOSE, then="proposal-queue")
def batch_decide(request, pk: int):
    batch = get_object_or_404(ProposalBatch, pk=pk)
    decision = request.POST.get("decision", "")
    comment = request.POST.get("comment", "")
    try:
        if decision == "publish":
            deciding.batch_publish(
                batch=batch, by=request.user, comment=comment, notes=_batch_notes(request, batch)
            )
            messages.success(request, _("The import is published."))
        elif decision == "reject":
            deciding.batch_reject(batch=batch, by=request.user, comment=comment)
            messages.success(request, _("The import is rejected."))
        elif decision == "withdraw":
            deciding.batch_withdraw(batch=batch, by=request.user, comment=comment)
            messages.success(request, _("You withdrew the import."))
        else:
            messages.error(request, _("Choose publish, reject or withdraw."))
    except DomainError as exc:
        if exc.code == "not_allowed":
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    return redirect("batch-detail", pk=pk)


def _batch_notes(request, batch: ProposalBatch) -> dict[int, str | None]:
    """The reviewer's word on each public note of an import (batch_publish's `notes`): a new
    note where the text was changed, None where "the public note still holds" is ticked."""
    notes: dict[int, str | None] = {}
    reviews = note_review.note_reviews(batch.proposals.select_related("content_type"))
    for pk, review in reviews.items():
        text = request.POST.get(f"public_note_{pk}")
        if review.is_new(text):
            notes[pk] = text
        elif request.POST.get(f"note_confirmed_{pk}"):
            notes[pk] = None
    return notes


def _list_formats() -> list[dict[str, Any]]:
    """Each list's columns as the import page documents them (in the page's language)."""
    return [
        {"kind": kind, "title": fmt.title, "columns": list(fmt.rows_shown())}
        for kind, fmt in lists().items()
    ]


@requires(roles.Ability.PROPOSE)
def import_template(request, kind: str, fmt: str):
    """A list's template: its header and one example row, in CSV or XLSX."""
    formats = lists()
    if kind not in formats or fmt not in ("csv", "xlsx"):
        raise Http404(_("No such template."))
    declared = formats[kind]
    if fmt == "csv":
        response = HttpResponse(declared.template_csv(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(declared.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
    return response


@requires(roles.Ability.PROPOSE)
def import_page(request):
    """Upload a list: a dry run shows what it would change; propose makes one batch."""
    context: dict[str, Any] = {
        "kinds": ImportKind.choices,
        "confidences": Confidence.choices,
        "values": request.POST,
        "formats": _list_formats(),
        "limits": Limits.from_settings().as_words(),
    }
    if request.method != "POST":
        return render(request, "web/import_list.html", context)
    upload = request.FILES.get("file")
    kind = request.POST.get("kind", "")
    source = request.POST.get("source", "")
    confidence = request.POST.get("confidence", "")
    problems = []
    if upload is None:
        problems.append(_("Choose a file (file)."))
    elif upload.size is not None and upload.size > settings.REGISTRY_IMPORT_MAX_BYTES:
        problems.append(
            _("The file is larger than the limit of %(limit)s (file).")
            % {"limit": context["limits"]["bytes"]}
        )
    if kind not in ImportKind.values:
        problems.append(_("Choose which list the file is (kind)."))
    if not source.strip():
        problems.append(_("Give the source of the list (source)."))
    if confidence not in Confidence.values:
        problems.append(_("Choose the confidence (confidence)."))
    if problems:
        context["problems"] = problems
        return render(request, "web/import_list.html", context, status=400)
    assert upload is not None
    try:
        run = import_runs.import_run_start(
            kind=kind,
            file_name=upload.name or "list",
            content=upload.read(),
            source=source,
            confidence=confidence,
            comment=request.POST.get("comment", ""),
            propose=request.POST.get("action") == "propose",
            by=request.user,
        )
    except DomainError as exc:
        context["problems"] = [exc.message]
        return render(request, "web/import_list.html", context, status=400)
    return redirect("import-run", pk=run.pk)


@requires(roles.Ability.PROPOSE)
def import_run(request, pk: int):
    """An upload's progress (the page reloads itself while the worker reads), then its report."""
    run = get_object_or_404(ImportRun.objects.select_related("batch"), pk=pk)
    if run.author_id != request.user.pk and not roles.may_review(request.user):
        raise PermissionDenied(_("This import was started by someone else."))
    return render(
        request,
        "web/import_run.html",
        {
            "run": run,
            "working": run.state in (ImportRunState.QUEUED, ImportRunState.RUNNING),
            "report": _report_display(run.kind, run.report),
        },
    )


@requires(roles.Ability.PROPOSE)
def stage_propose(request, pk: int):
    """Add or date a stage of an accession: a proposal a senior inspector publishes."""
    accession = get_object_or_404(
        Accession.objects.select_related("market_access__product", "market_access__country"), pk=pk
    )
    form = StageProposalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = proposing.stage_propose(
                    accession=accession,
                    stage=data["stage"],
                    occurred_on=data["occurred_on"],
                    precision=data["precision"],
                    source=data["source"],
                    source_url=data["source_url"],
                    confidence=data["confidence"],
                    comment=data["comment"],
                    by=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("The stage was proposed; it is shown once a senior inspector publishes it."),
                )
                return redirect("proposal-detail", pk=proposal.pk)
        status = 400
    stages = sorted(accession.stages.all(), key=lambda s: STAGE_ORDER.get(s.stage, 99))
    return render(
        request,
        "web/stage_propose.html",
        {"accession": accession, "form": form, "stages": stages},
        status=status,
    )
