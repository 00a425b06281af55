"""Shops, staff logins and identity documents for tests."""

import itertools

from django.test import Client

from simrenew.customers.models import User
from simrenew.shops import service as shops
from simrenew.shops.models import Shop
from tests.staff.factories import staff_session

STAFF_PASSWORD = "Staff-Desk-Password-42"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

_sequence = itertools.count(1)


def create_shop(code: str | None = None, *, name: str | None = None) -> Shop:
    number = next(_sequence)
    return shops.create_shop(code=code or f"shop-{number}", name=name or f"Shop {number}", city="Brussels")


def create_staff(shop: Shop, *, role: str = shops.ASSISTANT, email: str | None = None) -> User:
    return shops.add_staff(
        shop=shop, email=email or f"{role}{next(_sequence)}@staff.example", password=STAFF_PASSWORD, role=role
    )


def staff_client(user: User, **client_kwargs: object) -> Client:
    """Logged in, and past the second factor where the login's role asks for one (managers)."""
    return staff_session(user, **client_kwargs)


def eid_number(base: int = 5911234567) -> str:
    """A valid Belgian eID card number (ten digits + mod-97 check), written as on the card: 591-1234567-53."""
    digits = f"{base:010d}{(base % 97) or 97:02d}"
    return f"{digits[:3]}-{digits[3:10]}-{digits[10:]}"
