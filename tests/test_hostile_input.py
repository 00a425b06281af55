"""Hostile input never gets a 500: every page of the portal, the shop desk, the POS and the kiosk, and
every operation of the JSON API, is fed other scripts' digits ('²', '①', '٣', fullwidth), RTL marks,
NULs, lone surrogates and very long strings, in every form field, query parameter and path part.

The pages are found by walking the URL patterns; the forms by reading each page as a browser would
(its fields, their values, its one-time keys). API operations come from the OpenAPI document, and a
test fails when one is added without a valid request here to start from. Each answer must be
below 500; the API's must be JSON. Bounded: a few explicit and a few generated examples per page
or operation, derandomised (NUL matters on PostgreSQL: run with DATABASE_URL=postgres://… too).
"""

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from simrenew.api.urls import api
from simrenew.charging.clients import register_client
from simrenew.customers import service as customers
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.models import Purpose
from simrenew.terminals.models import TerminalKind
from simrenew.terminals.signing import signed_headers
from simrenew.web.kiosk import urls as kiosk_urls
from simrenew.web.kiosk.views import line_ref
from simrenew.web.portal import urls as portal_urls
from simrenew.web.pos import urls as pos_urls
from simrenew.web.shop import urls as shop_urls
from tests.factories import (
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
)
from tests.factories import link as link_line
from tests.kiosks.factories import create_kiosk, enrol_screen
from tests.retail.factories import (
    TerminalClient,
    create_cashier,
    create_outlet,
    create_retailer,
    create_terminal,
    set_rate,
)
from tests.shops.factories import create_shop, create_staff, staff_client

pytestmark = pytest.mark.django_db

# What people paste or type that str.isdigit(), int() or a database trips over.
SAMPLES = [
    "²",
    "①",
    "٣",
    "\uff13",  # fullwidth 3
    "٠٤٧٠١٢٣٤٥٦",
    "0470 12 34 56".translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),  # fullwidth
    "0470 12 34 5٦",
    "1²",
    "\u200f0470123456",
    "\u202e654321\u202c",
    "\x00",
    "0470\x00123456",
    "²" * 300,
    "9" * 20_000,
    "-1",
    "1e400",
]
# Where str.isdigit() says yes and int() fails: one character, and as many as a voucher PIN has.
SWEEP = ("²", "²" * 15)
HOSTILE_ALPHABET = list("0123456789 -+./²³①٣۳߃\uff13\u200f\u202e\u00a0\x00")
HOSTILE = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(alphabet=st.sampled_from(HOSTILE_ALPHABET), min_size=1, max_size=24),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12),
)
# JSON carries what a form post cannot: lone surrogates.
HOSTILE_JSON = st.one_of(HOSTILE, st.sampled_from(["\ud800", "12\udfff34", "\x00\ud83d"]))
BOUNDED = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
COMMON_QUERY = ["number", "amount", "product", "code", "page", "format", "date", "scope", "limit", "from", "next"]


# --- The world the pages and operations act on -------------------------------------------------


