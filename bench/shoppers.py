"""Simulated POS tills and portal customers, over HTTP to 127.0.0.1, recording every request's outcome.

A till retries a sale with the same Idempotency-Key until it gets an answer, as a real one does. A
customer who gets an error page on "Pay" starts again (a new order); on the sandbox's checkout and on
the way back to the shop they reload until the page answers; half of them close the tab once paid.
"""

import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

PASSWORD = "Bench-Faults-Password-42"
BUNDLE_CODE = "bench-15"
REQUEST_TIMEOUT = 15
# A till retries one sale, and a customer one step of a payment, this long at most before giving up.
ANSWER_WITHIN = 60.0


@dataclass
class Call:
    client: str  # pos or portal
    started: float  # monotonic
    ended: float
    error: str  # empty when the client was served


@dataclass
class PosAnswer:
    key: str
    key_id: str
    status: int | None  # None: no answer within ANSWER_WITHIN
    sale: str
    attempts: int
    replayed: bool


@dataclass
class PortalOrder:
    number: str = ""
    payment: str = ""
    paid: bool = False  # the checkout said paid and sent the browser back to the shop
    returned: bool = False  # the customer saw the order page (else closed the tab or gave up)
    stopped_at: str = ""  # the step an error ended this attempt at


@dataclass
class Traffic:
    """Where the shoppers go and what they saw."""

    base: str
    scenario: dict[str, Any]
    seed: int
    calls: list[Call] = field(default_factory=list)
    sales: list[PosAnswer] = field(default_factory=list)
    orders: list[PortalOrder] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop_new: threading.Event = field(default_factory=threading.Event)  # finish what you do, start nothing new
    topup_share: float = 0.5  # of the portal orders, the share that are top-ups (the rest renew a bundle)

    def send(
        self,
        session: requests.Session,
        client: str,
        method: str,
        path: str,
        expect: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> requests.Response | None:
        """One request; None when the client got no usable answer (no connection, a timeout, a 5xx, or
        a status not in `expect`), recorded as an error either way."""
        started = time.monotonic()
        response = None
        try:
            response = session.request(
                method, self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs
            )
            bad = response.status_code >= 500 or (expect and response.status_code not in expect)
            error = f"HTTP {response.status_code}" if bad else ""
        except requests.Timeout:
            error = "timeout"
        except requests.ConnectionError as exc:
            error = "refused" if "refused" in str(exc).lower() else "reset"
        except requests.RequestException:  # e.g. a body cut short by a node killed mid-answer
            error = "reset"
        with self.lock:
            self.calls.append(Call(client, started, time.monotonic(), error))
        return None if error else response


def retrying(attempt: Callable[[], requests.Response | None], *, pause: float = 0.2) -> requests.Response | None:
    """Call `attempt` until it gets an answer, for ANSWER_WITHIN at most, backing off up to 2 s."""
    give_up = time.monotonic() + ANSWER_WITHIN
    while True:
        response = attempt()
        if response is not None or time.monotonic() + pause > give_up:
            return response
        time.sleep(pause * random.uniform(0.7, 1.0))
        pause = min(2.0, pause * 2)


def till(traffic: Traffic, client: dict[str, Any], index: int) -> None:
    """A POS till selling a top-up or a bundle to its lines in turn, one Idempotency-Key per sale."""
    from simrenew.terminals.signing import signed_headers

    session = requests.Session()
    n = index
    while not traffic.stop_new.is_set():
        sale: dict[str, Any] = {"number": client["numbers"][n % len(client["numbers"])]}
        sale.update({"topup_amount": 1000} if n % 2 else {"product_code": BUNDLE_CODE})
        n += 1
        body, key, attempts = json.dumps(sale).encode(), uuid.uuid4().hex, [0]

        def attempt(body: bytes = body, key: str = key, attempts: list[int] = attempts) -> requests.Response | None:
            attempts[0] += 1
            headers = signed_headers(
                key_id=client["key_id"], secret=client["secret"], method="POST", url="/api/pos/sales", body=body
            )
            headers.update({"Idempotency-Key": key, "Content-Type": "application/json"})
            return traffic.send(session, "pos", "POST", "/api/pos/sales", data=body, headers=headers)

        response = retrying(attempt)
        status = response.status_code if response is not None else None
        answer = PosAnswer(
            key=key,
            key_id=client["key_id"],
            status=status,
            sale=response.json().get("number", "") if response is not None and status == 201 else "",
            attempts=attempts[0],
            replayed=response is not None and response.headers.get("Idempotent-Replayed") == "true",
        )
        with traffic.lock:
            traffic.sales.append(answer)
        if status != 201:
            time.sleep(1.0)  # the cashier reads the refusal


def csrf(session: requests.Session) -> str:
    return session.cookies.get("csrftoken") or ""


def log_in(traffic: Traffic, session: requests.Session, email: str) -> bool:
    if traffic.send(session, "portal", "GET", "/en/login/", expect=(200,)) is None:
        return False
    form = {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf(session)}
    return traffic.send(session, "portal", "POST", "/en/login/", expect=(302,), data=form) is not None


def buy(traffic: Traffic, session: requests.Session, account: dict[str, Any], rng: random.Random) -> PortalOrder:
    """Renew a bundle or top up, pay on the sandbox's checkout, then come back or close the tab."""
    order = PortalOrder()
    bundle = rng.random() >= traffic.topup_share
    line = account["lines"][0 if bundle else 1]
    if bundle:
        page = f"/en/account/lines/{line['id']}/renew/"
        form = {"product": str(traffic.scenario["bundle_id"]), "method": "bancontact"}
    else:
        page = "/en/topup/"
        form = {"number": line["msisdn"], "amount": "1000", "method": "bancontact"}
    # The renewal page with the choice made shows the price and the confirm form's one-time key.
    shown = traffic.send(session, "portal", "GET", page, expect=(200,), params=form if bundle else None)
    if shown is None:
        order.stopped_at = "order form"
        return order
    # The confirm button carries the fingerprint of the price it shows (a confirm for another is refused).
    key = re.search(r'name="form_key" value="([^"]+)"', shown.text)
    priced = re.search(r'name="confirm" value="([^"]+)"', shown.text)
    form.update({"promo_code": "", "csrfmiddlewaretoken": csrf(session)})
    form.update({"form_key": key.group(1)} if key else {})
    form.update({"confirm": priced.group(1)} if priced else {})
    response = traffic.send(session, "portal", "POST", page, expect=(302,), data=form)
    checkout = response.headers.get("Location", "") if response is not None else ""
    if "/sandbox/mollie/checkout/" not in checkout:
        order.stopped_at = "pay"
        return order
    checkout = checkout.removeprefix(traffic.base)
    order.payment = checkout.rstrip("/").rsplit("/", 1)[-1]

    def decide() -> requests.Response | None:
        if traffic.send(session, "portal", "GET", checkout, expect=(200,)) is None:
            return None
        choice = {"status": "paid", "csrfmiddlewaretoken": csrf(session)}
        return traffic.send(session, "portal", "POST", checkout, expect=(302,), data=choice)

    response = retrying(decide)
    if response is None:
        order.stopped_at = "checkout"
        return order
    order.paid = True
    back = response.headers["Location"].removeprefix(traffic.base)
    found = re.search(r"/orders/([^/]+)/return/", back)
    order.number = found.group(1) if found else ""
    if rng.random() < 0.5:
        return order  # the tab is closed: the webhook and the reconcile sweep must deliver
    if retrying(lambda: traffic.send(session, "portal", "GET", back, expect=(302,))) is None:
        order.stopped_at = "return"
        return order
    page = f"/en/orders/{order.number}/"
    order.returned = retrying(lambda: traffic.send(session, "portal", "GET", page, expect=(200,))) is not None
    return order


def customer(traffic: Traffic, account: dict[str, Any], index: int) -> None:
    rng = random.Random(traffic.seed * 1000 + index)
    session = requests.Session()
    logged_in = False
    while not traffic.stop_new.is_set():
        logged_in = logged_in or log_in(traffic, session, account["email"])
        if not logged_in:
            time.sleep(0.5)
            continue
        order = buy(traffic, session, account, rng)
        with traffic.lock:
            traffic.orders.append(order)
        if order.stopped_at:
            time.sleep(0.5)


def start_shoppers(traffic: Traffic) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=till, args=(traffic, client, i), name=f"till-{i}", daemon=True)
        for i, client in enumerate(traffic.scenario["tills"])
    ]
    threads += [
        threading.Thread(target=customer, args=(traffic, account, i), name=f"customer-{i}", daemon=True)
        for i, account in enumerate(traffic.scenario["customers"])
    ]
    for thread in threads:
        thread.start()
    return threads
