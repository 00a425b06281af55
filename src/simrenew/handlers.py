"""Django's WSGI handler with two middleware chains: the machine APIs' (settings.MACHINE_API_PREFIXES
through settings.MACHINE_API_MIDDLEWARE) and everything else's (settings.MIDDLEWARE).

Both chains are built when the handler is made (a gunicorn worker at boot, before it serves), each by
Django's own `load_middleware` reading the list it is given. Django's test client routes the same way
with `RoutingClientHandler` (tests/conftest.py, bench/charging_inprocess.py), so tests and the
in-process benchmark see what production serves.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler


def is_machine_api(path: str) -> bool:
    return path.startswith(settings.MACHINE_API_PREFIXES)  # a tuple: one call, no copy a request


@contextmanager
def middleware_setting(paths: list[str]) -> Iterator[None]:
    """settings.MIDDLEWARE is `paths` while a handler loads its chain (and only then: handlers are
    made before any request is served)."""
    full = settings.MIDDLEWARE
    settings.MIDDLEWARE = paths
    try:
        yield
    finally:
        settings.MIDDLEWARE = full


def load_machine_api_middleware(handler: BaseHandler) -> None:
    with middleware_setting(settings.MACHINE_API_MIDDLEWARE):
        BaseHandler.load_middleware(handler)


class MachineApiHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        load_machine_api_middleware(self)


class RoutingHandler(WSGIHandler):
    """The application gunicorn serves (simrenew.wsgi.application)."""

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
            self.machine_api.load_middleware()  # now, not in a request another thread may be loading

        def __call__(self, environ: dict[str, Any]) -> Any:
            if is_machine_api(environ["PATH_INFO"]):
                return self.machine_api(environ)
            return super().__call__(environ)

    return RoutingClientHandler
