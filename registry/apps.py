from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = "Catalogue"


class RegistryAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that asks registry.roles who may open it."""

    default = False
    default_site = "registry.admin_site.RegistryAdminSite"
