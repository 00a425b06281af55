"""simrenew.handlers: the network's charging API through its own, lean middleware chain, everything else
through settings.MIDDLEWARE; gunicorn's application and the test client route alike."""

import io
import json

import pytest
from django.conf import settings
from django.test import Client

from simrenew.charging import clients
from simrenew.charging.auth import signed_headers
from tests.charging.helpers import create_rates
from tests.factories import create_brand, create_line

pytestmark = pytest.mark.django_db
CHARGING = "/api/nchf-convergedcharging/v3/chargingdata"
CSP = "Content-Security-Policy"


def create_body(line):
    return {
        "subscriberIdentifier": f"msisdn-{line.msisdn[1:]}",
        "nfConsumerIdentification": {"nodeFunctionality": "SMF"},
        "invocationSequenceNumber": 0,
        "multipleUnitUsage": [{"ratingGroup": 10, "requestedUnit": {"totalVolume": 1024}}],
    }


@pytest.fixture
def application():
    """gunicorn's application, its requests kept off the test's database connection (which
    request_started and request_finished would close, as Django's test client also prevents)."""
    from django.core import signals
    from django.db import close_old_connections

    from simrenew.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def wsgi_post(application, path, body, headers):
    """A request as gunicorn hands it to the application."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    environ.update({f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    content = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], content


def test_the_machine_apis_chain_is_the_full_one_less_what_serves_a_browser():
    machine = settings.MACHINE_API_MIDDLEWARE
    assert [m for m in settings.MIDDLEWARE if m in machine] == machine  # the same order
    browser_only = ["sessions.middleware.SessionMiddleware", "csrf.CsrfViewMiddleware", "AuthenticationMiddleware"]
    for skipped in browser_only:
        assert not any(path.endswith(skipped) for path in machine)
    # What every request needs stays: its id, its metrics, hostile input refused, the nonce recorded.
    for needed in ["RequestIdMiddleware", "RequestMetricsMiddleware", "UnreadableInputMiddleware"]:
        assert any(path.endswith(needed) for path in machine)
    assert "simrenew.terminals.auth.RecordPendingNonce" in machine


def test_gunicorns_application_decides_a_charging_request_through_the_lean_chain(application):
    brand = create_brand()
    create_rates(brand)
    line = create_line(brand, credit=100)
    network, secret = clients.register_client(name="SMF")
    body = json.dumps(create_body(line)).encode()
    headers = signed_headers(key_id=network.key_id, secret=secret, method="POST", url=CHARGING, body=body)
    headers["Idempotency-Key"] = "session-1"
    status, answered, content = wsgi_post(application, CHARGING, body, headers)
    assert status == 201, content
    assert json.loads(content)["multipleUnitInformation"][0]["grantedUnit"]["totalVolume"] == 1024
    assert "X-Request-ID" in answered  # the lean chain's own middleware ran
    assert CSP not in answered and "X-Frame-Options" not in answered  # the browser's did not

    refused_status, _, refused = wsgi_post(application, CHARGING, body, {})
    assert refused_status == 401
    assert json.loads(refused)["code"] == "network_auth_refused"


def test_a_page_still_goes_through_the_browser_middleware(application):
    status, answered, _ = wsgi_post(application, "/en/login/", b"", {})
    # A POST without its CSRF token: refused by CsrfViewMiddleware, which only the full chain has.
    assert status == 403
    assert CSP in answered


def test_the_test_client_routes_as_gunicorn_does(client: Client):
    charging = client.post(CHARGING, data=b"{}", content_type="application/json")
    assert charging.status_code == 401
    assert CSP not in charging.headers and "Set-Cookie" not in charging.headers
    page = client.get("/en/login/")
    assert page.status_code == 200
    assert CSP in page.headers and "X-Frame-Options" in page.headers


def test_the_objects_made_to_start_are_kept_out_of_the_collectors_passes(application):
    import gc

    assert gc.get_freeze_count() > 10_000


@pytest.mark.django_db(transaction=True)
def test_a_client_made_while_a_machine_chain_loads_still_gets_the_full_chain(django_user_model):
    """A test thread may make its client while another's machine chain has settings.MIDDLEWARE
    swapped: that client waits, then builds the full chain (a page sees request.user)."""
    import threading

    from simrenew.handlers import middleware_setting

    answers: list[int] = []

    def visit() -> None:
        answers.append(Client().get("/en/account/").status_code)  # the login redirect needs request.user

    with middleware_setting(settings.MACHINE_API_MIDDLEWARE):
        visitor = threading.Thread(target=visit)
        visitor.start()
        visitor.join(timeout=0.5)
        assert visitor.is_alive()  # waiting for the swap to end, not loading the machine chain
    visitor.join(timeout=30)
    assert answers == [302]
