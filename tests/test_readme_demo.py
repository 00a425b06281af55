"""The README tells the truth about the demo: every demo number it names (with its brand), every login in
its logins table, every URL and path it shows and every demo command it prints is checked against demo
data loaded by the demo's own commands. A README that drifts from the demo fails here; a new README row
is checked without a change to this file (or fails, naming what it cannot check).

The checks return the problems they find, so that the same check can be shown to fail on a README
that names a number, a login or a page the demo does not have.
"""

import itertools
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from simrenew.brands.models import Brand
from simrenew.customers import service as customers
from simrenew.customers.models import User
from simrenew.demo import address
from simrenew.demo.management.commands import demo_data
from simrenew.kiosks.models import Kiosk
from simrenew.kit.phone import InvalidMsisdn, normalize_msisdn
from simrenew.lines.errors import UnknownLine
from simrenew.lines.models import IdentityStatus, Line
from simrenew.lines.queries import balances
from simrenew.orders.models import Order
from simrenew.staff import demo as demo_authenticator
from tests.web.form_keys import confirmation

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LANGUAGES = [code for code, _name in settings.LANGUAGES]
DEMO_LINES_IN_TESTS = 40  # 10 a brand: the README's examples are among the first of each brand

# --- Reading the README ----------------------------------------------------------------------------

NUMBER = re.compile(
    r"(?:\b(?P<before>[A-Z][\w&]*(?: [A-Z][\w&]*)?)\s+line\s+)?"
    r"(?P<number>04\d\d\s\d\d\s\d\d\s\d\d)"
    r"(?:\s*\((?P<paren>[^)]*)\))?"
)
FULL_URL = re.compile(r"(?P<origin>https?://(?:127\.0\.0\.1|localhost)(?::\d+)?)(?P<path>/[^\s`)|,]*)?")
PATH = re.compile(r"`(/[^`\s]*)`")
COMMAND = re.compile(r"`(?P<env>(?:[A-Z_]+=\S+\s+)*)\.venv/bin/simrenew\s+(?P<args>[^`]+)`")
PLACEHOLDER = re.compile(r"<([\w…]+)>")


@dataclass(frozen=True)
class NumberClaim:
    number: str  # as written: 0487 00 00 02
    brand: str  # as written beside it: "BASE", or "" if none
    claims: tuple[str, ...]  # what else is said of it in the same parentheses: "not identified"


@dataclass(frozen=True)
class Login:
    who: str
    email: str
    password: str


def demo_part(text: str) -> str:
    """What the README says of the demo: everything before the tests and production sections."""
    return text.split("\n## Tests", 1)[0]


def section(text: str, heading: str) -> str:
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert found is not None, f"the README has no section {heading!r}"
    return found.group(1)


def numbers(text: str) -> list[NumberClaim]:
    result = []
    for match in NUMBER.finditer(demo_part(text)):
        parts = [part.strip() for part in (match["paren"] or "").split(",") if part.strip()]
        brand = match["before"] or (parts[0] if parts else "")
        claims = tuple(parts[1:] if not match["before"] else parts)
        result.append(NumberClaim(" ".join(match["number"].split()), brand, claims))
    return result


def table_blocks(text: str) -> list[list[str]]:
    """The tables of a piece of Markdown, each a list of its rows: a blank line ends a table."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def logins(text: str) -> list[Login]:
    blocks = table_blocks(section(text, "Demo logins"))
    assert len(blocks) == 1, f"the logins table is split in {len(blocks)} tables (a blank line between rows?)"
    rows = [cells(row) for row in blocks[0][2:]]  # past the header and its --- line
    return [Login(who, email.strip("`"), password.strip("`")) for who, email, password in rows]


def urls(text: str) -> list[str]:
    """Every URL of the demo's own site and every path in backticks, in the order written."""
    part = demo_part(text)
    found = [m["path"] or "/" for m in FULL_URL.finditer(part)]
    found += PATH.findall(part)
    return list(dict.fromkeys(found))


def origins(text: str) -> set[str]:
    return {m["origin"] for m in FULL_URL.finditer(demo_part(text))}


