import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What the serving process starts besides answering requests (named in settings, so the project
# wiring does not import the apps): in the embedded mode, the daily expiry sweep thread.
for hook in settings.REGISTRY_ON_SERVE:
    import_string(hook)()
