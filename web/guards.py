"""The one way a page asks accounts.roles whether the user may see it: anonymous users are sent
to sign in, signed-in users without the ability get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles


def requires(ability: roles.Ability, *, then: str = "account-home") -> Callable:
    """`then`: the page to come back to after signing in, when the guarded view takes only POST."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                back = request.get_full_path() if request.method == "GET" else reverse(then)
                return redirect_to_login(back)
            if not roles.may(request.user, ability):
                raise PermissionDenied(_("Your account does not give access to this page."))
            return view(request, *args, **kwargs)

        return guarded

    return decorator
