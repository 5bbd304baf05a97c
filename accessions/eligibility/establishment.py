"""The producer's registration with GACC: whether the registration asked about lets the product
in on the date (its country, the products it covers, its status and its dates on the one rule of
accessions.validity)."""

from __future__ import annotations

import datetime as dt

from accessions.eligibility.answer import EligibilityAnswer, Reason
from accessions.models import STOPPED_REGISTRATION_STATUSES, EstablishmentRegistration, MarketAccess
from registry.localize import gettext as _


def establishment_reasons(
    access: MarketAccess,
    number: str,
    on: dt.date,
    answer: EligibilityAnswer,
    establishment: EstablishmentRegistration | None,
) -> list[Reason]:
    """What refuses the registration `number` for the product on `on` (empty where it lets the
    product in); a registration on record is put on the answer."""
    if establishment is None:
        return [
            Reason(
                "establishment_not_registered",
                _("No registration %(number)s is on record.") % {"number": number},
            )
        ]
    answer.establishment = establishment
    if establishment.country_id != access.country_id:
        return [
            Reason(
                "establishment_wrong_country",
                _("Registration %(number)s belongs to %(country)s.")
                % {
                    "number": establishment.registration_number,
                    "country": establishment.country.name,
                },
            )
        ]
    if not establishment.covers_product:  # type: ignore[attr-defined]
        return [
            Reason(
                "establishment_not_for_product",
                _("Registration %(number)s does not cover %(product)s.")
                % {"number": establishment.registration_number, "product": access.product.name},
            )
        ]
    stopped_on = establishment.stopped_on
    if (
        establishment.status in STOPPED_REGISTRATION_STATUSES
        and stopped_on is not None
        and stopped_on <= on
    ):
        return [
            Reason(
                "establishment_suspended",
                _("Registration %(number)s is %(status)s since %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "status": establishment.get_status_display(),
                    "date": stopped_on.isoformat(),
                },
            )
        ]
    if on < establishment.registered_on:
        return [
            Reason(
                "establishment_not_yet_registered",
                _("Registration %(number)s starts on %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "date": establishment.registered_on.isoformat(),
                },
            )
        ]
    end = establishment.effective_end  # type: ignore[attr-defined]
    if on > end:
        return [
            Reason(
                "establishment_registration_expired",
                _("Registration %(number)s expired on %(date)s.")
                % {
                    "number": establishment.registration_number,
                    "date": end.isoformat(),
                },
            )
        ]
    return []


def registration_valid_reason(registration: EstablishmentRegistration, number: str) -> Reason:
    """The registration asked about lets the product in: until when, and whether that end is an
    automatic extension by the regime in force on its expiry."""
    return Reason(
        "establishment_registered",
        (
            _(
                "Registration %(number)s is valid until %(date)s (extended "
                "automatically by the regime in force on its expiry; no exclusion "
                "is recorded)."
            )
            if registration.effective_end  # type: ignore[attr-defined]
            != registration.effective_until
            else _("Registration %(number)s is valid until %(date)s.")
        )
        % {"number": number, "date": registration.effective_end},  # type: ignore[attr-defined]
    )
