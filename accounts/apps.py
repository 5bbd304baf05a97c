from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts")


class RegistryAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that asks accounts.roles who may open it."""

    default = False
    default_site = "accounts.admin_site.RegistryAdminSite"
