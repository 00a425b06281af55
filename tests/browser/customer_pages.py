"""Every page a customer can open in the portal, with the data that fills it: a demo-like customer with
two lines, paid, failed and bank-transfer orders, a receipt, a gift top-up received, a pending SMS code.

The list is checked against the portal's URLconf: a page without an entry here (and no parameters to
fill) is opened as the customer; a page with parameters and no entry, or not explicitly excluded with a
reason, fails the tests that use it, so a new page cannot be forgotten."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import BrowserContext

from simrenew.brands.models import PaymentMethod
from simrenew.catalog.models import Product, ProductKind
from simrenew.catalog.queries import topup_product_for
from simrenew.charging.models import MB_BYTES
from simrenew.customers import service as customers
from simrenew.customers.models import User
from simrenew.demo.catalogue import DEMO_CUSTOMER, DEMO_LINE
from simrenew.kit.phone import format_msisdn
from simrenew.lines.models import Line
from simrenew.notifications.models import OutboxMessage
from simrenew.orders import service as orders
from tests.charging.helpers import Session, network_client
from tests.factories import create_customer, create_order, fail_payment, fulfil_paid, link
from tests.payouts.factories import ended_line

GUEST = "guest"
CUSTOMER = "customer"

# Portal URL names no test opens as a page, each with the reason.
EXCLUDED = {
    "logout": "POST only: logs out and redirects",
    "resend_verification": "POST only: sends the e-mail again and redirects to My account",
    "save_payment_method": "POST only: starts the provider's checkout for a mandate",
    "remove_payment_method": "POST only: removes a mandate and redirects",
    "my_data_download": "a JSON download, not a page",
    "usage_csv": "a CSV download, not a page",
    "order_return": "redirects to the order page once the payment status is fetched",
    "order_retry": "redirects to the renew or top-up page",
}


@dataclass(frozen=True)
class CustomerPage:
    name: str  # the portal URL name
    label: str  # what the failure message calls it
    path: str  # without the language prefix
    who: str  # GUEST or CUSTOMER


@dataclass
class PortalData:
    customer: User
    session: str  # the customer's session cookie
    pages: list[CustomerPage]


def _portal_patterns() -> list[URLPattern]:
    """The portal's URL patterns as the running URLconf has them (the dev pages only outside production)."""
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and getattr(entry, "namespace", None) is None:
            for inner in entry.url_patterns:  # i18n_patterns
                if isinstance(inner, URLResolver) and inner.namespace == "portal":
                    return [p for p in inner.url_patterns if isinstance(p, URLPattern)]
        if isinstance(entry, URLResolver) and entry.namespace == "portal":
            return [p for p in entry.url_patterns if isinstance(p, URLPattern)]
    raise AssertionError("the portal's URLconf (namespace 'portal') was not found")


def _path(name: str, **kwargs: object) -> str:
    """The page's path without its language prefix."""
    with translation.override("en"):
        url = reverse(f"portal:{name}", kwargs=kwargs or None)
    assert url.startswith("/en/"), url
    return url.removeprefix("/en")