def commands(text: str) -> list[tuple[dict[str, str], list[str]]]:
    """The `simrenew` commands the README tells a demo user to run: (environment, arguments)."""
    result = []
    for match in COMMAND.finditer(demo_part(text)):
        env = dict(pair.split("=", 1) for pair in match["env"].split())
        result.append((env, shlex.split(match["args"])))
    return result


def second_factor_roles(text: str) -> list[str]:
    """The roles the README says enter a one-time code after the password."""
    found = re.search(r"Staff in the (.+?) roles enter a\s+one-time code", section(text, "Demo logins"), re.S)
    assert found is not None, "the README no longer says which staff enter a one-time code"
    return [role.strip() for role in re.split(r",\s*|\s+and\s+", " ".join(found.group(1).split()))]


def expand(path: str, values: dict[tuple[str, str], list[str]]) -> list[str]:
    """A README path with its placeholders filled in from the demo: <lang> with every language, any other
    <name> (and the … of a query) with values keyed by (name, the path segment before it)."""
    path = path.replace("…", "<…>")
    slots = []
    for match in PLACEHOLDER.finditer(path):
        name = match.group(1)
        before = re.split(r"[/?&=]", path[: match.start()].rstrip("/=?&"))[-1]
        key = ("lang", "") if name == "lang" else (name, before)
        options = LANGUAGES if name == "lang" else values.get(key)
        if not options:
            raise LookupError(f"{path}: nothing in the demo to put for <{name}> after {before!r}")
        slots.append((match.group(0), options))
    results = []
    for combination in itertools.product(*(options for _slot, options in slots)):
        filled = path
        for (slot, _options), value in zip(slots, combination, strict=True):
            filled = filled.replace(slot, str(value), 1)
        results.append(filled)
    return results


# --- The demo, loaded as `make demo` loads it ----------------------------------------------------------


@dataclass
class Demo:
    output: str  # what the demo commands printed

    def enrol_urls(self) -> dict[str, str]:
        """Per kiosk code, the one-time enrolment URL `make demo` printed."""
        found = re.findall(r"enrol screen (\S+/kiosk/([\w-]+)/enrol/\?code=\S+)", self.output)
        return {code: url for url, code in found}


def load_demo(**options: Any) -> Demo:
    out = StringIO()
    call_command("demo_data", lines=DEMO_LINES_IN_TESTS, stdout=out, **options)
    call_command("demo_offline", stdout=out)
    call_command("demo_retail", stdout=out)
    return Demo(out.getvalue())


@pytest.fixture
def demo(db) -> Demo:
    return load_demo()


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def message(error: Exception) -> str:
    with translation.override("en"):
        return str(error)


def refused(response: Any) -> bool:
    """The page says the number is not one of ours, or not a number at all."""
    page = response.content.decode()
    return message(UnknownLine()) in page or message(InvalidMsisdn()) in page


# --- Logging in as the README says ---------------------------------------------------------------------


def login_page(who: str) -> str:
    """Where each kind of login of the logins table logs in."""
    for words, page in (
        ("back office", "/en/admin/login/"),
        ("cashier", "/en/pos/login/"),
        ("shop assistant", "/en/shop/login/"),
        ("shop manager", "/en/shop/login/"),
        ("customer", "/en/login/"),
    ):
        if words in who:
            return page
    raise LookupError(f"no login page known for {who!r}")


def log_in(login: Login, needs_second_factor: bool) -> tuple[Client | None, list[str]]:
    """Log in with the password on the login's own page; where the README says a one-time code follows,
    the code step must come, and the demo authenticator's current code must pass it."""
    client = Client()
    page = login_page(login.who)
    # As a browser sends the form: with the `next` the page carries (the admin's login page has one).
    hidden = re.search(r'name="next" value="([^"]*)"', client.get(page).content.decode())
    data = {"username": login.email, "password": login.password, **({"next": hidden[1]} if hidden else {})}
    response = client.post(page, data, follow=True)
    where = response.request["PATH_INFO"]
    if response.status_code >= 400 or where == page:
        return None, [f"{login.who}: {login.email} / {login.password} does not log in at {page}"]
    if needs_second_factor != (where == "/en/staff/verify/"):
        said = "a one-time code" if needs_second_factor else "the password only"
        return None, [f"{login.who}: the README says {said}, but the login went on to {where}"]
    if needs_second_factor:
        verify = response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"]
        done = client.post(verify, {"code": demo_authenticator.current_code()}, follow=True)
        if done.status_code >= 400 or done.request["PATH_INFO"] == "/en/staff/verify/":
            return None, [f"{login.who}: the demo authenticator's code does not pass the second step"]
    return client, []


