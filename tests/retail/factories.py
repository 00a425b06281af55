"""Factories for retail tests: retailers with a funded float, outlets, signed POS terminals, cashiers."""

import itertools
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.test import Client

from simrenew.brands.models import Brand
from simrenew.customers.models import User
from simrenew.retail import service
from simrenew.retail.models import CommissionRate, Outlet, OutletTerminal, Retailer, RetailerKind
from simrenew.terminals import service as terminals
from simrenew.terminals.models import Terminal, TerminalKind
from simrenew.terminals.signing import signed_headers
from tests.factories import DEFAULT_PASSWORD

_sequence = itertools.count(1)


def create_retailer(*, float_amount: int = 0, name: str | None = None, kind: str = RetailerKind.CHAIN) -> Retailer:
    retailer = Retailer.objects.create(name=name or f"Retailer {next(_sequence)}", kind=kind)
    service.float_account(retailer)
    if float_amount:
        with transaction.atomic():
            service.top_up_float(retailer=retailer, amount=float_amount, reference="test")
    return retailer


def set_rate(retailer: Retailer, brand: Brand, rate_bp: int, product: Any = None) -> CommissionRate:
    return CommissionRate.objects.create(retailer=retailer, brand=brand, product=product, rate_bp=rate_bp)


def create_outlet(retailer: Retailer | None = None, *, name: str | None = None) -> Outlet:
    return Outlet.objects.create(
        retailer=retailer or create_retailer(), name=name or f"Outlet {next(_sequence)}", city="Brussel"
    )


def create_terminal(outlet: Outlet | None = None, *, kind: str = TerminalKind.POS) -> tuple[Terminal, str]:
    terminal, secret = terminals.register_terminal(kind=kind, name=f"till {next(_sequence)}")
    if outlet is not None:
        OutletTerminal.objects.create(terminal=terminal, outlet=outlet)
    return terminal, secret


def create_cashier(outlet: Outlet, *, email: str | None = None) -> User:
    user = User.objects.create_user(email or f"cashier{next(_sequence)}@shop.example", DEFAULT_PASSWORD)
    service.make_cashier(user=user, outlet=outlet)
    return user


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any


@dataclass
class TerminalClient:
    """Signs each request as the terminal would (terminals.signing) and sends it through the test client."""

    client: Client
    key_id: str
    secret: str

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        **sign: Any,
    ) -> Answer:
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        signed = signed_headers(key_id=self.key_id, secret=self.secret, method=method, url=path, body=raw, **sign)
        extra = {**signed, **(headers or {})}
        if idempotency_key is not None:
            extra["Idempotency-Key"] = idempotency_key
        response = self.client.generic(method, path, raw, content_type="application/json", headers=extra)
        try:
            parsed = json.loads(response.content) if response.content else None
        except ValueError:
            parsed = response.content
        return Answer(response.status_code, parsed, response.headers)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.request("POST", path, body, **kwargs)
