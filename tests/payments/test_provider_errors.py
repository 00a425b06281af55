"""Provider errors say whether retrying can help: a job runner reads `transient` to retry with backoff
(a network error, a timeout, a 5xx, rate limiting) or give up at once (a 4xx, a malformed id)."""

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mollie.api.error import IdentifierError, RequestError, ResponseError, ResponseHandlingError

from simrenew.payments.mollie import MollieProvider, _error
from simrenew.payments.provider import ProviderError, ProviderRefused
from simrenew.sandbox import service as sandbox

TEST_KEY = "test_providertests00000000000000000"


def mollie_answer(status: int) -> ResponseError:
    return ResponseError.factory({"status": status, "title": "Some title", "detail": f"answered {status}"})


@pytest.mark.parametrize("status", [400, 404, 409, 410, 422])
def test_a_4xx_answer_is_a_refusal(status):
    error = _error("Mollie said no", mollie_answer(status))
    assert type(error) is ProviderRefused
    assert getattr(error, "transient", None) is False
    assert f"answered {status}" in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_answer_may_pass_later(status):
    error = _error("Mollie failed", mollie_answer(status))
    assert type(error) is ProviderError
    assert getattr(error, "transient", None) is True


@pytest.mark.parametrize("status", [401, 403, 408, 429])
def test_rate_limits_timeouts_and_our_credentials_are_no_verdict_on_the_call(status):
    # A wrong API key must never read as "this mandate is no longer valid": renewals would end it.
    error = _error("Mollie failed", mollie_answer(status))
    assert type(error) is ProviderError
    assert error.transient is True


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (RequestError("Unable to communicate with Mollie: connection refused"), ProviderError),
        (ResponseHandlingError("Unable to decode Mollie API response (status code: 502)"), ProviderError),
        (IdentifierError("Invalid payment ID 'x'. A payment ID should start with 'tr_'."), ProviderRefused),
    ],
)
def test_errors_the_client_raises_without_an_answer(raised, expected):
    error = _error("Mollie", raised)
    assert type(error) is expected
    assert error.transient is (expected is ProviderError)


# --- The same, through the official client over HTTP


class CannedHandler(BaseHTTPRequestHandler):
    """Answers every request with the server's canned (status, content type, body), or never."""

    server: "CannedServer"

    def _answer(self) -> None:
        self.server.requests += 1
        if self.server.hang.is_set():
            self.server.release.wait(timeout=10)
            return
        status, content_type, body = self.server.answer
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:  # quiet in test output
        pass


class CannedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CannedHandler)
        self.answer: tuple[int, str, str] = (200, "application/json", "{}")
        self.hang = threading.Event()
        self.release = threading.Event()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def canned() -> Iterator[CannedServer]:
    server = CannedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def provider_at(settings, endpoint: str) -> MollieProvider:
    settings.MOLLIE_API_ENDPOINT = endpoint
    settings.MOLLIE_API_KEY = TEST_KEY
    provider = MollieProvider()
    provider.client.set_timeout((1, 0.5))
    return provider


CALLS: dict[str, Callable[[MollieProvider], object]] = {
    "get_payment": lambda provider: provider.get_payment("tr_abcdefghij"),
    "refund": lambda provider: provider.refund(
        payment_id="tr_abcdefghij", amount=100, currency="EUR", idempotency_key="order:1:refund"
    ),
}


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.parametrize("call", CALLS)
def test_a_provider_that_cannot_be_reached_is_a_transient_error(settings, call):
    provider = provider_at(settings, f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(ProviderError) as caught:
        CALLS[call](provider)
    assert type(caught.value) is ProviderError and caught.value.transient is True
    assert isinstance(caught.value.__cause__, RequestError)
    assert "Unable to communicate with Mollie" in str(caught.value)


@pytest.mark.parametrize("call", CALLS)
def test_a_provider_that_does_not_answer_in_time_is_a_transient_error(settings, canned, call):
    canned.hang.set()
    provider = provider_at(settings, canned.url)
    with pytest.raises(ProviderError) as caught:
        CALLS[call](provider)
    assert type(caught.value) is ProviderError and caught.value.transient is True
    assert "timed out" in str(caught.value).lower()


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((503, "application/json", '{"status": 503, "title": "Unavailable", "detail": "Try later"}'), ProviderError),
        ((502, "text/html", "<html><body>Bad gateway</body></html>"), ProviderError),  # a proxy's page
        ((429, "application/json", '{"status": 429, "title": "Too Many", "detail": "Slow down"}'), ProviderError),
        ((404, "application/json", '{"status": 404, "title": "Not Found", "detail": "No payment"}'), ProviderRefused),
        ((422, "application/json", '{"status": 422, "title": "Unprocessable", "detail": "No"}'), ProviderRefused),
    ],
)
def test_answers_are_classified_by_status(settings, canned, call, answer, expected):
    canned.answer = answer
    provider = provider_at(settings, canned.url)
    with pytest.raises(ProviderError) as caught:
        CALLS[call](provider)
    assert type(caught.value) is expected
    assert caught.value.transient is (expected is ProviderError)
    assert canned.requests == 1  # the client does not retry an answer; retrying is the caller's choice


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_refusals_are_refusals(live_server, settings):
    provider = provider_at(settings, live_server.url + "/sandbox/mollie")
    provider.client.set_timeout((2, 10))
    with pytest.raises(ProviderRefused, match="tr_missing"):
        provider.get_payment("tr_missing")  # 404
    with pytest.raises(ProviderRefused):
        provider.get_payment("not-a-payment-id")  # refused by the client before any request
    unpaid = provider.create_payment(
        amount=1000,
        currency="EUR",
        description="Top-up",
        method="creditcard",
        redirect_url="https://shop.example/return/",
        webhook_url="",
        metadata={},
        idempotency_key="errors-1",
        locale="en",
    )
    with pytest.raises(ProviderRefused):
        provider.refund(payment_id=unpaid.id, amount=100, currency="EUR", idempotency_key="refund-unpaid")
    sandbox.set_status(unpaid.id, "paid")
    assert provider.get_payment(unpaid.id).status == "paid"