def check_logins(text: str) -> tuple[dict[str, Client], list[str]]:
    roles = second_factor_roles(text)
    sessions: dict[str, Client] = {}
    problems: list[str] = []
    for login in logins(text):
        client, found = log_in(login, needs_second_factor=any(role in login.who for role in roles))
        problems += found
        if client is not None:
            sessions[login.who] = client
    return sessions, problems


def session(sessions: dict[str, Client], words: str) -> Client:
    for who, client in sessions.items():
        if words in who:
            return client
    raise LookupError(f"no README login is a {words}")


# --- The checks ----------------------------------------------------------------------------------------


def brand_of(written: str) -> Brand | None:
    return next(
        (brand for brand in Brand.objects.all() if written.casefold() in {brand.name.casefold(), brand.code}), None
    )


def check_numbers(text: str) -> list[str]:
    """Each number is a demo line of the brand written beside it, in the identification state it names."""
    problems = []
    claimed = numbers(text)
    if not claimed:
        problems.append("the README names no demo number")
    for claim in claimed:
        line = Line.objects.select_related("brand").filter(msisdn=normalize_msisdn(claim.number)).first()
        if line is None:
            problems.append(f"{claim.number} is not a demo line")
            continue
        brand = brand_of(claim.brand)
        if brand is None:
            problems.append(f"{claim.number}: {claim.brand!r} beside it is no demo brand")
        elif line.brand_id != brand.pk:
            problems.append(f"{claim.number} is a {line.brand.name} line, the README says {claim.brand}")
        for said in claim.claims:
            state = {"not identified": IdentityStatus.UNIDENTIFIED, "identified": IdentityStatus.IDENTIFIED}
            if said in state:
                if line.identity_status != state[said]:
                    problems.append(f"{claim.number} is {line.identity_status}, the README says {said}")
            elif said not in {"linked"}:
                problems.append(f"{claim.number}: no check for {said!r}")
    return problems


def check_customer_lines(text: str) -> list[str]:
    """'line 0472 00 00 01 linked, €25 credit' in a login's row: linked to that login, with that credit."""
    problems = []
    for login in logins(text):
        for match in re.finditer(r"(04\d\d \d\d \d\d \d\d) linked(?:, €(\d+) credit)?", login.who):
            line = Line.objects.get(msisdn=normalize_msisdn(match[1]))
            user = User.objects.get(email=login.email)
            if not customers.owns_line(customer=user, line=line):
                problems.append(f"{match[1]} is not linked to {login.email}")
            if match[2] and balances(line).credit_amount != int(match[2]) * 100:
                problems.append(f"{match[1]} has {balances(line).credit_amount} cents of credit, not €{match[2]}")
    return problems


def screens(demo: Demo) -> dict[str, Client]:
    """A browser enrolled as each demo kiosk's screen, from the enrolment URL `make demo` printed."""
    enrolled = {}
    for code, url in demo.enrol_urls().items():
        screen = Client()
        page = screen.get(local(url))
        one_time = urlsplit(url).query.removeprefix("code=")
        assert page.status_code == 200 and one_time in page.content.decode(), f"{url} does not offer its code"
        assert screen.post(urlsplit(url).path, {"code": one_time}).status_code == 302, f"{url} does not enrol"
        enrolled[code] = screen
    return enrolled


