"""Promotion eligibility as a table: one purchase (a 15 EUR bundle or a top-up on the web), one
promotion changed one way at a time, and the reason it does (not) apply."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simrenew.lines.models import Line
from simrenew.promotions import service
from simrenew.promotions.errors import UnknownPromoCode
from simrenew.promotions.models import Promotion, PromotionKind, PromotionStatus, Redemption, RedemptionStatus
from tests.factories import create_brand, create_bundle, create_customer, create_line, create_topup_product
from tests.lifecycle import create_promotion

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


class World:
    def __init__(self) -> None:
        self.brand = create_brand(code="acme")
        self.other_brand = create_brand(code="other")
        self.line = create_line(self.brand)
        self.bundle = create_bundle(self.brand, price_amount=1500)
        self.other_bundle = create_bundle(self.brand, price_amount=2000)
        self.topup = create_topup_product(self.brand)
        self.customer = create_customer()

    def redeem(
        self,
        promotion: Promotion,
        *,
        line: Line | None = None,
        status: str = RedemptionStatus.REDEEMED,
        customer: Any = "same",
    ) -> None:
        Redemption.objects.create(
            promotion=promotion,
            order_id=Redemption.objects.count() + 1000,
            line=line or self.line,
            customer=self.customer if customer == "same" else customer,
            discount_amount=300,
            status=status,
            created_at=T0 - DAY,
        )


Setup = Callable[[World, Promotion], None]


def nothing(world: World, promotion: Promotion) -> None:
    pass


def line_had_a_bundle(world: World, promotion: Promotion) -> None:
    world.line.periods.create(product=world.bundle, status="expired", starts_at=T0 - 60 * DAY, ends_at=T0 - 30 * DAY)


def restrict_to_other_product(world: World, promotion: Promotion) -> None:
    promotion.products.set([world.other_bundle])


def restrict_to_this_product(world: World, promotion: Promotion) -> None:
    promotion.products.set([world.bundle])


def other_brand(world: World, promotion: Promotion) -> None:
    promotion.brand = world.other_brand
    promotion.save()


def line_redeemed_once(world: World, promotion: Promotion) -> None:
    world.redeem(promotion)


def line_released_once(world: World, promotion: Promotion) -> None:
    world.redeem(promotion, status=RedemptionStatus.RELEASED)


def customer_redeemed_on_another_line(world: World, promotion: Promotion) -> None:
    world.redeem(promotion, line=create_line(world.brand))


def someone_else_redeemed(world: World, promotion: Promotion) -> None:
    world.redeem(promotion, line=create_line(world.brand), customer=create_customer())


DISCOUNT = {"kind": PromotionKind.BUNDLE_DISCOUNT, "percent_bp": 2000}  # 20 % off: 3.00 on 15.00
BONUS = {"kind": PromotionKind.TOPUP_BONUS, "bonus_amount": 500, "min_topup_amount": 1500}

# (case, promotion fields, purchase changes, setup, expected reason)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], Setup, str | None]] = [
    ("applies", DISCOUNT, {}, nothing, None),
    ("paused", {**DISCOUNT, "status": PromotionStatus.PAUSED}, {}, nothing, "not_active"),
    ("draft", {**DISCOUNT, "status": PromotionStatus.DRAFT}, {}, nothing, "not_active"),
    ("ended", {**DISCOUNT, "status": PromotionStatus.ENDED}, {}, nothing, "not_active"),
    ("not started yet", {**DISCOUNT, "starts_at": T0 + DAY}, {}, nothing, "outside_window"),
    ("window over", {**DISCOUNT, "ends_at": T0}, {}, nothing, "outside_window"),
    ("window still open", {**DISCOUNT, "ends_at": T0 + timedelta(seconds=1)}, {}, nothing, None),
    ("other brand", DISCOUNT, {}, other_brand, "other_brand"),
    ("other product", DISCOUNT, {}, restrict_to_other_product, "other_product"),
    ("listed product", DISCOUNT, {}, restrict_to_this_product, None),
    ("shop only", {**DISCOUNT, "channels": ["shop"]}, {}, nothing, "other_channel"),
    ("web and kiosk", {**DISCOUNT, "channels": ["web", "kiosk"]}, {}, nothing, None),
    ("auto-renew channel", {**DISCOUNT, "channels": ["auto"]}, {"channel": "auto"}, nothing, None),
    ("code not typed", {**DISCOUNT, "promo_code": "SPRING26"}, {}, nothing, "needs_code"),
    ("wrong code", {**DISCOUNT, "promo_code": "SPRING26"}, {"promo_code": "SUMMER"}, nothing, "needs_code"),
    ("code typed loosely", {**DISCOUNT, "promo_code": "SPRING26"}, {"promo_code": " spring 26 "}, nothing, None),
    ("new lines only, new line", {**DISCOUNT, "new_lines_only": True}, {}, nothing, None),
    ("new lines only, old line", {**DISCOUNT, "new_lines_only": True}, {"is_new_line": False}, line_had_a_bundle,
     "not_a_new_line"),
    ("first bundle free, new line", {"kind": PromotionKind.FIRST_BUNDLE, "percent_bp": 10000}, {}, nothing, None),
    ("first bundle free, old line", {"kind": PromotionKind.FIRST_BUNDLE, "percent_bp": 10000},
     {"is_new_line": False}, line_had_a_bundle, "not_a_new_line"),
    ("once per line, used", {**DISCOUNT, "per_line_limit": 1}, {}, line_redeemed_once, "line_limit_reached"),
    ("once per line, released", {**DISCOUNT, "per_line_limit": 1}, {}, line_released_once, None),
    ("once per customer, used elsewhere", {**DISCOUNT, "per_customer_limit": 1}, {},
     customer_redeemed_on_another_line, "customer_limit_reached"),
    ("once per customer, another's", {**DISCOUNT, "per_customer_limit": 1}, {}, someone_else_redeemed, None),
    ("once per customer, no customer", {**DISCOUNT, "per_customer_limit": 1}, {"customer_id": None},
     customer_redeemed_on_another_line, None),
    ("budget too small", {**DISCOUNT, "budget_amount": 299}, {}, nothing, "budget_spent"),
    ("budget nearly spent", {**DISCOUNT, "budget_amount": 1000, "spent_amount": 701}, {}, nothing, "budget_spent"),
    ("budget just enough", {**DISCOUNT, "budget_amount": 1000, "spent_amount": 700}, {}, nothing, None),
    ("nothing to give", {"kind": PromotionKind.BUNDLE_DISCOUNT}, {}, nothing, "nothing_to_give"),
    ("bonus is for top-ups", BONUS, {}, nothing, "other_kind_of_product"),
    ("discount is for bundles", DISCOUNT, {"topup": 2000}, nothing, "other_kind_of_product"),
    ("top-up bonus", BONUS, {"topup": 1500}, nothing, None),
    ("top-up below the minimum", BONUS, {"topup": 1000}, nothing, "below_minimum"),
    ("within 31 days of the last top-up", {**BONUS, "within_days_of_previous_topup": 31},
     {"topup": 2000, "previous_topup_at": T0 - 20 * DAY}, nothing, None),
    ("31 days to the second", {**BONUS, "within_days_of_previous_topup": 31},
     {"topup": 2000, "previous_topup_at": T0 - 31 * DAY}, nothing, None),
    ("too long after the last top-up", {**BONUS, "within_days_of_previous_topup": 31},
     {"topup": 2000, "previous_topup_at": T0 - 32 * DAY}, nothing, "no_recent_topup"),
    ("no top-up before", {**BONUS, "within_days_of_previous_topup": 31}, {"topup": 2000}, nothing,
     "no_recent_topup"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "changes", "setup", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_eligibility(fields: dict[str, Any], changes: dict[str, Any], setup: Setup, expected: str | None) -> None:
    world = World()
    fields = {"starts_at": T0 - DAY, **fields}
    promotion = create_promotion(code="p", **fields)
    setup(world, promotion)
    changes = dict(changes)
    topup = changes.pop("topup", None)
    purchase = service.Purchase(
        line=world.line,
        product_id=world.topup.pk if topup else world.bundle.pk,
        is_bundle=topup is None,
        list_amount=topup or 1500,
        channel=changes.pop("channel", "web"),
        customer_id=changes.pop("customer_id", world.customer.pk),
        at=T0,
        is_new_line=changes.pop("is_new_line", True),
        **changes,
    )
    promotion.refresh_from_db()
    assert service.why_not(promotion, purchase) == expected
    if purchase.promo_code and expected is not None:
        # A typed code that gives nothing is refused, so the customer sees it did not apply.
        with pytest.raises(UnknownPromoCode):
            service.best_offer(purchase)
        return
    offer = service.best_offer(purchase)
    if expected is None:
        assert offer is not None and offer.parts[0].promotion == promotion
    else:
        assert offer is None
