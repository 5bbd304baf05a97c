"""Database constraints and validators shared by the apps' models: HS codes, dated validity,
choices, exactly one of several fields."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

HS6_REGEX = r"^[0-9]{6}$"
hs6_validator = RegexValidator(HS6_REGEX, _("An HS code has exactly six digits, e.g. 100590."))


def validity_constraint(prefix: str, start: str = "valid_from", end: str = "valid_until"):
    """valid_from <= valid_until, enforced by the database (either may be open)."""
    return models.CheckConstraint(
        condition=(
            models.Q(**{f"{start}__isnull": True})
            | models.Q(**{f"{end}__isnull": True})
            | models.Q(**{f"{start}__lte": models.F(end)})
        ),
        name=f"{prefix}_{start}_before_{end}",
        violation_error_message=_("The end date cannot be before the start date."),
    )


def choices_constraint(prefix: str, field: str, choices: type[models.TextChoices], blank=False):
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": allowed}),
        name=f"{prefix}_{field}_valid",
        violation_error_message=_("%(field)s must be one of: %(values)s.")
        % {"field": field, "values": ", ".join(choices.values)},
    )


def exactly_one_of(*fields: str) -> models.Q:
    """Exactly one of `fields` is set (a CheckConstraint condition)."""
    condition = models.Q()
    for chosen in fields:
        case = models.Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                case &= models.Q(**{f"{other}__isnull": True})
        condition |= case
    return condition