def check_numbers_on_pages(text: str, sessions: dict[str, Client], kiosk_screens: dict[str, Client]) -> list[str]:
    """Each number the README offers for trying is taken by the link page, the top-up page, the POS, the
    kiosks and the shop desk: none says it is not a line of ours, each goes on to its next step."""
    customer, shop, cashier = (session(sessions, w) for w in ("customer", "shop assistant", "retail cashier"))
    problems = []
    for claim in numbers(text):
        line = Line.objects.get(msisdn=normalize_msisdn(claim.number))
        shown = claim.number
        # (page, its answer, where it must have gone on to)
        tries: list[tuple[str, Any, str]] = [
            ("shop desk", shop.get("/en/shop/", {"number": shown}, follow=True), rf"/en/shop/lines/{line.pk}/$"),
            ("POS", cashier.get("/en/pos/", {"number": shown}, follow=True), r"/en/pos/sell/$"),
            ("top-up", customer.get("/en/topup/", {"number": shown}, follow=True), r"/en/topup/$"),
        ]
        for code, screen in kiosk_screens.items():
            answer = screen.post(f"/en/kiosk/{code}/number/topup/", {"number": shown}, follow=True)
            tries.append((f"kiosk {code}", answer, rf"/en/kiosk/{code}/topup/[^/]+/$"))
        if not customers.owns_line(customer=User.objects.get(email=customer_email(text)), line=line):
            answer = customer.post("/en/account/lines/link/", {"number": shown}, follow=True)
            tries.append(("link page", answer, r"/en/account/lines/link/\d+/$"))
        for page, response, expected in tries:
            where = response.request["PATH_INFO"]
            if response.status_code >= 400 or refused(response) or not re.match(expected, where):
                problems.append(
                    f"{shown} on the {page}: {response.status_code} at {where}, refused={refused(response)}"
                )
        desk = tries[0][1].content.decode()
        if line.brand.name not in desk:
            problems.append(f"{shown}: the shop desk does not show its brand {line.brand.name}")
    return problems


def customer_email(text: str) -> str:
    return next(login.email for login in logins(text) if login.who.startswith("customer"))


# The login a page needs, by its first path segment after the language (kiosk pages need a screen).
AREAS = {
    "account": "customer",
    "topup": "customer",
    "orders": "customer",
    "shop": "shop assistant",
    "pos": "retail cashier",
    "admin": "administrator",
    "backoffice": "administrator",
    "staff": "administrator",
}


def client_for(path: str, sessions: dict[str, Client], kiosk_screens: dict[str, Client]) -> Client:
    segments = [s for s in urlsplit(path).path.split("/") if s]
    if segments and segments[0] in LANGUAGES:
        segments = segments[1:]
    area = segments[0] if segments else ""
    if area == "kiosk":
        return kiosk_screens[segments[1]]
    return session(sessions, AREAS[area]) if area in AREAS else Client()


def check_urls(text: str, values: dict[tuple[str, str], list[str]], pick: Callable[[str], Client]) -> list[str]:
    """Each URL answers (below 400, redirects followed) as the login its area needs, and does not end on
    a login page it did not ask for."""
    problems = []
    for written in urls(text):
        try:
            filled = expand(written, values)
        except LookupError as error:
            problems.append(str(error))
            continue
        for path in filled:
            response = pick(path).get(path, follow=True)
            where = response.request["PATH_INFO"]
            if response.status_code >= 400:
                problems.append(f"{path} ({written}) answers {response.status_code}")
            elif where.endswith("/login/") and not urlsplit(path).path.endswith("/login/"):
                problems.append(f"{path} ({written}) ends on the login page {where}")
    return problems


def demo_values(text: str, sessions: dict[str, Client]) -> dict[tuple[str, str], list[str]]:
    """Real values for the README's placeholders: the customer's line, every kiosk, and an order with its
    receipt, sold at the shop desk for cash on the customer's line (as a person at the counter would)."""
    customer = User.objects.get(email=customer_email(text))
    line = customers.lines_of(customer)[0]
    shop = session(sessions, "shop assistant")
    page = f"/en/shop/lines/{line.pk}/topup/"
    form = {"amount": 1000, "method": "cash"}
    quoted = shop.post(page, form)
    sold = shop.post(page, {**form, **confirmation(quoted)})
    assert sold.status_code == 302, sold.content.decode()
    order = Order.objects.filter(line=line).latest("pk")
    return {
        ("id", "lines"): [str(line.pk)],
        ("kiosk", "kiosk"): list(Kiosk.objects.values_list("code", flat=True)),
        ("number", "orders"): [order.number],
        ("number", "receipts"): [order.receipt.number],
        ("…", "code"): [order.receipt.verification_code],
        ("code", "brands"): list(Brand.objects.values_list("code", flat=True)),
    }


