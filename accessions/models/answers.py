"""Answers as given: each eligibility answer kept as it was given, so it can be cited."""

from __future__ import annotations

from urllib.parse import urlencode

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from accessions.models.access import MarketAccess


class AnswerRecord(models.Model):
    """An eligibility answer as it was given, kept so it can be cited: the question in its
    normal form (accessions.eligibility.answer.EligibilityQuestion.query), the verdict, the
    reasons and conditions in the language they were given, and the access entry with its legal
    state on the date asked. Written once by accessions.services.answers.answer_record and never
    changed (a database trigger refuses an UPDATE); today's answer to the same question is
    computed beside it, never written into it."""

    public_id = models.CharField(
        _("id"),
        max_length=32,
        unique=True,
        help_text=_("The public, unguessable id of the answer (in its URL)."),
    )
    product = models.CharField(_("product"), max_length=200)
    country = models.CharField(_("country"), max_length=100)
    port = models.CharField(_("port"), max_length=40, blank=True)
    on = models.DateField(_("date asked about"))
    establishment = models.CharField(_("establishment"), max_length=40, blank=True)
    verdict = models.CharField(_("verdict"), max_length=30)
    # Lists of {"code", "message"}, in `language`.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10)
    # The entry's id is kept as given: no database constraint, and no cascade that would rewrite
    # the answer if the entry were ever deleted.
    access = models.ForeignKey(
        MarketAccess,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access entry"),
    )
    # The entry's legal state on the date asked, as the engine read it (accessions.validity).
    state = models.JSONField(_("state on the date asked"), null=True, blank=True)
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("answer as given")
        verbose_name_plural = _("answers as given")
        triggers = [
            pgtrigger.Protect(name="answer_record_immutable", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.product} {self.country} {self.on} {self.verdict}"

    @property
    def query(self) -> dict[str, str]:
        """The question as the checker's query parameters (the permalink, date pinned)."""
        return {
            "product": self.product,
            "country": self.country,
            "port": self.port,
            "date": self.on.isoformat(),
            "establishment": self.establishment,
        }

    @property
    def permalink_query(self) -> str:
        """The checker's query string that asks this question again (the date pinned)."""
        return urlencode({name: value for name, value in self.query.items() if value})
