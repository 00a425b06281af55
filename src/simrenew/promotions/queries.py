"""Promotion reads: for the back office, what each promotion gave and what it cost; for the
catalogue, which run now."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, Sum

from simrenew.promotions.models import Promotion, PromotionStatus, Redemption, RedemptionStatus


@dataclass(frozen=True)
class PromotionReport:
    promotion: Promotion
    redeemed: int
    reserved: int
    released: int
    discount_amount: int
    bonus_amount: int

    @property
    def cost_amount(self) -> int:
        return self.discount_amount + self.bonus_amount


def report(promotions: list[Promotion] | None = None) -> list[PromotionReport]:
    rows = list(promotions if promotions is not None else Promotion.objects.select_related("brand"))
    redeemed = Q(redemptions__status=RedemptionStatus.REDEEMED)
    totals = {
        row["pk"]: row
        for row in Promotion.objects.filter(pk__in=[p.pk for p in rows])
        .values("pk")
        .annotate(
            redeemed=Count("redemptions", filter=redeemed),
            reserved=Count("redemptions", filter=Q(redemptions__status=RedemptionStatus.RESERVED)),
            released=Count("redemptions", filter=Q(redemptions__status=RedemptionStatus.RELEASED)),
            discount=Sum("redemptions__discount_amount", filter=redeemed),
            bonus=Sum("redemptions__bonus_amount", filter=redeemed),
        )
    }
    return [
        PromotionReport(
            promotion=p,
            redeemed=totals[p.pk]["redeemed"],
            reserved=totals[p.pk]["reserved"],
            released=totals[p.pk]["released"],
            discount_amount=int(totals[p.pk]["discount"] or 0),
            bonus_amount=int(totals[p.pk]["bonus"] or 0),
        )
        for p in rows
    ]


def redemptions_of(promotion: Promotion, limit: int = 200) -> list[Redemption]:
    return list(promotion.redemptions.select_related("line", "customer").order_by("-created_at", "-id")[:limit])


def on_show(*, channel: str, at: datetime) -> list[Promotion]:
    """The promotions anyone buying through `channel` may get now without a code, for the catalogue
    (with their products; brand-wide ones have brand None). Whether one applies to a given line (new
    lines only, a per-line limit, a spent budget) is decided when it is priced."""
    running = (
        Promotion.objects.filter(status=PromotionStatus.ACTIVE, promo_code="", starts_at__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .filter(Q(budget_amount__isnull=True) | Q(spent_amount__lt=F("budget_amount")))
        .prefetch_related("products")
        .order_by("id")
    )
    return [promotion for promotion in running if not promotion.channels or channel in promotion.channels]
