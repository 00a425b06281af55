"""Promotions end to end through orders: the best offer in the quote, the budget reserved and given
back, the ledger (promotion expense, revenue at list price, bonus credit apart), the receipt and
e-mail that explain it, and the back office report."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal
from simrenew.lines.models import BonusGrant
from simrenew.lines.queries import balances
from simrenew.notifications.models import OutboxKind, OutboxMessage
from simrenew.orders.models import OrderStatus
from simrenew.orders.quotes import quote_order
from simrenew.orders.tasks import send_confirmation
from simrenew.promotions import service
from simrenew.promotions.errors import OfferUnavailable, UnknownPromoCode
from simrenew.promotions.models import Promotion, PromotionKind, PromotionStatus, Redemption, RedemptionStatus
from simrenew.promotions.service import Purchase
from simrenew.staff.roles import FINANCE, MARKETING
from tests.factories import (
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_order,
    create_topup_product,
    fail_payment,
    fulfil_paid,
)
from tests.lifecycle import create_promotion, tick
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def brand():
    return create_brand(code="acme")


@pytest.fixture
def bundle(brand):
    return create_bundle(brand, price_amount=1500)


def postings_of(order) -> dict[str, int]:
    journal = Journal.objects.get(key=f"order:{order.pk}:fulfil")
    return dict(journal.postings.values_list("account__code", "amount"))


def test_the_best_offer_wins_and_only_stackable_offers_combine(brand, bundle):
    line = create_line(brand, credit=5000)
    ten = create_promotion(code="ten", starts_at=T0, percent_bp=1000)  # 1.50
    two = create_promotion(code="two", starts_at=T0, amount_off=200, names={"en": "Two off"})  # 2.00
    purchase = Purchase(
        line=line, product_id=bundle.pk, is_bundle=True, list_amount=1500, channel="web", customer_id=None, at=T0
    )
    offer = service.best_offer(purchase)
    assert offer is not None and [p.promotion for p in offer.parts] == [two] and offer.discount_amount == 200

    # Two stackable offers together (1.50 + 1.00) beat the best single one.
    Promotion.objects.filter(pk=ten.pk).update(stackable=True)
    create_promotion(code="one", starts_at=T0, amount_off=100, stackable=True)
    offer = service.best_offer(purchase)
    assert offer is not None and offer.discount_amount == 250 and len(offer.parts) == 2
    assert offer.label("en") == "Offer ten + Offer one"

    # Stacked discounts never take the price below zero.
    create_promotion(code="big", starts_at=T0, amount_off=1400, stackable=True)
    offer = service.best_offer(purchase)
    assert offer is not None and offer.discount_amount == 1500


def test_a_campaign_discount_is_quoted_reserved_and_posted_as_promotion_expense(brand, bundle):
    customer = create_customer(email="deal@example.be")
    line = create_line(brand)
    promotion = create_promotion(
        code="spring",
        starts_at=T0,
        ends_at=T0 + timedelta(days=30),
        percent_bp=2000,
        budget_amount=10_000,
        names={"en": "Spring deal", "nl": "Lentedeal"},
    )

    quote = quote_order(channel="web", line=line, product=bundle, method="bancontact", customer_id=customer.pk)
    assert (quote.list_amount, quote.discount_amount, quote.total_amount) == (1500, 300, 1200)
    assert quote.discount_label == "Spring deal"
    assert quote.vat_amount == 208  # VAT on what is paid: 12.00

    order = create_order(line=line, product=bundle, method="bancontact", customer=customer, language="nl")
    assert (order.discount_amount, order.total_amount, order.promotion_label) == (300, 1200, "Lentedeal")
    promotion.refresh_from_db()
    assert (promotion.spent_amount, promotion.redemptions_count) == (300, 1)
    assert Redemption.objects.get().status == RedemptionStatus.RESERVED

    fulfil_paid(order)
    assert postings_of(order) == {
        "provider:mollie:clearing": -1200,
        "brand:acme:revenue": 1500 - 208,
        "platform:vat_payable": 208,
        "brand:acme:promotion_expense": -300,
    }
    assert Redemption.objects.get().status == RedemptionStatus.REDEEMED
    assert ledger.verify() == []


def test_an_order_never_paid_gives_its_budget_back(brand, bundle):
    promotion = create_promotion(code="spring", starts_at=T0, percent_bp=2000, budget_amount=300)
    first = create_order(line=create_line(brand), product=bundle, method="bancontact")
    assert first.discount_amount == 300
    # The budget is taken: the next customer pays the full price.
    second = create_order(line=create_line(brand), product=bundle, method="bancontact")
    assert second.discount_amount == 0

    fail_payment(first)  # what the unpaid outcome does in sync_payment, without the release:
    service.release(order_id=first.pk)
    promotion.refresh_from_db()
    assert (promotion.spent_amount, promotion.redemptions_count) == (0, 0)
    assert service.release(order_id=first.pk) == 0  # once only
    third = create_order(line=create_line(brand), product=bundle, method="bancontact")
    assert third.discount_amount == 300


def test_an_abandoned_order_expires_and_releases_its_offer(brand, bundle, django_capture_on_commit_callbacks):
    promotion = create_promotion(code="spring", starts_at=T0, percent_bp=2000, budget_amount=300)
    order = create_order(line=create_line(brand), product=bundle, method="bancontact")  # never sent to payment
    with django_capture_on_commit_callbacks(execute=True):
        tick()
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED  # not yet an hour
    with django_capture_on_commit_callbacks(execute=True):
        from simrenew.orders import service as orders

        assert orders.expire_abandoned_orders(before=T0 + timedelta(minutes=1)) == 1
    order.refresh_from_db()
    promotion.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert promotion.spent_amount == 0


def test_a_stale_offer_is_refused_when_the_budget_ran_out_meanwhile(brand, bundle):
    line = create_line(brand)
    promotion = create_promotion(code="spring", starts_at=T0, percent_bp=2000, budget_amount=300)
    purchase = Purchase(
        line=line, product_id=bundle.pk, is_bundle=True, list_amount=1500, channel="web", customer_id=None, at=T0
    )
    offer = service.best_offer(purchase)
    assert offer is not None
    Promotion.objects.filter(pk=promotion.pk).update(spent_amount=100)  # another order took part of it
    with pytest.raises(OfferUnavailable), transaction.atomic():
        service.reserve(offer=offer, order_id=1, purchase=purchase)
    promotion.refresh_from_db()
    assert promotion.spent_amount == 100
    assert Redemption.objects.count() == 0


def test_a_new_lines_first_bundle_free_needs_no_payment(brand, bundle):
    customer = create_customer()
    line = create_line(brand)
    create_promotion(
        code="welcome",
        kind=PromotionKind.FIRST_BUNDLE,
        starts_at=T0,
        percent_bp=10000,
        names={"en": "Welcome: first month free"},
    )
    quote = quote_order(channel="web", line=line, product=bundle, method="creditcard", customer_id=customer.pk)
    assert (quote.method, quote.fee_amount, quote.total_amount) == ("credit", 0, 0)

    order = create_order(line=line, product=bundle, method="creditcard", customer=customer)

    assert (order.status, order.method, order.total_amount, order.vat_amount) == (OrderStatus.FULFILLED, "credit", 0, 0)
    assert postings_of(order) == {"brand:acme:revenue": 1500, "brand:acme:promotion_expense": -1500}
    assert line.periods.count() == 1
    # The second bundle of the line is no longer its first.
    assert quote_order(channel="web", line=line, product=bundle, method="creditcard").discount_amount == 0
    assert ledger.verify() == []


def test_a_topup_bonus_is_kept_apart_spent_first_and_expires_on_its_own(brand, bundle):
    customer = create_customer(email="bonus@example.be")
    line = create_line(brand)
    topup = create_topup_product(brand)
    create_promotion(
        code="reload",
        kind=PromotionKind.TOPUP_BONUS,
        starts_at=T0,
        bonus_amount=500,
        min_topup_amount=1500,
        within_days_of_previous_topup=31,
        bonus_validity_days=31,
        names={"en": "Reload bonus"},
    )
    first = fulfil_paid(
        create_order(line=line, product=topup, topup_amount=1500, method="bancontact", customer=customer)
    )
    assert first.bonus_amount == 0  # no previous top-up yet

    second = create_order(line=line, product=topup, topup_amount=1500, method="bancontact", customer=customer)
    assert (second.bonus_amount, second.total_amount, second.promotion_label) == (500, 1500, "Reload bonus")
    second = fulfil_paid(second)

    assert postings_of(second) == {
        "provider:mollie:clearing": -1500,
        line.credit_account_code: 1500,
        line.bonus_account_code: 500,
        "brand:acme:promotion_expense": -500,
    }
    assert (balances(line).credit_amount, balances(line).bonus_amount) == (3000, 500)
    grant = BonusGrant.objects.get()
    assert (grant.amount, grant.expires_at) == (500, T0 + timedelta(days=31))
    assert second.bonus_expires_at == T0 + timedelta(days=31)

    # The e-mail explains the bonus; so does the receipt.
    assert send_confirmation.call(second.pk) is True
    mail = OutboxMessage.objects.get(kind=OutboxKind.EMAIL, subject__contains=second.number)
    assert "Reload bonus" in mail.body and "€5.00" in mail.body
    receipt = Client().get(f"/en/receipts/{second.receipt.number}/?code={second.receipt.verification_code}")
    assert "Reload bonus" in receipt.content.decode()

    create_order(line=line, product=bundle, method="credit")  # 15.00: 5.00 bonus first, then 10.00 credit
    assert (balances(line).credit_amount, balances(line).bonus_amount) == (2000, 0)
    assert BonusGrant.objects.get().remaining_amount == 0
    assert ledger.verify() == []


def test_unused_bonus_expires_into_breakage(brand, django_capture_on_commit_callbacks, time_machine):
    line = create_line(brand)
    topup = create_topup_product(brand)
    create_promotion(
        code="reload",
        kind=PromotionKind.TOPUP_BONUS,
        starts_at=T0,
        bonus_amount=500,
        min_topup_amount=1500,
        bonus_validity_days=31,
    )
    fulfil_paid(create_order(line=line, product=topup, topup_amount=2000, method="bancontact"))
    assert balances(line).bonus_amount == 500

    time_machine.move_to(T0 + timedelta(days=31, minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        results = tick()
    assert results["lines.bonus_expiry"] == {"bonus_expired_amount": 500}
    assert (balances(line).credit_amount, balances(line).bonus_amount) == (2000, 0)
    assert ledger.balance(ledger.account("brand:acme:breakage", "breakage")) == 500
    assert ledger.verify() == []


def test_a_promo_code_applies_only_when_typed_and_an_unknown_one_is_refused(brand, bundle):
    line = create_line(brand)
    create_promotion(code="students", starts_at=T0, amount_off=500, promo_code="STUDENT26")
    assert quote_order(channel="web", line=line, product=bundle, method="bancontact").discount_amount == 0
    assert (
        quote_order(
            channel="web", line=line, product=bundle, method="bancontact", promo_code="student26"
        ).discount_amount
        == 500
    )
    with pytest.raises(UnknownPromoCode):
        quote_order(channel="web", line=line, product=bundle, method="bancontact", promo_code="NOPE")


def test_paused_and_ended_promotions_stop_applying(brand, bundle):
    line = create_line(brand)
    promotion = create_promotion(code="spring", starts_at=T0, percent_bp=2000)
    service.set_status(promotion=promotion, status=PromotionStatus.PAUSED)
    assert quote_order(channel="web", line=line, product=bundle, method="bancontact").discount_amount == 0
    service.set_status(promotion=promotion, status=PromotionStatus.ACTIVE)
    assert quote_order(channel="web", line=line, product=bundle, method="bancontact").discount_amount == 300
    service.set_status(promotion=promotion, status=PromotionStatus.ENDED)
    assert promotion.ends_at == T0
    with pytest.raises(service.PromotionEnded):
        service.set_status(promotion=promotion, status=PromotionStatus.ACTIVE)


def test_the_back_office_report_shows_redemptions_and_cost_to_staff_only(brand, bundle):
    promotion = create_promotion(
        code="spring", starts_at=T0, percent_bp=2000, budget_amount=1000, names={"en": "Spring deal"}
    )
    fulfil_paid(create_order(line=create_line(brand), product=bundle, method="bancontact"))
    create_order(line=create_line(brand), product=bundle, method="bancontact")  # reserved, not paid

    client = Client()
    url = reverse("backoffice:promotions")
    assert client.get(url).status_code == 302  # to the login
    client.force_login(create_customer(email="not-staff@example.be"))
    assert client.get(url).status_code == 403
    client = staff_session(create_staff_user(MARKETING, email="staff@example.be"))
    page = client.get(url).content.decode()
    assert "Spring deal" in page and "€3.00" in page and "€4.00 / €10.00" in page
    assert "1 redemption, costing €3.00 in all" in page  # one, not "1 redemptions"

    detail = reverse("backoffice:promotion", kwargs={"promotion_id": promotion.pk})
    assert client.get(detail).status_code == 200
    response = client.post(
        reverse("backoffice:promotion_status", kwargs={"promotion_id": promotion.pk}), {"status": "paused"}
    )
    assert response.status_code == 302
    promotion.refresh_from_db()
    assert promotion.status == PromotionStatus.PAUSED
    # Creating and editing promotions is the admin's, for the roles with the permission (marketing).
    assert client.get(reverse("admin:promotions_promotion_add")).status_code == 200
    assert client.get(reverse("admin:promotions_promotion_change", args=[promotion.pk])).status_code == 200
    finance = staff_session(create_staff_user(FINANCE))
    assert finance.get(reverse("admin:promotions_promotion_add")).status_code == 403
