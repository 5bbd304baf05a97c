from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegulationsConfig(AppConfig):
    name = "regulations"
    verbose_name = _("Regulations and standards")
    # Records with legal or public effect: an inspector's change is a proposal (registry.review).
    # Topics are public filters of the regulations a product falls under.
    reviewed_models = ("Regulation", "RegulationProduct", "Topic")
