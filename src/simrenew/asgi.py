import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
application = get_asgi_application()

# As in simrenew.wsgi: with PRODUCTION=true and unsafe settings the server must not start.
from simrenew.checks import refuse_unsafe_settings  # noqa: E402 - needs the apps loaded above

refuse_unsafe_settings()
