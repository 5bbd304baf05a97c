"""Proposals (maker-checker): a change to a record with legal effect, reviewed before it is
published; the batches of an import and the import runs that make them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.constraints import choices_constraint


class ProposalAction(models.TextChoices):
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")


class ProposalState(models.TextChoices):
    PENDING = "pending", _("pending")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")  # by a reviewer, with a reason
    WITHDRAWN = "withdrawn", _("withdrawn")  # by its author: it has no reviewer
    REBASED = "rebased", _("rebased")  # replaced by a proposal made against the newer record


class ImportKind(models.TextChoices):
    ACCESS = "access", _("access entries")
    REGULATIONS = "regulations", _("regulations")
    REGISTRATIONS = "registrations", _("establishment registrations")


class ProposalBatch(models.Model):
    """The proposals of one import, published or rejected as a whole."""

    kind = models.CharField(_("list"), max_length=15, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=300)
    file_sha256 = models.CharField(_("file digest"), max_length=64)
    source = models.TextField(_("source"))
    confidence = models.CharField(_("confidence"), max_length=8)
    comment = models.TextField(_("comment"), blank=True)
    report = models.JSONField(_("dry-run report"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposal_batches"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_proposal_batches",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        constraints = [choices_constraint("proposal_batch", "state", ProposalState)]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"


class Proposal(models.Model):
    """A proposed create, update or delete of one record with legal effect. It changes nothing
    until a senior inspector other than its author publishes it."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("record"), max_length=64, blank=True)  # blank: a creation
    object_repr = models.CharField(_("record"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=6, choices=ProposalAction.choices)
    # {field: [old, new]} in JSON values (foreign keys and many-to-many links by primary key).
    changes = models.JSONField(_("changes"), default=dict)
    # The record as it was when proposed (JSON values): a record that differs now is stale.
    base = models.JSONField(_("base version"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_proposals",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    batch = models.ForeignKey(
        ProposalBatch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
    )
    rebased_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who made this proposal again against a changed record (the author stays the author, and
    # neither publishes it).
    rebased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rebased_proposals",
    )
    # A delete: the other records it deletes with the record ([model label, key, text]), as the
    # reviewer sees them; a delete that would now take anything else is stale.
    cascade = models.JSONField(_("deleted with it"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            choices_constraint("proposal", "state", ProposalState),
            choices_constraint("proposal", "action", ProposalAction),
            models.CheckConstraint(
                condition=models.Q(action="create") | ~models.Q(object_id=""),
                name="proposal_names_its_record",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="proposal_state_created"),
            models.Index(fields=["content_type", "object_id"], name="proposal_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class ImportRunState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportRun(models.Model):
    """One upload on the import page, worked through by a Celery task (in-process in the embedded
    mode) so a large file shows its progress. Every run ends `done` or `failed` with its reason
    (`error`), even when it cannot be queued or its worker dies; its file is dropped when it
    ends."""

    kind = models.CharField(_("list"), max_length=15, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=300)
    content = models.BinaryField(_("file content"), blank=True)
    source = models.TextField(_("source"))
    confidence = models.CharField(_("confidence"), max_length=8)
    comment = models.TextField(_("comment"), blank=True)
    propose = models.BooleanField(_("propose (not a dry run)"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_runs"
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=8, choices=ImportRunState.choices, default=ImportRunState.QUEUED
    )
    # When a worker claimed it and when it ended: the reaper fails a run no task can still be
    # working on (accessions.services.import_runs.import_runs_reap).
    claimed_at = models.DateTimeField(_("read from"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    batch = models.ForeignKey(
        ProposalBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        constraints = [choices_constraint("import_run", "state", ImportRunState)]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0
