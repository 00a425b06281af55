import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
django.setup(set_prefix=False)

# Two middleware chains: the machine APIs' lean one and the portal's (simrenew.handlers).
from simrenew.handlers import RoutingHandler  # noqa: E402 - needs the apps loaded above

application = RoutingHandler()

# With PRODUCTION=true and unsafe settings (the dev outbox, the payment sandbox, …) the server must not
# start: this raises, and gunicorn's workers fail to boot.
from simrenew.checks import refuse_unsafe_settings  # noqa: E402 - needs the apps loaded above

refuse_unsafe_settings()
