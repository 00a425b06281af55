"""Checkout without an account: a visitor tops up or renews a bundle for any line of ours, sees the
brand and the number masked back, each method's fee and the total, and pays; the confirmation e-mail
carries a signed link to the order page, which opens with it and not without it. Bad numbers get a
clear error and change nothing; guests are limited per network address, never per number; a confirm
sent twice places one order. Payments go to the built-in Mollie sandbox on the live server."""

import re
from html import unescape

import pytest
from django.test import Client

from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders import access
from simrenew.orders.models import Order, OrderStatus
from simrenew.payments.models import Payment
from simrenew.sandbox.models import SandboxPayment
from simrenew.terminals.models import IdempotentCall
from simrenew.throttles.models import Counter
from simrenew.web.portal import checkout_views
from tests.factories import create_brand, create_bundle, create_customer, create_line, create_topup_product, link
from tests.web.form_keys import confirmation

TOPUP = "/en/topup/"
OTHER_DIGITS = "Type the number with the ordinary digits 0 to 9: these are digits of another kind (such as full-width)."
NOT_BELGIAN = "This is not a Belgian mobile number. Type it like 0470 12 34 56 or +32 470 12 34 56."


@pytest.fixture
def brand(db):
    brand = create_brand(code="base", name="BASE")
    create_topup_product(brand, amounts=[1000, 1500, 2500])
    return brand


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, code="base-15", price_amount=1500, names={"en": "BASE 15", "nl": "BASE 15 NL"})


@pytest.fixture
def line(brand):
    return create_line(brand, msisdn="+32485123402", credit=500)


def alerts(response) -> list[str]:
    return [unescape(m).strip() for m in re.findall(r'role="alert">\s*(?:<p>)?([^<]+)', response.content.decode())]


def state() -> tuple:
    return (Order.objects.count(), Payment.objects.count(), OutboxMessage.objects.count())


def checkout_form(number: str, item: str, method: str = "bancontact", **extra: str) -> dict[str, str]:
    return {"checkout": "1", "number": number, "item": item, "method": method, "email": "", "promo_code": "", **extra}


def quoted(client: Client, data: dict[str, str], path: str = TOPUP) -> dict[str, str]:
    """The form after "See the price", with the key its Pay button carries."""
    page = client.post(path, data)
    assert page.status_code == 200
    return {**data, **confirmation(page)}


# --- The number: brand and masked number shown back, clear errors --------------------------------


@pytest.mark.django_db
def test_a_visitor_gets_the_checkout_not_the_login_page(client, brand):
    page = client.get(TOPUP)
    assert page.status_code == 200
    assert 'name="number"' in page.content.decode()


@pytest.mark.django_db
def test_the_number_comes_back_masked_with_its_brand_amounts_bundles_and_fees(client, line, bundle):
    page = client.post(TOPUP, {"number": "0485 12 34 02"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "0485 •• •• 02" in html
    assert '<span class="brand-tag">BASE</span>' in html
    for amount in ("€10.00", "€15.00", "€25.00"):
        assert amount in html
    assert "BASE 15" in html
    # Each method with its fee (the demo fees: card 0.25, PayPal 0.35 + 1.9 %, the others none)
    assert "Bancontact · no fee" in html
    assert "Card (Visa, Mastercard) · fee €0.25" in html
    assert "PayPal · fee €0.35 + 1.9%" in html
    assert "Bank transfer · no fee" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("0499 99 99 99", "This number is not a line of ours. Check the number, or contact your operator."),
        ("02 123 45 67", NOT_BELGIAN),
        ("0485 \uff11\uff12 34 02", OTHER_DIGITS),  # fullwidth digits: the number may be right
        ("", "This field is required."),
    ],
)
def test_a_bad_number_gets_a_clear_error_and_changes_nothing(client, line, number, message):
    before = state()
    page = client.post(TOPUP, {"number": number})
    assert page.status_code == 200
    assert alerts(page) == [message]
    assert "0485 •• •• 02" not in page.content.decode()
    assert state() == before


@pytest.mark.django_db
def test_the_unknown_number_error_is_in_the_visitors_language(client, line):
    page = client.post("/nl/topup/", {"number": "0499 99 99 99"})
    (error,) = alerts(page)
    assert error != "This number is not a line of ours. Check the number, or contact your operator."
    assert "0499" not in error


@pytest.mark.django_db
def test_a_terminated_line_cannot_be_topped_up(client, brand):
    create_line(brand, msisdn="+32485000001", status="terminated")
    page = client.post(TOPUP, {"number": "0485 00 00 01"})
    assert alerts(page) == ["This line is terminated and cannot be renewed or topped up."]