class World:
    """One of everything a page or an operation needs: a line and its holder, a shop desk, a till, a
    kiosk (enrolled screen and API terminal), an SMS gateway, and the browsers logged into each."""

    def __init__(self) -> None:
        self.brand = create_brand(code="base", name="BASE")
        create_topup_product(self.brand)
        self.bundle = create_bundle(self.brand, code="base-15", price_amount=1500)
        self.line = create_line(self.brand, msisdn="+32470123456", credit=5000)
        self.customer = create_customer()
        link_line(self.customer, self.line)
        self.order = create_order(customer=self.customer, line=self.line, product=self.bundle, method="credit")
        with transaction.atomic():
            create_line(self.brand, msisdn="+32470654321")  # a number the customer is linking
            self.challenge = customers.start_line_link(customer=self.customer, raw_number="0470654321")
        self.shop = create_shop()
        self.retailer = create_retailer(float_amount=100_000)
        set_rate(self.retailer, self.brand, 300)
        self.outlet = create_outlet(self.retailer)
        self.kiosk = create_kiosk("hall", with_terminal=True)
        with transaction.atomic():
            self.session = kiosks.open_cash_session(kiosk=self.kiosk, line=self.line, purpose=Purpose.TOPUP)
            self.check = kiosks.start_balance_check(
                kiosk=self.kiosk, line=self.line, language="en", requester=kiosks.Requester()
            )
        self.browsers = {"anonymous": Client(), "customer": Client(), "kiosk": Client(), "pos": Client()}
        self.browsers["customer"].force_login(self.customer)
        self.browsers["shop"] = staff_client(create_staff(self.shop))
        self.browsers["pos"].force_login(create_cashier(self.outlet))
        enrol_screen(self.browsers["kiosk"], self.kiosk)
        pos_terminal, pos_secret = create_terminal(self.outlet)
        sms_terminal, sms_secret = create_terminal(None, kind=TerminalKind.SMS_GATEWAY)
        assert self.kiosk.terminal is not None
        self.terminals = {
            "pos": TerminalClient(Client(), pos_terminal.key_id, pos_secret),
            "kiosk": TerminalClient(Client(), self.kiosk.terminal.key_id, self.kiosk._test_secret),  # type: ignore[attr-defined]
            "sms": TerminalClient(Client(), sms_terminal.key_id, sms_secret),
            "ussd": TerminalClient(Client(), sms_terminal.key_id, sms_secret),
            "nchf-convergedcharging": TerminalClient(Client(), *network_client("SMF")),
        }

    def kwargs_for(self, area: str, name: str, keys: list[str]) -> dict[str, Any]:
        """Real values for a URL's parameters, so that the page opens and its forms can be read."""
        known = {
            "line_id": self.line.pk,
            "challenge_id": self.challenge.pk,
            "mandate_id": 1,
            "message_id": 1,
            "uidb64": "MQ",
            "token": self.check.token if name.startswith("balance") else self.session.token,
            "number": self.order.number,
            "kiosk": self.kiosk.code,
            "action": "topup",
            "ref": line_ref(self.kiosk, self.line),
            "code": self.brand.code,
            "reference": "shop:1:none",
        }
        if name in {"verify_email", "password_reset_confirm"}:
            known["token"] = "set-password"
        return {key: known[key] for key in keys}


def network_client(name: str) -> tuple[str, str]:
    client, secret = register_client(name=name)
    return client.key_id, secret


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(settings):
    """Rate limits would refuse later attempts before they reach the parsing under test."""
    settings.VOUCHER_MAX_FAILURES = settings.VOUCHER_MAX_FAILURES_SHARED = 1_000_000
    settings.KIOSK_BALANCE_SMS_COOLDOWN_SECONDS = 0
    settings.KIOSK_BALANCE_SMS_PER_NUMBER_PER_DAY = settings.KIOSK_BALANCE_SMS_PER_VISIT = 1_000_000
    settings.KIOSK_BALANCE_SMS_PER_DEVICE = settings.KIOSK_BALANCE_SMS_PER_KIOSK = 1_000_000


# --- Pages -------------------------------------------------------------------------------------

AREAS = {"portal": portal_urls, "shop": shop_urls, "pos": pos_urls, "kiosk": kiosk_urls}
# Who opens the pages of an area; the portal's public pages are tried by an anonymous visitor too.
VISITORS = {"portal": "customer", "shop": "shop", "pos": "pos", "kiosk": "kiosk"}
PUBLIC = {"home", "register", "login", "password_reset", "password_reset_confirm", "verify_email", "verify_receipt"}
# Pages whose POST ends the browser's session: the rest of the run needs it.
SKIPPED = {"logout"}


def pages() -> list[Any]:
    found = []
    for area, module in AREAS.items():
        for pattern in module.urlpatterns:
            if not isinstance(pattern, URLPattern) or pattern.name in SKIPPED:
                continue
            found.append(pytest.param(area, pattern, VISITORS[area], id=f"{area}:{pattern.name}"))
            if area == "portal" and pattern.name in PUBLIC:
                found.append(pytest.param(area, pattern, "anonymous", id=f"{area}:{pattern.name}:anonymous"))
    return found


