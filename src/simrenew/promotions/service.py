"""Which offers a purchase is eligible for, the best of them, and their budgets.

An offer is reserved when the order is placed (the promotion's row is locked, its limits checked
and its spent amount raised by a conditional update that can never pass the budget), redeemed when
the order is fulfilled, and released when the order ends unpaid. Callers own the transaction;
lock order: line → promotion (by id) → order.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils.translation import get_language

from simrenew.kit import clock
from simrenew.kit.money import percent_of
from simrenew.lines.models import Line
from simrenew.promotions.errors import OfferUnavailable, PromotionEnded, UnknownPromoCode
from simrenew.promotions.models import Promotion, PromotionKind, PromotionStatus, Redemption, RedemptionStatus
from simrenew.reference import cache as reference

BUNDLE_KINDS = {PromotionKind.FIRST_BUNDLE, PromotionKind.BUNDLE_DISCOUNT}
LIVE_STATUSES = [RedemptionStatus.RESERVED, RedemptionStatus.REDEEMED]


def normalize_code(code: str) -> str:
    return "".join((code or "").split()).upper()


@dataclass(frozen=True)
class Purchase:
    """What is being bought, as eligibility needs to know it."""

    line: Line
    product_id: int
    is_bundle: bool
    list_amount: int
    channel: str
    customer_id: int | None
    at: datetime
    promo_code: str = ""
    # Facts only orders know: no bundle bought or started on this line before; the last top-up.
    is_new_line: bool = False
    previous_topup_at: datetime | None = None


@dataclass(frozen=True)
class Part:
    promotion: Promotion
    discount_amount: int
    bonus_amount: int

    @property
    def cost_amount(self) -> int:
        return self.discount_amount + self.bonus_amount


@dataclass(frozen=True)
class Offer:
    parts: tuple[Part, ...]

    @property
    def discount_amount(self) -> int:
        return sum(part.discount_amount for part in self.parts)

    @property
    def bonus_amount(self) -> int:
        return sum(part.bonus_amount for part in self.parts)

    @property
    def value(self) -> int:
        return self.discount_amount + self.bonus_amount

    def label(self, language: str | None = None) -> str:
        lang = (language or get_language() or "en").lower()
        return " + ".join(part.promotion.name_in(lang) for part in self.parts)

    def bonus_expires_at(self, at: datetime) -> datetime | None:
        days = [part.promotion.bonus_validity_days for part in self.parts if part.bonus_amount]
        return at + timedelta(days=min(days)) if days else None


def why_not(promotion: Promotion, purchase: Purchase) -> str | None:
    """Why this promotion does not apply to this purchase (a short reason code), or None if it does."""
    if promotion.status != PromotionStatus.ACTIVE:
        return "not_active"
    if promotion.starts_at > purchase.at or (promotion.ends_at is not None and promotion.ends_at <= purchase.at):
        return "outside_window"
    if promotion.brand_id is not None and promotion.brand_id != purchase.line.brand_id:
        return "other_brand"
    if (promotion.kind in BUNDLE_KINDS) != purchase.is_bundle:
        return "other_kind_of_product"
    product_ids = {product.pk for product in promotion.products.all()}
    if product_ids and purchase.product_id not in product_ids:
        return "other_product"
    if promotion.channels and purchase.channel not in promotion.channels:
        return "other_channel"
    if promotion.promo_code and normalize_code(purchase.promo_code) != promotion.promo_code:
        return "needs_code"
    if (promotion.new_lines_only or promotion.kind == PromotionKind.FIRST_BUNDLE) and not purchase.is_new_line:
        return "not_a_new_line"
    if promotion.kind == PromotionKind.TOPUP_BONUS:
        if promotion.min_topup_amount is not None and purchase.list_amount < promotion.min_topup_amount:
            return "below_minimum"
        if promotion.within_days_of_previous_topup is not None and (
            purchase.previous_topup_at is None
            or purchase.at - purchase.previous_topup_at > timedelta(days=promotion.within_days_of_previous_topup)
        ):
            return "no_recent_topup"
    live = Redemption.objects.filter(promotion=promotion, status__in=LIVE_STATUSES)
    if promotion.per_line_limit is not None and live.filter(line=purchase.line).count() >= promotion.per_line_limit:
        return "line_limit_reached"
    if (
        promotion.per_customer_limit is not None
        and purchase.customer_id is not None
        and live.filter(customer_id=purchase.customer_id).count() >= promotion.per_customer_limit
    ):
        return "customer_limit_reached"
    part = _part(promotion, purchase)
    if part.cost_amount <= 0:
        return "nothing_to_give"
    if promotion.remaining_budget is not None and part.cost_amount > promotion.remaining_budget:
        return "budget_spent"
    return None


def _part(promotion: Promotion, purchase: Purchase) -> Part:
    if promotion.kind in BUNDLE_KINDS:
        discount = promotion.amount_off + percent_of(purchase.list_amount, promotion.percent_bp)
        return Part(promotion, min(discount, purchase.list_amount), 0)
    bonus = promotion.bonus_amount + percent_of(purchase.list_amount, promotion.bonus_percent_bp)
    return Part(promotion, 0, bonus)


@dataclass(frozen=True)
class Window:
    """When, where and for whom a promotion runs: what the per-process list keeps of it."""

    id: int
    brand_id: int | None
    channels: tuple[str, ...]
    promo_code: str
    starts_at: datetime
    ends_at: datetime | None


def _windows() -> list[Window]:
    # Promotions are created, paused and ended in the back office (saves, which reload this);
    # their spent budgets move with every sale and are never kept here.
    return reference.cached(
        "promotion-windows",
        lambda: [
            Window(p.id, p.brand_id, tuple(p.channels or ()), p.promo_code, p.starts_at, p.ends_at)
            for p in Promotion.objects.filter(status=PromotionStatus.ACTIVE).only(
                "id", "brand_id", "channels", "promo_code", "starts_at", "ends_at"
            )
        ],
    )


def live_promotion_ids(*, brand_id: int, channel: str, at: datetime, promo_code: str = "") -> tuple[int, ...]:
    """The promotions running now for this brand and channel (and code): none costs no query."""
    code = normalize_code(promo_code)
    return tuple(
        sorted(
            w.id
            for w in _windows()
            if (w.brand_id is None or w.brand_id == brand_id)
            and w.starts_at <= at
            and (w.ends_at is None or w.ends_at > at)
            and (not w.channels or channel in w.channels)
            and (w.promo_code == "" or w.promo_code == code)
        )
    )


def candidates(purchase: Purchase) -> list[Promotion]:
    ids = live_promotion_ids(
        brand_id=purchase.line.brand_id, channel=purchase.channel, at=purchase.at, promo_code=purchase.promo_code
    )
    if not ids:
        return []
    query = Promotion.objects.filter(pk__in=ids, status=PromotionStatus.ACTIVE, starts_at__lte=purchase.at).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=purchase.at)
    )
    return list(query.prefetch_related("products").order_by("id"))


def best_offer(purchase: Purchase) -> Offer | None:
    """The offer worth most to the customer: the best single offer, or all stackable ones together.

    A promo code that matches no eligible promotion is refused (UnknownPromoCode), so the customer
    sees that the code did nothing rather than paying more than they expected.
    """
    eligible = [promotion for promotion in candidates(purchase) if why_not(promotion, purchase) is None]
    if purchase.promo_code and not any(p.promo_code for p in eligible):
        raise UnknownPromoCode(field="promo_code")
    options = [Offer((_part(promotion, purchase),)) for promotion in eligible if not promotion.stackable]
    stackable = [_part(promotion, purchase) for promotion in eligible if promotion.stackable]
    if stackable:
        options.append(Offer(_cap_discounts(stackable, purchase.list_amount)))
    if not options:
        return None
    return max(options, key=lambda offer: (offer.value, -len(offer.parts), -offer.parts[0].promotion.pk))


def _cap_discounts(parts: list[Part], list_amount: int) -> tuple[Part, ...]:
    """Stacked discounts never take the price below zero."""
    capped, left = [], list_amount
    for part in parts:
        discount = min(part.discount_amount, left)
        left -= discount
        capped.append(Part(part.promotion, discount, part.bonus_amount))
    return tuple(part for part in capped if part.cost_amount > 0)


def reserve(*, offer: Offer, order_id: int, purchase: Purchase) -> list[Redemption]:
    """Take the offer's cost from each promotion's budget for this order, or raise OfferUnavailable.

    Each promotion row is locked (in id order) while its limits are checked again, and the budget
    moves by a conditional update, so concurrent orders can never overspend it.
    """
    redemptions = []
    for part in sorted(offer.parts, key=lambda p: p.promotion.pk):
        promotion = Promotion.objects.select_for_update().get(pk=part.promotion.pk)
        if why_not(promotion, purchase) is not None:
            raise OfferUnavailable()
        moved = (
            Promotion.objects.filter(pk=promotion.pk, status=PromotionStatus.ACTIVE)
            .filter(Q(budget_amount__isnull=True) | Q(spent_amount__lte=F("budget_amount") - part.cost_amount))
            .update(spent_amount=F("spent_amount") + part.cost_amount, redemptions_count=F("redemptions_count") + 1)
        )
        if not moved:
            raise OfferUnavailable()
        redemptions.append(
            Redemption.objects.create(
                promotion=promotion,
                order_id=order_id,
                line=purchase.line,
                customer_id=purchase.customer_id,
                discount_amount=part.discount_amount,
                bonus_amount=part.bonus_amount,
                created_at=clock.now(),
            )
        )
    return redemptions


def redeem(*, order_id: int) -> list[Redemption]:
    """The order was fulfilled: its reserved offers are spent for good. Returns its redemptions."""
    Redemption.objects.filter(order_id=order_id, status=RedemptionStatus.RESERVED).update(
        status=RedemptionStatus.REDEEMED, redeemed_at=clock.now()
    )
    return list(
        Redemption.objects.filter(order_id=order_id, status=RedemptionStatus.REDEEMED).select_related("promotion")
    )


def release(*, order_id: int, voided: bool = False) -> int:
    """The order ended unpaid (or, with `voided`, its sale was voided): give its cost back to
    each promotion's budget, once."""
    released = 0
    statuses = [RedemptionStatus.RESERVED, RedemptionStatus.REDEEMED] if voided else [RedemptionStatus.RESERVED]
    for redemption in Redemption.objects.filter(order_id=order_id, status__in=statuses):
        if Redemption.objects.filter(pk=redemption.pk, status=redemption.status).update(
            status=RedemptionStatus.RELEASED, released_at=clock.now()
        ):
            Promotion.objects.filter(pk=redemption.promotion_id).update(
                spent_amount=F("spent_amount") - redemption.cost_amount,
                redemptions_count=F("redemptions_count") - 1,
            )
            released += 1
    return released


def set_status(*, promotion: Promotion, status: str) -> Promotion:
    """Back office: activate, pause or end a promotion. An ended promotion stays ended."""
    if promotion.status == PromotionStatus.ENDED and status != PromotionStatus.ENDED:
        raise PromotionEnded()
    promotion.status = status
    update_fields = ["status"]
    if status == PromotionStatus.ENDED and (promotion.ends_at is None or promotion.ends_at > clock.now()):
        promotion.ends_at = clock.now()
        update_fields.append("ends_at")
    promotion.save(update_fields=update_fields)
    return promotion
