"""The admin site: open to whoever accounts.roles says may open it, signed in on the site.

The admin has no sign-in page of its own: its login URL redirects to the site's sign-in
(/accounts/login/), which applies the lockout and records every attempt.

The screens of records that go through review (each app declares its own: registry.review) get
the review behaviour when they are registered: the classes named by REGISTRY_REVIEW_ADMIN and
REGISTRY_REVIEW_INLINE (accessions.review_admin, above this app, so named, not imported) are
mixed into the screen and its inline rows. No app patches another app's screens.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts import roles
from registry.review import is_reviewed


def _with_review(admin_class: type, mixin_path: str) -> type:
    mixin = import_string(mixin_path)
    if issubclass(admin_class, mixin):
        return admin_class
    return type(admin_class.__name__, (mixin, admin_class), {"__module__": admin_class.__module__})


class RegistryAdminSite(admin.AdminSite):
    site_header = _("Market-access registry: administration")
    site_title = _("Registry administration")
    index_title = _("Records")

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for model in models:
            screen = admin_class or admin.ModelAdmin
            if is_reviewed(model):
                screen = _with_review(screen, settings.REGISTRY_REVIEW_ADMIN)
                screen.inlines = [  # type: ignore[attr-defined]
                    _with_review(inline, settings.REGISTRY_REVIEW_INLINE)
                    if is_reviewed(inline.model)
                    else inline
                    for inline in screen.inlines  # type: ignore[attr-defined]
                ]
            super().register(model, screen, **options)

    def has_permission(self, request):
        return roles.may_open_admin(request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            if self.has_permission(request):
                return super().login(request, extra_context)  # redirects to the index
            raise PermissionDenied(_("Your account does not open the administration."))
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url)
