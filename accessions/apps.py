from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessionsConfig(AppConfig):
    name = "accessions"
    verbose_name = _("Market access")
    # Records with legal or public effect: an inspector's change is a proposal (registry.review).
    # The events (the China–Central Asia Summit …) are shown with the accessions they brought.
    reviewed_models = (
        "MarketAccess",
        "AccessState",
        "AccessCondition",
        "Accession",
        "AccessionStage",
        "DiplomaticEvent",
        "EstablishmentRegistration",
        "RegistrationRegime",
    )
