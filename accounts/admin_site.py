"""The admin site: open to whoever accounts.roles says may open it, signed in on the site.

The admin has no sign-in page of its own: its login URL redirects to the site's sign-in
(/accounts/login/), which applies the lockout and records every attempt.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import roles


class RegistryAdminSite(admin.AdminSite):
    site_header = _("Market-access registry: administration")
    site_title = _("Registry administration")
    index_title = _("Records")

    def has_permission(self, request):
        return roles.may_open_admin(request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            if self.has_permission(request):
                return super().login(request, extra_context)  # redirects to the index
            raise PermissionDenied(_("Your account does not open the administration."))
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url)