class FormReader(HTMLParser):
    """The forms of a page as a browser sees them: action, method, and each field's value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({"action": attr.get("action", ""), "method": attr.get("method", "get").lower()})
            self.forms[-1].update(fields={}, buttons={})
            return
        if not self.forms:
            return
        if tag == "option" and self._select is not None:
            fields = self.forms[-1]["fields"]
            if not fields[self._select] or "selected" in attr:
                fields[self._select] = attr.get("value", "")
            return
        if "name" not in attr:
            return
        form, name = self.forms[-1], attr["name"]
        if tag == "button" or attr.get("type") == "submit":
            form["buttons"][name] = attr.get("value", "")
        elif tag == "input" and attr.get("type") in {"radio", "checkbox"}:
            if name not in form["fields"] or "checked" in attr:
                form["fields"][name] = attr.get("value", "on")
        elif tag in {"input", "textarea"}:
            form["fields"][name] = attr.get("value", "")
        elif tag == "select":
            self._select = name
            form["fields"][name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


# Plausible values for empty fields, so that a hostile value in one field reaches the code behind the others.
PLAUSIBLE = {
    "number": "0470 12 34 56",
    "email": "someone@example.be",
    "username": "someone@example.be",
    "code": "123456",
    "pin": "123456789012345",
    "amount": "1000",
    "document_number": "591-1234567-53",
    "date_of_birth": "1990-01-31",
    "nationality": "BE",
    "day": "2026-01-31",
    "limit": "10",
}


def read_forms(response: Any) -> list[dict[str, Any]]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    reader = FormReader()
    reader.feed(response.content.decode())
    for form in reader.forms:
        for name, value in form["fields"].items():
            if not value and name in PLAUSIBLE:
                form["fields"][name] = PLAUSIBLE[name]
    return reader.forms


def url_of(area: str, pattern: URLPattern, kwargs: dict[str, Any]) -> str:
    return reverse(f"{area}:{pattern.name}", kwargs=kwargs or None)


def path_with(area: str, pattern: URLPattern, kwargs: dict[str, Any], key: str, value: str) -> str:
    """The page's path with one parameter replaced by `value`, percent-encoded as a browser sends it."""
    marker = "zzhostilezz"
    return url_of(area, pattern, {**kwargs, key: marker}).replace(marker, quote(value, safe=""))