# --- Prices -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_price_shows_the_methods_fee_and_total_before_paying(client, line):
    page = client.post(TOPUP, checkout_form("0485 12 34 02", "amount:1500", method="paypal"))
    html = page.content.decode()
    # 15.00 + PayPal 0.35 + 1.9 % of 15.00 (0.29) = 15.64
    assert "€0.64" in html
    assert "Pay €15.64" in html
    assert 'name="form_key"' in html
    assert state() == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("changed", [{"item": "amount:2500"}, {"method": "paypal"}])
def test_a_choice_changed_after_its_price_was_shown_pays_nothing(client, line, changed):
    """Pay pressed for the price shown after another amount or method was picked (the page's script
    normally prices it again at once): nothing is ordered, and the new price is shown to pay."""
    form = quoted(client, checkout_form("0485 12 34 02", "amount:1500"))
    refused = client.post(TOPUP, {**form, **changed})
    assert refused.status_code == 200
    assert "The price changed since it was shown. Nothing was charged; please check the new price." in alerts(refused)
    assert state() == (0, 0, 0)
    # the price of what is picked now, to pay: €25.00, or €15.00 by PayPal (€0.64)
    assert confirmation(refused)["confirm"] != form["confirm"]
    assert ("Pay €25.00" if "item" in changed else "Pay €15.64") in refused.content.decode()


@pytest.mark.django_db
def test_an_item_not_offered_for_the_brand_is_refused(client, line, brand):
    other = create_bundle(create_brand(code="other"), price_amount=900)
    before = state()
    page = client.post(TOPUP, checkout_form("0485 12 34 02", f"bundle:{other.pk}"))
    assert "Select a valid choice." in " ".join(alerts(page))
    page = client.post(TOPUP, checkout_form("0485 12 34 02", "amount:1234"))
    assert "Select a valid choice." in " ".join(alerts(page))
    assert 'name="confirm"' not in page.content.decode()
    assert state() == before


@pytest.mark.django_db
def test_a_disabled_method_is_not_offered_nor_accepted(client, line, brand):
    brand.fees.filter(method="paypal").update(enabled=False)
    page = client.post(TOPUP, checkout_form("0485 12 34 02", "amount:1500", method="paypal"))
    assert "PayPal" not in page.content.decode()
    assert "Select a valid choice." in " ".join(alerts(page))


# --- The catalogue's button: the bundle chosen, the number typed on the same page --------------------


@pytest.mark.django_db
def test_a_catalogue_bundle_opens_checkout_with_it_chosen(client, line, bundle):
    page = client.get(f"{TOPUP}?product={bundle.pk}")
    html = page.content.decode()
    assert f'value="bundle:{bundle.pk}" checked' in html
    assert 'name="number"' in html
    assert "Type the mobile number to see the price." in html
    priced = client.post(f"{TOPUP}?product={bundle.pk}", checkout_form("0485 12 34 02", f"bundle:{bundle.pk}"))
    assert "For 0485 •• •• 02 (BASE)" in priced.content.decode()
    assert "Pay €15.00" in priced.content.decode()


@pytest.mark.django_db
def test_a_number_of_another_brand_than_the_bundle_says_so(client, bundle):
    orange = create_brand(code="orange", name="Orange Belgium")
    create_topup_product(orange)
    create_line(orange, msisdn="+32495111111")
    page = client.post(TOPUP, {**checkout_form("0495 11 11 11", f"bundle:{bundle.pk}"), "product": str(bundle.pk)})
    html = unescape(page.content.decode())
    assert "This number is with Orange Belgium: choose one of its top-ups or bundles." in html
    assert 'name="confirm"' not in html
    assert state() == (0, 0, 0)


# --- Limits per network address, never per number ------------------------------------------------------


@pytest.mark.django_db
def test_guest_look_ups_are_limited_per_address_and_a_priced_page_costs_none(client, line, settings):
    budget = checkout_views.GUEST_LOOKUPS.of("ip:127.0.0.1")
    client.post(TOPUP, {"number": "0485 12 34 02"})
    page = client.post(TOPUP, checkout_form("0485 12 34 02", "amount:1500"))
    seen = re.search(r'name="seen" value="([^"]+)"', page.content.decode())
    assert seen is not None
    # Changing the amount on the page (it sends its note of the number) uses no look-up.
    client.post(TOPUP, checkout_form("0485 12 34 02", "amount:2500", seen=seen.group(1)))
    assert checkout_views.throttles.remaining(budget) == checkout_views.GUEST_LOOKUPS.limit - 2
    for _ in range(checkout_views.GUEST_LOOKUPS.limit - 2):
        client.post(TOPUP, {"number": "0499 99 99 99"})
    refused = client.post(TOPUP, {"number": "0485 12 34 02"})
    (message,) = alerts(refused)
    assert message.startswith("Too many numbers looked up from your network connection. Try again at ")
    # Another address is not limited, and nothing counts per number.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert "0485 •• •• 02" in other.post(TOPUP, {"number": "0485 12 34 02"}).content.decode()
    assert not Counter.objects.filter(actor__contains="485").exists()
    assert not Counter.objects.filter(rule__contains="number").exists()


