"""A customer's personal data gathered from every domain (the portal's "My data" page and download),
and deleting their account across domains in one transaction.

customers.privacy has the rules and what customers and the domains below it hold; orders (above
customers) and identity checks (beside it) are added here, where every domain may be read.
"""

from typing import Any

from django.utils.translation import get_language, get_language_info

from simrenew.customers import privacy
from simrenew.customers.models import User
from simrenew.customers.queries import holdings_of
from simrenew.identity import queries as identity_queries
from simrenew.identity import service as identity
from simrenew.identity.documents import country_name
from simrenew.identity.models import Identification
from simrenew.orders import privacy as order_privacy
from simrenew.orders import queries as order_queries
from simrenew.orders.models import Order
from simrenew.renewals import service as renewals
from simrenew.support import queries as support_queries
from simrenew.support import service as support


def gather(customer: User) -> dict[str, Any]:
    """Every section, in the order the page shows them; plain values (see customers.privacy). Codes
    (a language, a nationality) come with their names in the active language, as the page shows them."""
    data = privacy.personal_data(customer)
    data["account"]["language_name"] = language_name(customer.language)
    data["orders"] = [_order(order, customer) for order in order_queries.orders_of(customer).order_by("created_at")]
    data["top_ups_received"] = _top_ups_received(customer)
    data["auto_renew"] = _auto_renew(customer)
    data["identity_checks"] = _identity_checks(customer)
    data["support_cases"] = support_queries.cases_of(customer_id=customer.pk)
    return data


def delete_account(*, customer: User, password: str) -> User:
    """Delete the account (customers.privacy.erase_account) and what the domains above customers hold
    of it. Caller owns the transaction. Locks: the account, its lines, then orders (line before order)."""
    windows = _holding_windows(customer)  # read before the account's holdings are forgotten
    email = customer.email  # support cases written from the address before the account existed too
    erased = privacy.erase_account(customer=customer, password=password)
    identity.erase_identifications(windows=windows)
    order_privacy.forget_contact(customer_id=erased.pk)
    support.forget_customer(customer_id=erased.pk, email=email)
    return erased


def language_name(code: str) -> str:
    """A language's name in the active language ("Nederlands" for "nl" on a Dutch page); the code
    itself for one Django does not know."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _holding_windows(customer: User) -> list[tuple[int, Any, Any]]:
    return [(holding.line_id, holding.started_at, holding.ended_at) for holding in holdings_of(customer)]


def _order(order: Order, customer: User) -> dict[str, Any]:
    receipt = getattr(order, "receipt", None)
    return {
        "number": order.number,
        "bought_by_you": order.customer_id == customer.pk,
        "mobile_number": order.masked_number,
        "kind": order.kind,
        "product": order.product.name if order.kind == "bundle" else "",
        "channel": str(order.get_channel_display()),
        "payment_method": str(order.get_method_display()),
        "list_amount": order.list_amount,
        "discount_amount": order.discount_amount,
        "fee_amount": order.fee_amount,
        "total_amount": order.total_amount,
        "vat_amount": order.vat_amount,
        "currency": order.currency,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "fulfilled_at": order.fulfilled_at,
        "receipt": (
            {"number": receipt.number, "verification_code": receipt.verification_code, "issued_at": receipt.issued_at}
            if receipt is not None
            else None
        ),
    }


def _top_ups_received(customer: User) -> list[dict[str, Any]]:
    """Credit other accounts gave the customer's lines while they held them (never who gave it)."""
    received = []
    for link in customer.line_links.select_related("line"):
        for gift in order_queries.top_ups_received(customer, link.line):
            received.append(
                {"mobile_number": link.line.display, "at": gift.at, "amount": gift.amount, "currency": gift.currency}
            )
    return received


def _auto_renew(customer: User) -> dict[str, Any]:
    lines = [link.line for link in customer.line_links.select_related("line")]
    return {
        "monthly_limit_amount": renewals.spending_cap(customer),
        "lines": [line.display for line in lines if line.auto_renew and renewals.payer_of(line) == customer],
    }


def _identity_checks(customer: User) -> list[dict[str, Any]]:
    """Identity documents checked on a line while the customer held it, masked as staff see them."""
    checks = []
    language = get_language() or "en"
    for line_id, started_at, ended_at in _holding_windows(customer):
        found = Identification.objects.filter(line_id=line_id, checked_at__gte=started_at).select_related(
            "line", "checked_by"
        )
        if ended_at is not None:
            found = found.filter(checked_at__lt=ended_at)
        for identification in found.order_by("checked_at"):
            shown = identity_queries.masked(identification)
            checks.append(
                {
                    "mobile_number": identification.line.display,
                    # itsme records no document, a bank-card payment neither: the method says how.
                    "method": shown.method,
                    "method_label": str(shown.method_label),
                    "document_type": str(shown.document_type_label),
                    "document_number": shown.masked_number,
                    "nationality": shown.nationality,
                    "nationality_name": country_name(shown.nationality, language) if shown.nationality else "",
                    "birth_year": shown.birth_year,
                    "checked_at": shown.checked_at,
                    "checked_where": shown.checked_where,
                }
            )
    return checks