def check_commands(text: str, tmp_path: Path) -> list[str]:
    """The demo commands run as written, with the environment written before them."""
    problems = []
    for env, args in commands(text):
        overrides = {
            name: value.lower() == "true" if value.lower() in {"true", "false"} else value
            for name, value in env.items()
        }
        with override_settings(DEMO_CLOCK_FILE=str(tmp_path / "clock.json"), **overrides):
            try:
                call_command(*args, stdout=StringIO())
            except Exception as error:  # any failure of a README command is the finding
                problems.append(f"`{' '.join(args)}` fails: {error}")
    return problems


# --- Tests ---------------------------------------------------------------------------------------------


def test_every_demo_number_in_the_readme_is_a_demo_line_of_the_brand_it_names(demo):
    assert len(numbers(README)) >= 4
    assert check_numbers(README) == []
    assert check_customer_lines(README) == []


def test_every_login_in_the_readme_logs_in_with_the_second_step_it_says(demo):
    assert len(logins(README)) >= 9
    _sessions, problems = check_logins(README)
    assert problems == []


def test_every_readme_number_is_taken_by_the_link_topup_pos_kiosk_and_shop_desk_pages(demo):
    sessions, problems = check_logins(README)
    assert problems == []
    assert check_numbers_on_pages(README, sessions, screens(demo)) == []


def test_every_url_and_path_in_the_readme_answers_on_the_demo(demo):
    sessions, problems = check_logins(README)
    assert problems == []
    kiosk_screens = screens(demo)
    assert set(kiosk_screens) == set(Kiosk.objects.values_list("code", flat=True)) != set()
    values = demo_values(README, sessions)
    assert len(urls(README)) >= 25
    assert check_urls(README, values, lambda path: client_for(path, sessions, kiosk_screens)) == []


def test_the_readme_urls_are_on_the_address_make_demo_serves_by_default():
    makefile = (ROOT / "Makefile").read_text()
    host = re.search(r"^HOST \?= (\S+)$", makefile, re.M)
    port = re.search(r"^PORT \?= (\S+)$", makefile, re.M)
    assert host and port
    assert origins(README) == {f"http://{host[1]}:{port[1]}"}


def test_the_readme_counts_the_lines_make_demo_loads():
    said = re.search(r"([\d,]+) demo lines exist", README)
    assert said is not None
    parser = demo_data.Command().create_parser("simrenew", "demo_data")
    assert int(said[1].replace(",", "")) == parser.parse_args([]).lines


def test_the_demo_commands_in_the_readme_run_as_written(demo, tmp_path):
    assert len(commands(README)) >= 3
    assert check_commands(README, tmp_path) == []


# --- The checks fail on a README that drifts -----------------------------------------------------------


def drifted(old: str, new: str) -> str:
    assert old in README, f"the README no longer says {old!r}"
    return README.replace(old, new, 1)


def test_a_number_the_demo_does_not_have_or_of_another_brand_is_found(demo):
    assert check_numbers(drifted("0487 00 00 02 (BASE)", "0485 00 00 02 (BASE)")) == [
        "0485 00 00 02 is not a demo line"
    ]
    assert check_numbers(drifted("0487 00 00 02 (BASE)", "0487 00 00 02 (Telenet)")) == [
        "0487 00 00 02 is a BASE line, the README says Telenet"
    ]
    assert check_numbers(drifted("(Proximus, not identified)", "(Proximus, identified)")) == [
        "0476 00 00 05 is unidentified, the README says identified"
    ]