@pytest.mark.django_db
def test_a_forged_seen_note_still_costs_a_look_up(client, line):
    budget = checkout_views.GUEST_LOOKUPS.of("ip:127.0.0.1")
    client.post(TOPUP, checkout_form("0485 12 34 02", "amount:1500", seen="forged"))
    assert checkout_views.throttles.remaining(budget) == checkout_views.GUEST_LOOKUPS.limit - 1


# --- Privacy: an order opens with its key only ----------------------------------------------------------


@pytest.mark.django_db
def test_a_guest_order_opens_with_its_key_and_not_without(client, line, bundle):
    from tests.factories import create_order

    order = create_order(line=line, product=bundle, method="bancontact", customer=None, email="gift@example.be")
    other = create_order(line=line, product=bundle, method="bancontact", customer=None)
    key = access.access_key(order.number)
    opened = client.get(f"/en/orders/{order.number}/?key={key}")
    assert opened.status_code == 200
    assert order.number in opened.content.decode()
    # without the key a visitor is asked to log in; a wrong key, or another order's, finds nothing
    without = client.get(f"/en/orders/{order.number}/")
    assert (without.status_code, without.url) == (302, f"/en/login/?next=/en/orders/{order.number}/")
    for wrong in ("", "x" * 43, access.access_key(other.number), key[:-1], key + "A", f"{key}:{key}"):
        response = client.get(f"/en/orders/{order.number}/?key={wrong}")
        if wrong:
            assert response.status_code == 404, wrong
            assert order.masked_number not in response.content.decode()
    assert client.get(f"/en/orders/{other.number}/?key={key}").status_code == 404
    assert client.get(f"/en/orders/{order.number}/return/?key={access.access_key(other.number)}").status_code == 404
    # a logged-in stranger without the key sees nothing of it either
    stranger = Client()
    stranger.force_login(create_customer())
    assert stranger.get(f"/en/orders/{order.number}/").status_code == 404


@pytest.mark.django_db
def test_a_key_made_with_another_secret_does_not_open_the_order(client, line, bundle, settings):
    from tests.factories import create_order

    order = create_order(line=line, product=bundle, customer=None)
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    old_key = access.access_key(order.number)
    settings.SECRET_KEY = "the-real-secret-key-" + "z" * 40
    assert client.get(f"/en/orders/{order.number}/?key={old_key}").status_code == 404
    # a rotated key keeps working while the old one is among the fallbacks
    settings.SECRET_KEY_FALLBACKS = ["another-secret-key-" + "y" * 40]
    assert client.get(f"/en/orders/{order.number}/?key={old_key}").status_code == 200


@pytest.mark.django_db
def test_retrying_a_guest_order_starts_checkout_again_without_the_number(client, line, bundle):
    from tests.factories import create_order

    order = create_order(line=line, product=bundle, customer=None, status=OrderStatus.FAILED)
    response = client.get(f"/en/orders/{order.number}/retry/?key={access.access_key(order.number)}")
    assert (response.status_code, response.url) == (302, f"/en/topup/?product={bundle.pk}")
    assert client.get(f"/en/orders/{order.number}/retry/?key=nope").status_code == 404


# --- Logged-in customers keep their saved lines ------------------------------------------------------------


@pytest.mark.django_db
def test_a_customer_picks_a_saved_line_or_types_a_number(line, brand):
    customer = create_customer(email="owner@example.be")
    link(customer, line)
    client = Client()
    client.force_login(customer)
    page = client.get(TOPUP).content.decode()
    assert "0485 12 34 02 · BASE" in page
    picked = client.get(TOPUP + "?number=0485+12+34+02").content.decode()
    assert "0485 •• •• 02" in picked
    assert 'value="owner@example.be"' in picked  # the receipt goes to the account's address by default
    assert "Gift top-up" not in picked


# --- Paying: the sandbox, the return page, the e-mail's link ------------------------------------------------


@pytest.fixture
def site(live_server, settings) -> str:
    settings.SITE_URL = settings.PUBLIC_URL = live_server.url
    settings.MOLLIE_API_ENDPOINT = live_server.url + "/sandbox/mollie"
    return live_server.url


