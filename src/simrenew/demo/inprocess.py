"""HTTP to the demo's own site, answered in this process: for loading demo history with no server running.

Inside `serving_in_process(origin)` every `requests` call to `origin` (the payment client talking to
the payment sandbox, the sandbox posting its webhook back) is handed to Django's request handler in the
calling thread, as a browser's or Mollie's request would be by the web server. Running in the same
thread keeps a pinned clock (`kit.clock.pinned`) and uses the same database connection, so the demo's
past sales are paid and fulfilled at the moment they are made. Calls to any other address go out as
usual.
"""

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from django.test import Client
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _answer(request: requests.PreparedRequest) -> requests.Response:
    parts = urlsplit(request.url or "")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    headers = {
        name: value if isinstance(value, str) else value.decode("latin-1")
        for name, value in request.headers.items()
        if name.lower() not in {"content-type", "content-length", "host"}
    }
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    client = Client(headers={"host": parts.netloc}, raise_request_exception=True)
    answer = client.generic(
        request.method or "GET",
        path,
        data=body,
        content_type=content_type,
        secure=parts.scheme == "https",
        headers=headers,
    )
    response = requests.Response()
    response.status_code = answer.status_code
    response._content = b"".join(answer) if answer.streaming else answer.content
    response.headers = CaseInsensitiveDict(dict(answer.items()))
    response.url = request.url or ""
    response.request = request
    response.encoding = "utf-8"
    response.reason = answer.reason_phrase
    return response


@contextlib.contextmanager
def serving_in_process(origin: str) -> Iterator[None]:
    """Answer `requests` calls to `origin` (scheme://host:port) in this process while the block runs."""
    served = _origin(origin)
    original = HTTPAdapter.send

    def send(adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if _origin(request.url or "") == served:
            return _answer(request)
        return original(adapter, request, *args, **kwargs)

    HTTPAdapter.send = send  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]
