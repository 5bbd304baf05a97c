from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = _("Catalogue")


class RegistryAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that asks registry.roles who may open it."""

    default = False
    default_site = "registry.admin_site.RegistryAdminSite"
