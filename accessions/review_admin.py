"""The admin's review: on the screens of every record with legal or public effect (registry.review),
an inspector's save, addition or deletion, inline rows included, becomes a proposal a senior
inspector reviews; administrators write directly, recorded in the history with their name.

The admin site mixes these classes into the screens of every declared model when they are
registered (accounts.admin_site, by the dotted paths in settings), so each app keeps its own
screens and declares its reviewed models, and none patches another's.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as gettext_now
from django.utils.translation import ngettext

from accessions.services import proposing, records
from accounts import roles
from registry.errors import DomainError
from registry.history import history_context


def _links(form: Any, model: type) -> dict[str, Any]:
    names = {f.name for f in records.link_fields(model)}
    return {name: list(value) for name, value in form.cleaned_data.items() if name in names}


class ProposalAdminMixin:
    """Saves, additions and deletions by inspectors become proposals; administrators write
    directly (recorded). The admin's own change log records only what was written."""

    def _direct(self, request) -> bool:
        return roles.may_write_directly(request.user)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """A deletion of an inline row the screen does not offer (no delete box) is refused with
        a 403, never silently ignored (issue 27)."""
        if request.method == "POST" and not inline.has_delete_permission(request, obj):
            forged = [
                key
                for key, value in request.POST.items()
                if key.startswith(f"{prefix}-") and key.endswith("-DELETE") and value
            ]
            if forged:
                raise PermissionDenied(gettext_now("You may not delete these rows."))
        return super().get_formset_kwargs(request, obj, inline, prefix)  # type: ignore[misc]

    def get_actions(self, request):
        # The bulk delete reports "deleted"; for proposers a deletion is one record at a time.
        actions = super().get_actions(request)  # type: ignore[misc]
        if not self._direct(request):
            actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # Whoever may propose may ask for a deletion: for them it is a proposal, not a delete.
        if roles.may_propose(request.user):
            return True
        return super().has_delete_permission(request, obj)  # type: ignore[misc]

    def _proposed(self, request, made: list | None = None, error: str = "") -> None:
        request._registry_proposals = [*getattr(request, "_registry_proposals", []), *(made or [])]
        if error:
            request._registry_proposal_errors = [
                *getattr(request, "_registry_proposal_errors", []),
                error,
            ]

    def save_model(self, request, obj, form, change):
        if self._direct(request):
            records.record_direct_write(obj=obj, by=request.user, links=_links(form, type(obj)))
            return
        original = type(obj)._default_manager.get(pk=obj.pk) if change else None
        try:
            made = proposing.proposal_from_edit(
                original=original, edited=obj, by=request.user, links=_links(form, type(obj))
            )
        except DomainError as exc:
            if exc.code != "no_change":
                self._proposed(request, error=exc.message)
            self._proposed(request)
            return
        self._proposed(request, [made])

    def save_related(self, request, form, formsets, change):
        if self._direct(request):
            with history_context(user=request.user.pk, direct=True):
                super().save_related(request, form, formsets, change)  # type: ignore[misc]
            return
        for formset in formsets:
            self._propose_formset(request, formset, parent_exists=change)

    def _propose_formset(self, request, formset: BaseInlineFormSet, *, parent_exists: bool):
        model: Any = formset.model
        if not records.is_legal_model(model):
            return
        edited = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self._propose(request, model=model, action="delete", target=obj)
        for obj in edited:
            if obj.pk is None and not parent_exists:
                self._proposed(
                    request,
                    error=gettext_now(
                        "Rows of a new record are proposed once the record is published."
                    ),
                )
                continue
            original = model._default_manager.get(pk=obj.pk) if obj.pk else None
            try:
                made = proposing.proposal_from_edit(original=original, edited=obj, by=request.user)
            except DomainError as exc:
                if exc.code != "no_change":
                    self._proposed(request, error=exc.message)
                continue
            self._proposed(request, [made])

    def _propose(self, request, **kwargs) -> None:
        try:
            made = proposing.proposal_create(by=request.user, **kwargs)
        except DomainError as exc:
            self._proposed(request, error=exc.message)
            return
        self._proposed(request, [made])

    def delete_model(self, request, obj):
        if self._direct(request):
            records.record_direct_write(obj=obj, by=request.user, delete=True)
            return
        self._propose(request, model=type(obj), action="delete", target=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def log_addition(self, request, obj, message):
        if self._direct(request):
            return super().log_addition(request, obj, message)  # type: ignore[misc]
        return None

    def log_change(self, request, obj, message):
        if self._direct(request):
            return super().log_change(request, obj, message)  # type: ignore[misc]
        return None

    def log_deletions(self, request, queryset):
        if self._direct(request):
            return super().log_deletions(request, queryset)  # type: ignore[misc]
        return None

    def _after_proposal(self, request):
        for error in getattr(request, "_registry_proposal_errors", []):
            self.message_user(request, error, messages.ERROR)  # type: ignore[attr-defined]
        made = getattr(request, "_registry_proposals", [])
        if made:
            count = len(made)
            self.message_user(  # type: ignore[attr-defined]
                request,
                ngettext(
                    "Your change was saved as a proposal; it takes effect when a senior "
                    "inspector publishes it.",
                    "Your changes were saved as %(count)s proposals; they take effect when a "
                    "senior inspector publishes them.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        elif not getattr(request, "_registry_proposal_errors", []):
            self.message_user(  # type: ignore[attr-defined]
                request, gettext_now("Nothing was changed."), messages.INFO
            )
        opts = self.model._meta  # type: ignore[attr-defined]
        if len(made) == 1:
            return HttpResponseRedirect(reverse("proposal-detail", args=[made[0].pk]))
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def response_add(self, request, obj, post_url_continue=None):
        if self._direct(request):
            return super().response_add(request, obj, post_url_continue)  # type: ignore[misc]
        return self._after_proposal(request)

    def response_change(self, request, obj):
        if self._direct(request):
            return super().response_change(request, obj)  # type: ignore[misc]
        return self._after_proposal(request)

    def response_delete(self, request, obj_display, obj_id):
        if self._direct(request):
            return super().response_delete(request, obj_display, obj_id)  # type: ignore[misc]
        return self._after_proposal(request)


class ProposalInlineMixin:
    """An inline row of a reviewed record: whoever may propose may ask for its deletion (for them
    a proposal, made by ProposalAdminMixin when the parent is saved)."""

    def has_delete_permission(self, request, obj=None):
        if roles.may_propose(request.user):
            return True
        return super().has_delete_permission(request, obj)  # type: ignore[misc]
