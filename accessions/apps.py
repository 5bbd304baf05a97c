from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessionsConfig(AppConfig):
    name = "accessions"
    verbose_name = _("Market access")
