"""Links that open one order without an account: the order page and receipt of a guest's purchase.

The key is an HMAC of the order number under SECRET_KEY (django.core.signing, salted for this use),
so it is never stored and cannot be guessed or derived from another order's key. It does not expire:
like a receipt's verification code, it opens only a record of a purchase (masked number, amounts,
status), and a buyer may come back to it months later for the receipt. Rotating SECRET_KEY (with the
old key in SECRET_KEY_FALLBACKS until links may lapse) is how all keys are withdrawn at once.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from simrenew.orders.models import Order

SALT = "simrenew.orders.access"
KEY_PARAMETER = "key"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def access_key(number: str) -> str:
    """The key that opens the order `number` (URL-safe, 43 characters)."""
    return _signer().signature(number)


def opens(number: str, key: str) -> bool:
    """Whether `key` opens the order `number` (constant-time; old keys of SECRET_KEY_FALLBACKS too)."""
    if not key or len(key) > 100:
        return False
    signer = _signer()
    try:
        return signer.unsign(f"{number}{signer.sep}{key}") == number
    except signing.BadSignature:
        return False


def order_path(order: Order, language: str, *, page: str = "portal:order") -> str:
    """The path of the order's page (or its return page) in `language`, with its key."""
    with translation.override(language):
        path = reverse(page, kwargs={"number": order.number})
    return f"{path}?{KEY_PARAMETER}={access_key(order.number)}"


def order_url(order: Order, language: str) -> str:
    return settings.PUBLIC_URL + order_path(order, language)


def plain_order_url(order: Order, language: str) -> str:
    """The order page of a customer's order (they log in to see it): no key."""
    with translation.override(language):
        return settings.PUBLIC_URL + reverse("portal:order", kwargs={"number": order.number})