def test_a_wrong_password_a_split_table_or_a_missing_page_is_found(demo):
    _sessions, problems = check_logins(drifted("`Kassa-Demo-2026` |", "`Kassa-Demo-2025` |"))
    assert problems == [
        "retail cashier (Carrefour Bruxelles Midi; others are printed by `make demo`): "
        "kassa.carrefour@simrenew.example / Kassa-Demo-2025 does not log in at /en/pos/login/"
    ]
    with pytest.raises(AssertionError, match="split in 2 tables"):
        logins(drifted("| shop manager (Brussels-Central)", "\n| shop manager (Brussels-Central)"))
    extra = drifted("| `/api/docs` |", "| `/<lang>/no-such-page/` | nothing |\n| `/api/docs` |")
    values: dict[tuple[str, str], list[str]] = {}
    problems = check_urls(extra, values, lambda path: Client())
    assert "/en/no-such-page/ (/<lang>/no-such-page/) answers 404" in problems
    assert "/<lang>/account/lines/<id>/: nothing in the demo to put for <id> after 'lines'" in problems


def test_a_command_that_does_not_run_as_written_is_found(demo, tmp_path):
    assert check_commands(drifted("`DEMO_CLOCK=true .venv/bin/simrenew", "`.venv/bin/simrenew"), tmp_path) == [
        "`demo_clock advance 7d` fails: "
        "The demo clock is off: it runs only with DEMO_CLOCK=true and never in production."
    ]


def test_the_parser_reads_numbers_brands_and_claims_from_a_snippet():
    snippet = (
        "customer (Proximus line 0472 00 00 01 linked), e.g. 0487 00 00 02 (BASE),"
        " 0467 00 00\n03 (Orange Belgium, not identified)"
    )
    assert numbers(snippet) == [
        NumberClaim("0472 00 00 01", "Proximus", ()),
        NumberClaim("0487 00 00 02", "BASE", ()),
        NumberClaim("0467 00 00 03", "Orange Belgium", ("not identified",)),
    ]


def test_placeholders_are_filled_from_the_demo_and_every_language():
    values = {("number", "receipts"): ["R-1"], ("…", "code"): ["C0DE"]}
    assert expand("/<lang>/receipts/<number>/?code=…", values) == [
        f"/{lang}/receipts/R-1/?code=C0DE" for lang in LANGUAGES
    ]
    with pytest.raises(LookupError):
        expand("/<lang>/orders/<number>/", values)


# --- `make demo HOST=… PORT=…`: every URL printed is on that address --------------------------------


@pytest.mark.parametrize(
    ("host", "port", "url", "hosts"),
    [
        ("127.0.0.1", "8000", "http://127.0.0.1:8000", "127.0.0.1,localhost"),
        ("192.168.1.20", "8101", "http://192.168.1.20:8101", "127.0.0.1,localhost,192.168.1.20"),
        ("0.0.0.0", "8101", "http://127.0.0.1:8101", "*"),  # every address: the browser on this machine
        ("::1", "9000", "http://[::1]:9000", "127.0.0.1,localhost,::1"),
    ],
)
def test_the_demo_address_follows_host_and_port(host, port, url, hosts):
    assert address.site_url(host, port) == url
    assert address.allowed_hosts(host) == hosts


def test_the_banner_prints_every_url_on_the_address_the_demo_serves():
    env = {**os.environ, "SITE_URL": "http://127.0.0.1:8101"}
    banner = subprocess.run(
        [sys.executable, "-m", "simrenew.demo.banner"], env=env, capture_output=True, text=True, check=True
    ).stdout
    printed = re.findall(r"https?://[^\s/]+", banner)
    assert printed and set(printed) == {"http://127.0.0.1:8101"}
    assert "SITE_URL=http://127.0.0.1:8101 .venv/bin/simrenew kiosks enrol bru-airport" in banner
    for claim in numbers(README):  # the banner's example lines are the README's
        if not claim.claims:
            assert claim.number in banner or claim.number == "0472 00 00 01"


@pytest.mark.django_db
def test_the_demo_data_prints_its_urls_on_the_address_the_demo_serves(settings):
    settings.SITE_URL = "http://127.0.0.1:8101"
    out = StringIO()
    call_command("demo_data", lines=4, stdout=out)
    call_command("demo_offline", stdout=out)
    printed = re.findall(r"https?://[^\s/]+", out.getvalue())
    assert len(printed) >= 4 and set(printed) == {"http://127.0.0.1:8101"}
    assert "SITE_URL=http://127.0.0.1:8101 .venv/bin/simrenew kiosks enrol <kiosk>" in out.getvalue()
