"""Django's WSGI handler with two middleware chains: the machine APIs' (settings.MACHINE_API_PREFIXES
through settings.MACHINE_API_MIDDLEWARE) and everything else's (settings.MIDDLEWARE).

Both chains are built when the handler is made (a gunicorn worker at boot, before it serves), each by
Django's own `load_middleware` reading the list it is given. Django's test client routes the same way
with `RoutingClientHandler` (tests/conftest.py, bench/charging_inprocess.py), so tests and the
in-process benchmark see what production serves.

The machine chain is built by swapping settings.MIDDLEWARE for a moment, which a chain loading in
another thread at that moment would read: every chain here is loaded under one lock, and the test
client's handler builds both of its chains when it is made, not in its first request (test threads
make clients while others serve).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler


def is_machine_api(path: str) -> bool:
    return path.startswith(settings.MACHINE_API_PREFIXES)  # a tuple: one call, no copy a request


_loading = threading.Lock()


@contextmanager
def middleware_setting(paths: list[str]) -> Iterator[None]:
    """settings.MIDDLEWARE is `paths` while a handler loads its chain, and no other chain here loads
    meanwhile."""
    with _loading:
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = paths
        try:
            yield
        finally:
            settings.MIDDLEWARE = full


def load_machine_api_middleware(handler: BaseHandler) -> None:
    with middleware_setting(settings.MACHINE_API_MIDDLEWARE):
        BaseHandler.load_middleware(handler)


def load_full_middleware(handler: BaseHandler) -> None:
    """settings.MIDDLEWARE as it is, never read while a machine chain has it swapped."""
    with _loading:
        BaseHandler.load_middleware(handler)


class MachineApiHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        load_machine_api_middleware(self)


class RoutingHandler(WSGIHandler):
    """The application gunicorn serves (simrenew.wsgi.application)."""

    def load_middleware(self, is_async: bool = False) -> None:
        load_full_middleware(self)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.machine_api = MachineApiHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if is_machine_api(environ.get("PATH_INFO", "")):
            return self.machine_api(environ, start_response)
        return super().__call__(environ, start_response)


def routing_client_handler() -> type:
    """A django.test.client.ClientHandler that routes as RoutingHandler does (django.test is imported
    only when this is called)."""
    from django.test import client

    class MachineApiClientHandler(client.ClientHandler):
        def load_middleware(self, is_async: bool = False) -> None:
            load_machine_api_middleware(self)

    class RoutingClientHandler(client.ClientHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.machine_api = MachineApiClientHandler(*args, **kwargs)
            # Both chains now, not in a first request (Django's client loads lazily).
            self.machine_api.load_middleware()
            self.load_middleware()

        def load_middleware(self, is_async: bool = False) -> None:
            load_full_middleware(self)

        def __call__(self, environ: dict[str, Any]) -> Any:
            if is_machine_api(environ["PATH_INFO"]):
                return self.machine_api(environ)
            return super().__call__(environ)

    return RoutingClientHandler
