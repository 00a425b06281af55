import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
application = get_wsgi_application()

# With PRODUCTION=true and unsafe settings (the dev outbox, the payment sandbox, …) the server must not
# start: this raises, and gunicorn's workers fail to boot.
from simrenew.checks import refuse_unsafe_settings  # noqa: E402 - needs the apps loaded above

refuse_unsafe_settings()
