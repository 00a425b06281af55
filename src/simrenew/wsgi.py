import gc
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

# What the application made to start (modules, settings, URL patterns, models, translations: about a
# hundred thousand objects that live as long as the process) is left out of the garbage collector's
# passes from here on. In the charging benchmark a full pass stopped a worker for 140-150 ms (once a
# worker in a three-minute run); with these objects frozen, 50-60 ms (docs/performance.md).
gc.collect()
gc.freeze()
