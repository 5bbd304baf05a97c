from django.apps import AppConfig


class AccessionsConfig(AppConfig):
    name = "accessions"
    verbose_name = "Market access"
