"""Which records go through review: each app declares its own, by model name, on its AppConfig
(`reviewed_models`); this module only reads the declarations.

A record with legal or public effect (what the checker, the API, the public pages or the
notifications read) is never changed directly by an inspector: a change is a proposal
(accessions.services.proposing) a senior inspector publishes (accessions.services.deciding). The
app that owns a model says whether it is such a record, so nobody patches another app's screens;
the admin site applies the review to the screens of every declared model (accounts.admin_site),
and the proposal service accepts only declared models.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import models


@cache
def reviewed_models() -> tuple[type[models.Model], ...]:
    """Every model some installed app declares as going through review."""
    return tuple(
        config.get_model(name)
        for config in apps.get_app_configs()
        for name in getattr(config, "reviewed_models", ())
    )


def is_reviewed(model: type[models.Model]) -> bool:
    """Whether changes to records of `model` go through review (a model's own class, not a
    subclass or proxy the owner did not declare)."""
    return model in reviewed_models()
