import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# WSGI middleware in front of Django's handler (named in settings: the wiring imports no app),
# the first named outermost: a repeated eligibility question is answered there (issue 23).
for wrapper in reversed(settings.REGISTRY_WSGI_WRAPPERS):
    application = import_string(wrapper)(application)

# What the serving process starts besides answering requests (named in settings, so the project
# wiring does not import the apps): in the embedded mode, the daily expiry sweep thread.
for hook in settings.REGISTRY_ON_SERVE:
    import_string(hook)()