def below_500(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


EVERY_FIELD = -1


def post_forms(browser: Client, page: str, value: str, pick: int) -> int:
    """Open the page (fresh one-time keys), then send each of its forms with `value` in field number
    `pick` (its other fields as the page filled them), or in every field (EVERY_FIELD). Returns how
    many fields the page's largest form has."""
    opened = browser.get(page)
    below_500(opened, f"GET {page}")
    largest = 0
    for form in read_forms(opened):
        if "logout" in form["action"]:
            continue  # the rest of the run needs the browser's session
        fields, names = form["fields"], [*form["fields"], *form["buttons"]]
        largest = max(largest, len(names))
        if not names or pick >= len(names):
            continue
        hostile = {name: value for name in fields} if pick == EVERY_FIELD else {**fields, names[pick]: value}
        send = browser.post if form["method"] == "post" else browser.get
        target = "every field" if pick == EVERY_FIELD else names[pick]
        below_500(send(form["action"] or page, hostile), f"{form['method']} {page} {target}")
    return largest


@pytest.mark.parametrize(("area", "pattern", "visitor"), pages())
def test_no_page_answers_hostile_input_with_a_server_error(world, area, pattern, visitor):
    browser = world.browsers[visitor]
    keys = list(pattern.pattern.converters)
    kwargs = world.kwargs_for(area, pattern.name, keys)
    converters = pattern.pattern.converters
    text_keys = [key for key in keys if type(converters[key]).__name__ in {"StringConverter", "SlugConverter"}]
    page = url_of(area, pattern, kwargs)

    def query(value: str, names: list[str]) -> None:
        below_500(browser.get(f"{page}?{urlencode(dict.fromkeys(names, value))}"), f"GET {page}?{names}=…")

    def path(value: str, key: str) -> None:
        below_500(browser.get(path_with(area, pattern, kwargs, key, value)), f"GET {page} with {key}=…")

    # Every field, query parameter and path part with '²' (str.isdigit() says yes, int() fails), alone
    # and as long as a PIN; then NUL everywhere at once.
    largest = post_forms(browser, page, "²", 0)
    for pick in range(largest):
        for value in SWEEP:
            post_forms(browser, page, value, pick)
    post_forms(browser, page, "\x00", EVERY_FIELD)
    for value in (*SWEEP, "\x00"):
        query(value, COMMON_QUERY)
        for key in text_keys:
            path(value, key)

    # Then what hypothesis makes up, one place at a time.
    @BOUNDED
    @given(value=HOSTILE, pick=st.integers(min_value=EVERY_FIELD, max_value=12))
    def attack(value: str, pick: int) -> None:
        post_forms(browser, page, value, pick % max(largest, 1) if pick != EVERY_FIELD else pick)
        query(value, [COMMON_QUERY[pick % len(COMMON_QUERY)]])
        if text_keys:
            path(value, text_keys[pick % len(text_keys)])

    attack()


def test_the_pages_with_numbers_are_reached_and_their_forms_read(world):
    # The walk above must reach the forms that take digits; if a page stopped opening for its
    # visitor, the test would pass while testing nothing.
    expected = {
        ("customer", "portal:redeem_voucher"): {"number", "code"},
        ("customer", "portal:topup"): {"number"},
        ("customer", "portal:link_line_code"): {"code"},
        ("shop", "shop:identify"): {"document_number", "date_of_birth"},
        ("kiosk", "kiosk:voucher"): {"pin"},
        ("kiosk", "kiosk:balance_code"): {"code"},
        ("kiosk", "kiosk:number"): {"number"},
    }
    for (visitor, name), fields in expected.items():
        area, _sep, short = name.partition(":")
        pattern = next(p for p in AREAS[area].urlpatterns if getattr(p, "name", None) == short)
        page = url_of(area, pattern, world.kwargs_for(area, short, list(pattern.pattern.converters)))
        forms = read_forms(world.browsers[visitor].get(page))
        assert fields <= {name for form in forms for name in form["fields"]}, page


# --- The JSON API --------------------------------------------------------------------------------

# A valid request of every operation: (path parameters, query, body), mutated one part at a time.
CHARGING_REQUEST = {
    "subscriberIdentifier": "msisdn-32470123456",
    "invocationSequenceNumber": 1,
    "multipleUnitUsage": [
        {"ratingGroup": 10, "requestedUnit": {"totalVolume": 1000}, "usedUnitContainer": [{"totalVolume": 10}]}
    ],
}
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/public/brands"): {},
    ("GET", "/api/public/receipts/{number}/verify"): {"path": {"number": "R-1"}, "query": {"code": "ABCD2345"}},
    ("GET", "/api/pos/lines/{number}"): {"path": {"number": "0470123456"}},
    ("GET", "/api/pos/products"): {"query": {"brand": "base"}},
    ("POST", "/api/pos/quotes"): {"body": {"number": "0470123456", "product_code": "base-15"}},
    ("POST", "/api/pos/sales"): {"body": {"number": "0470123456", "product_code": "base-15"}},
    ("POST", "/api/pos/vouchers"): {"body": {"brand": "base", "value_amount": 1500}},
    ("POST", "/api/pos/cards"): {"body": {"serial": "VABCDEFGHJK"}},
    ("POST", "/api/pos/sales/{number}/void"): {"path": {"number": "P-1"}},
    ("GET", "/api/pos/sales/{number}"): {"path": {"number": "P-1"}},
    ("GET", "/api/pos/settlement"): {"query": {"date": "2026-01-31", "scope": "outlet"}},
    ("POST", "/api/kiosk/balance-checks"): {"body": {"number": "0470123456", "visit": "v-1"}},
    ("POST", "/api/kiosk/balance-checks/{check_id}/confirm"): {"path": {"check_id": "c"}, "body": {"code": "123456"}},
    ("POST", "/api/kiosk/quotes"): {"body": {"number": "0470123456", "amount": 1000, "method": "card"}},
    ("POST", "/api/kiosk/topups"): {
        "body": {"number": "0470123456", "amount": 500, "payment": {"method": "cash", "inserted": [500]}}
    },
    ("POST", "/api/kiosk/renewals"): {
        "body": {
            "number": "0470123456",
            "product_code": "base-15",
            "payment": {"method": "card", "terminal_reference": "t-1"},
        }
    },
    ("POST", "/api/kiosk/vouchers/redeem"): {"body": {"number": "0470123456", "pin": "123456789012345", "visit": "v"}},
    ("GET", "/api/kiosk/transactions/{order_number}"): {"path": {"order_number": "SR-1"}},
    ("POST", "/api/sms/inbound"): {"body": {"from": "+32470123456", "to": "1914", "text": "TOPUP 123456789012345"}},
    ("POST", "/api/nchf-convergedcharging/v3/chargingdata"): {"body": CHARGING_REQUEST},
    ("POST", "/api/nchf-convergedcharging/v3/chargingdata/{ref}/update"): {
        "path": {"ref": "CD0123456789abcdef01234567"},
        "body": CHARGING_REQUEST,
    },
    ("POST", "/api/nchf-convergedcharging/v3/chargingdata/{ref}/release"): {
        "path": {"ref": "CD0123456789abcdef01234567"},
        "body": CHARGING_REQUEST,
    },
    ("POST", "/api/ussd/session"): {
        "form": {"sessionId": "s-1", "serviceCode": "*102#", "phoneNumber": "+32470123456", "text": "1*1"}
    },
}
# Operations that answer plain text, as USSD gateways expect ("CON …" / "END …"); refusals stay JSON.
PLAIN_TEXT = {"/api/ussd/session"}