@pytest.mark.django_db(transaction=True)
def test_a_guest_pays_a_top_up_and_reaches_the_order_and_receipt_from_the_email(site, line):
    client = Client()
    form = quoted(client, checkout_form("0485 12 34 02", "amount:1500", email="Gift@Example.be"))
    paid = client.post(TOPUP, form)
    order = Order.objects.get()
    payment = Payment.objects.get()
    assert (order.customer, order.email, order.total_amount, order.channel) == (None, "gift@example.be", 1500, "web")
    assert paid.status_code == 302 and paid.url == payment.checkout_url
    assert "/sandbox/mollie/checkout/" in paid.url
    # the sandbox is paid, and the provider sends the buyer back to the return page with the key
    SandboxPayment.objects.filter(public_id=payment.provider_payment_id).update(status="paid")
    back = client.get(_return_path(order))
    assert back.status_code == 302
    assert back.url == access.order_path(order, "en")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL)
    assert mail.recipient == "gift@example.be"
    link_in_mail = re.search(r"https?://\S+/en/orders/\S+\?key=\S+", mail.body)
    assert link_in_mail is not None
    stranger = Client()
    opened = stranger.get(link_in_mail.group(0).removeprefix(site))
    assert opened.status_code == 200
    receipt_link = re.search(r'href="(/en/receipts/[^"]+)"', opened.content.decode())
    assert receipt_link is not None
    receipt = stranger.get(unescape(receipt_link.group(1)))
    assert receipt.status_code == 200
    assert order.receipt.number in receipt.content.decode()
    # without the link, the same visitor sees neither
    assert stranger.get(f"/en/orders/{order.number}/").status_code == 302
    assert stranger.get(f"/en/receipts/{order.receipt.number}/").status_code == 404


def _return_path(order: Order) -> str:
    return access.order_path(order, "en", page="portal:order_return")


@pytest.mark.django_db(transaction=True)
def test_a_guest_renews_a_bundle_by_bank_transfer_and_sees_where_to_pay(site, line, bundle):
    client = Client()
    form = quoted(client, checkout_form("0485 12 34 02", f"bundle:{bundle.pk}", method="banktransfer"))
    paid = client.post(TOPUP, form)
    order = Order.objects.get()
    assert (order.kind, order.total_amount, order.status) == ("bundle", 1500, OrderStatus.AWAITING_PAYMENT)
    assert paid.url == access.order_path(order, "en")
    page = client.get(paid.url).content.decode()
    assert "+++" in page  # the structured reference
    assert order.email == ""


@pytest.mark.django_db(transaction=True)
def test_a_confirm_sent_twice_places_one_order(site, line):
    client = Client()
    form = quoted(client, checkout_form("0485 12 34 02", "amount:1000"))
    first = client.post(TOPUP, form)
    again = client.post(TOPUP, form)
    assert first.url == again.url
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    # the same key with another amount is refused and changes nothing
    other = client.post(TOPUP, {**form, "item": "amount:2500"})
    assert other.status_code == 200
    assert Order.objects.count() == 1
    assert alerts(other)
    # a confirm without a key places nothing
    keyless = {k: v for k, v in form.items() if k != "form_key"}
    assert client.post(TOPUP, keyless).status_code == 200
    assert Order.objects.count() == 1
    assert IdempotentCall.objects.filter(scope=checkout_views.GUEST_SCOPE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_guest_orders_are_limited_per_address(site, line, monkeypatch):
    monkeypatch.setattr(
        checkout_views,
        "GUEST_ORDERS",
        checkout_views.throttles.Rule(
            "checkout:order:address", 2, checkout_views.HOUR, checkout_views.GUEST_ORDERS.refusal
        ),
    )
    client = Client()
    for _ in range(2):
        assert client.post(TOPUP, quoted(client, checkout_form("0485 12 34 02", "amount:1000"))).status_code == 302
    refused = client.post(TOPUP, quoted(client, checkout_form("0485 12 34 02", "amount:1000")))
    assert refused.status_code == 200
    (message,) = alerts(refused)
    assert message.startswith("Too many orders from your network connection. Try again at ")
    assert Order.objects.count() == 2
    # the refused key is free again (nothing was done under it)
    assert IdempotentCall.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_guest_paying_by_bank_transfer_gets_how_to_pay_by_email_once(site, line, bundle):
    from simrenew.orders.transfer_instructions import send_transfer_instructions

    client = Client()
    form = quoted(
        client, checkout_form("0485 12 34 02", f"bundle:{bundle.pk}", method="banktransfer", email="an@example.be")
    )
    client.post(TOPUP, form)
    order = Order.objects.get()
    payment = Payment.objects.get()
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL)
    assert mail.recipient == "an@example.be"
    assert order.number in mail.subject
    reference = payment.details["transfer_reference"]
    assert reference in mail.body
    iban = payment.details["bank_account"]
    assert " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) in mail.body  # grouped by four
    link = re.search(r"https?://\S+/en/orders/\S+\?key=\S+", mail.body)
    assert link is not None
    opened = Client().get(link.group(0).removeprefix(site))
    assert opened.status_code == 200 and reference in opened.content.decode()
    # once per payment, whoever asks again
    assert send_transfer_instructions.call(payment.pk) is False
    assert OutboxMessage.objects.filter(kind=OutboxKind.EMAIL).count() == 1