def build(site: str) -> PortalData:
    """Demo data plus everything that fills each customer page; returns the pages to open."""
    call_command("demo_data", lines=8)
    customer = User.objects.get(email=DEMO_CUSTOMER[0])
    customer.full_name = "Maximiliane Müller-Lüdenscheidt"
    customer.save(update_fields=["full_name"])
    own = Line.objects.get(msisdn=DEMO_LINE)
    second = Line.objects.filter(brand__code="base").order_by("msisdn").first()
    stranger_line = Line.objects.filter(brand__code="orange").order_by("msisdn").first()
    assert second is not None and stranger_line is not None
    link(customer, second)

    bundles = Product.objects.filter(brand=own.brand, kind=ProductKind.BUNDLE).order_by("position")
    bundle = bundles.first()
    topup = topup_product_for(own.brand)
    assert bundle is not None and topup is not None
    paid = fulfil_paid(create_order(line=own, product=bundle, customer=customer))
    fulfil_paid(create_order(line=own, product=topup, topup_amount=1500, customer=customer))
    failed = fail_payment(create_order(line=own, product=bundle, customer=customer, method=PaymentMethod.PAYPAL))
    transfer = create_order(line=own, product=bundle, customer=customer, method=PaymentMethod.BANK_TRANSFER)
    orders.start_payment(
        order=transfer,
        redirect_url=site + reverse("portal:order_return", kwargs={"number": transfer.number}),
        webhook_url=site + reverse("mollie_webhook"),
    )
    # The network used some of the bundle, so the line page draws its usage charts and history.
    network = Session(network_client(), own)
    network.start(data=50 * MB_BYTES, voice=300, sms=1)
    network.release(data=42 * MB_BYTES, voice=95, sms=1)
    # A line that has ended (its credit can be asked back): the leftover-credit page.
    ended = ended_line(credit=1234)
    link(customer, ended)
    gift_giver = create_customer("friend@example.be")
    fulfil_paid(create_order(line=own, product=topup, topup_amount=1000, customer=gift_giver))
    with transaction.atomic():
        challenge = customers.start_line_link(customer=customer, raw_number=stranger_line.msisdn)
    receipt = paid.receipt
    message = OutboxMessage.objects.order_by("-id").first()
    assert message is not None
    # Logged in before the reset link is made: a login changes what the link's token signs.
    client = Client()
    client.force_login(customer)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    customer.refresh_from_db()
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    reset_token = default_token_generator.make_token(customer)

    def page(name: str, who: str, label: str = "", query: str = "", **kwargs: object) -> CustomerPage:
        return CustomerPage(name, label or name, _path(name, **kwargs) + query, who)

    pages = [
        page("home", GUEST),
        page("register", GUEST),
        page("register_sent", GUEST),
        page("verify_email", GUEST, "verify_email (a link that no longer works)", uidb64="MA", token="bad-token"),
        page("login", GUEST),
        page("password_reset", GUEST),
        page("password_reset_done", GUEST),
        page("password_reset_confirm", GUEST, uidb64=uid, token=reset_token),
        page("password_reset_complete", GUEST),
        page("verify_receipt", GUEST),
        page(
            "verify_receipt",
            GUEST,
            "verify_receipt (a genuine receipt)",
            query=f"?number={receipt.number}&code={receipt.verification_code}",
        ),
        page("receipt", GUEST, query=f"?code={receipt.verification_code}", number=receipt.number),
        page("official", GUEST),
        page("brand", GUEST, code=own.brand.code),
        page("home", CUSTOMER, "home (logged in)"),
        page("account", CUSTOMER),
        page("link_line", CUSTOMER),
        page("link_line_code", CUSTOMER, challenge_id=challenge.pk),
        page("line", CUSTOMER, line_id=own.pk),
        page("renew", CUSTOMER, line_id=own.pk),
        page(
            "renew",
            CUSTOMER,
            "renew (with its quote)",
            query=f"?product={bundle.pk}&method={PaymentMethod.BANCONTACT}",
            line_id=own.pk,
        ),
        page("auto_renew", CUSTOMER, line_id=own.pk),
        page("leftover_credit", CUSTOMER, line_id=ended.pk),
        page("notification_settings", CUSTOMER),
        page("privacy", CUSTOMER),
        page("my_data", CUSTOMER),
        page("delete_account", CUSTOMER),
        page("topup", CUSTOMER),
        page("topup", CUSTOMER, "topup (amounts for a number)", query=f"?number={format_msisdn(second.msisdn)}"),
        page("redeem_voucher", CUSTOMER),
        page("order", CUSTOMER, "order (paid)", number=paid.number),
        page("order", CUSTOMER, "order (payment failed)", number=failed.number),
        page("order", CUSTOMER, "order (waiting for a bank transfer)", number=transfer.number),
        page(
            "receipt",
            CUSTOMER,
            "receipt (from the order)",
            query=f"?code={receipt.verification_code}",
            number=receipt.number,
        ),
    ]
    if settings.DEV_OUTBOX:
        pages += [page("outbox", GUEST), page("outbox_message", GUEST, message_id=message.pk)]

    named = {p.name for p in pages}
    missing = []
    for pattern in _portal_patterns():
        name = pattern.name
        if name is None or name in named or name in EXCLUDED:
            continue
        if pattern.pattern.converters:
            missing.append(name)
        else:
            pages.append(page(name, CUSTOMER))
    assert not missing, (
        f"portal pages with no entry in tests/browser/customer_pages.py: {missing}; "
        "add each with the data it needs (or to EXCLUDED with the reason)"
    )
    return PortalData(customer=customer, session=session, pages=pages)


def log_in(context: BrowserContext, site: str, data: PortalData) -> None:
    """The customer's session in the browser context, as after the login form."""
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": data.session, "url": site}])