def test_every_api_operation_has_a_request_to_start_from():
    schema = api.get_openapi_schema()
    operations = {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}
    assert operations == set(OPERATIONS)


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where a hostile value can go in a request: every key of its path, query and body, nested ones
    too, or the whole body (an operation with nothing to send has the empty place only)."""
    if isinstance(value, dict) and not value:
        return [path]
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in leaves(item, (*path, index))] or [path]
    return [path]


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)  # type: ignore[index]
    return copy


def send(world: World, method: str, template: str, request: dict[str, Any], headers: dict[str, str]) -> Any:
    # A lone surrogate goes out as the bytes a sloppy client would send (%ED%A0%80): not UTF-8.
    path = template
    for key, part in request.get("path", {}).items():
        path = path.replace("{" + key + "}", quote(str(part), safe="", errors="surrogatepass"))
    if request.get("query"):
        query = {key: str(part) for key, part in request["query"].items()}
        path += "?" + urlencode(query, errors="surrogatepass")
    body = json.dumps(request["body"]).encode() if "body" in request else None
    content_type = "application/json"
    if "form" in request:
        body = urlencode(request["form"], errors="surrogatepass").encode()
        content_type = "application/x-www-form-urlencoded"
    area = template.split("/")[2]
    if area == "public":
        return Client().generic(method, path, body or b"", content_type=content_type, headers=headers)
    terminal = world.terminals[area]
    signed = {**_signed(terminal, method, path, body or b""), **headers}
    return terminal.client.generic(method, path, body or b"", content_type=content_type, headers=signed)


def _signed(terminal: TerminalClient, method: str, path: str, body: bytes) -> dict[str, str]:
    headers = signed_headers(key_id=terminal.key_id, secret=terminal.secret, method=method, url=path, body=body)
    return {**headers, "X-Client-Id": terminal.key_id}  # network clients (charging) name themselves so


def json_below_500(response: Any, what: str, *, plain_text: bool = False) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if plain_text and response["Content-Type"].startswith("text/plain"):
        assert response.content.decode().startswith(("CON ", "END ")), f"{what}: {response.content[:300]!r}"
        return
    json_types = ("application/json", "application/problem+json")
    assert response["Content-Type"].startswith(json_types), f"{what}: {response['Content-Type']}"


@pytest.mark.parametrize(("method", "template"), list(OPERATIONS), ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_api_operation_answers_hostile_input_with_a_server_error_or_html(world, method, template):
    start = OPERATIONS[(method, template)]
    places = leaves(start)
    keys = (f"hostile-{n}" for n in range(1_000_000))

    def attack(place: tuple[Any, ...], value: str) -> None:
        request = replaced(start, place, value) if place else start
        if any(not str(part) for part in request.get("path", {}).values()):
            return  # an empty path part is another URL, not this operation
        answer = send(world, method, template, request, {"Idempotency-Key": next(keys)})
        json_below_500(answer, f"{method} {template} {place}={value[:20]!r}", plain_text=template in PLAIN_TEXT)

    # Every part once with '²', a NUL and a lone surrogate; then what hypothesis makes up, and hostile headers.
    for place in places:
        for value in (*SWEEP, "\x00", "\ud800"):
            attack(place, value)

    @BOUNDED
    @given(value=HOSTILE_JSON, pick=st.integers(min_value=0, max_value=100), header=st.booleans())
    def generated(value: str, pick: int, header: bool) -> None:
        if not header:
            attack(places[pick % len(places)], value)
            return
        latin = value.encode("latin-1", "replace").decode("latin-1")  # what an HTTP header can carry
        headers = {"Idempotency-Key": latin, "Accept-Language": latin[:50]}
        answer = send(world, method, template, start, headers)
        json_below_500(answer, f"{method} {template} headers={latin[:20]!r}", plain_text=template in PLAIN_TEXT)

    generated()


def test_a_nul_or_a_lone_surrogate_in_json_is_a_400_in_the_callers_language(world):
    for raw in ['{"number": "0470\\u0000123456", "pin": "1"}', '{"number": "\\ud800", "pin": "1"}']:
        body = raw.encode()
        path = "/api/kiosk/vouchers/redeem"
        terminal = world.terminals["kiosk"]
        headers = {**_signed(terminal, "POST", path, body), "Idempotency-Key": "nul", "Accept-Language": "fr"}
        response = terminal.client.generic("POST", path, body, content_type="application/json", headers=headers)
        assert response.status_code == 400
        assert response.json() == {
            "code": "unreadable_text",
            "detail": "Ce texte contient des caractères qui ne peuvent pas être utilisés ici, comme un caractère nul.",
        }


def test_unicode_digits_in_a_voucher_pin_are_a_clear_refusal_not_a_crash(world):
    # the report: '²' in POST /api/kiosk/vouchers/redeem was an HTML 500
    for pin in ["²" * 15, "①" * 13, "٣" * 15, "\uff13" * 15]:
        response = send(
            world,
            "POST",
            "/api/kiosk/vouchers/redeem",
            {"body": {"number": "0470123456", "pin": pin}},
            {"Idempotency-Key": f"digits-{ord(pin[0])}"},
        )
        assert (response.status_code, response.json()["code"]) == (400, "pin_mistyped")


def test_a_nul_in_a_page_address_or_form_is_a_400_page_in_the_visitors_language(world):
    kiosk = world.browsers["kiosk"]
    for response in (
        kiosk.get(f"/nl/kiosk/{world.kiosk.code}/cash/%00/"),
        world.browsers["customer"].post("/nl/topup/voucher/", {"number": "0470123456", "code": "1\x002"}),
        Client().get("/nl/verify/?number=R-1&code=%00"),
    ):
        assert response.status_code == 400
        assert "Dit verzoek kan niet gelezen worden" in response.content.decode()
