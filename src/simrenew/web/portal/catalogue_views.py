"""The catalogue a visitor can compare: each brand's bundles (price, data, minutes, SMS, validity) and
top-ups with the promotions running now and their terms, in the visitor's language. Every bundle
leads straight into checkout with it chosen; only the number is left to type."""

from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import format_percent
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from simrenew.brands.models import Brand
from simrenew.catalog.models import Product, ProductKind
from simrenew.kit import clock
from simrenew.kit.money import babel_locale, format_money
from simrenew.orders.models import Channel
from simrenew.promotions import queries as promotion_queries
from simrenew.promotions.models import Promotion, PromotionKind

BUNDLE_KINDS = {PromotionKind.FIRST_BUNDLE, PromotionKind.BUNDLE_DISCOUNT}


@dataclass(frozen=True)
class Offer:
    """A running promotion as a visitor reads it: its name and its terms in one sentence."""

    name: str
    terms: str


@dataclass(frozen=True)
class BundleCard:
    product: Product
    offers: list[Offer]


@dataclass
class BrandCatalogue:
    brand: Brand
    bundles: list[BundleCard] = field(default_factory=list)
    topup: Product | None = None
    topup_offers: list[Offer] = field(default_factory=list)

    @property
    def topup_amounts(self) -> list[int]:
        return self.topup.topup_choices() if self.topup is not None else []

    @property
    def topup_range(self) -> tuple[int, int] | None:
        """The lowest and highest amount, for a brand whose top-ups are a range with a step."""
        amounts = self.topup_amounts
        return (amounts[0], amounts[-1]) if len(amounts) > 6 else None


def percent_text(basis_points: int, language: str) -> str:
    return format_percent(Decimal(basis_points) / 10000, locale=babel_locale(language), decimal_quantization=False)


def _terms(promotion: Promotion, language: str) -> str:
    """What the promotion gives and on what conditions, e.g. "20 % off; once per line; until 30 Nov 2026"."""
    parts: list[str] = []
    if promotion.kind in BUNDLE_KINDS:
        if promotion.percent_bp >= 10000:
            parts.append(_("free"))
        else:
            if promotion.percent_bp:
                parts.append(_("%(percent)s off") % {"percent": percent_text(promotion.percent_bp, language)})
            if promotion.amount_off:
                parts.append(_("%(amount)s off") % {"amount": format_money(promotion.amount_off, "EUR", language)})
        if promotion.kind == PromotionKind.FIRST_BUNDLE or promotion.new_lines_only:
            parts.append(_("on a new line's first bundle"))
    else:
        if promotion.bonus_amount:
            amount = format_money(promotion.bonus_amount, promotion.currency, language)
            parts.append(_("%(amount)s bonus credit") % {"amount": amount})
        if promotion.bonus_percent_bp:
            parts.append(
                _("%(percent)s bonus credit") % {"percent": percent_text(promotion.bonus_percent_bp, language)}
            )
        if promotion.min_topup_amount:
            minimum = format_money(promotion.min_topup_amount, promotion.currency, language)
            parts.append(_("on a top-up of %(amount)s or more") % {"amount": minimum})
        if promotion.within_days_of_previous_topup:
            days = promotion.within_days_of_previous_topup
            parts.append(
                ngettext(
                    "within %(days)s day of the previous top-up",
                    "within %(days)s days of the previous top-up",
                    days,
                )
                % {"days": days}
            )
        if promotion.new_lines_only:
            parts.append(_("new lines only"))
        days = promotion.bonus_validity_days
        parts.append(ngettext("bonus valid %(days)s day", "bonus valid %(days)s days", days) % {"days": days})
    if promotion.per_line_limit == 1:
        parts.append(_("once per line"))
    elif promotion.per_line_limit:
        parts.append(_("up to %(count)s times per line") % {"count": promotion.per_line_limit})
    if promotion.ends_at is not None:
        parts.append(_("until %(date)s") % {"date": formats.date_format(promotion.ends_at, "DATE_FORMAT")})
    return "; ".join(parts)


def _applies(promotion: Promotion, product: Product) -> bool:
    if promotion.brand_id is not None and promotion.brand_id != product.brand_id:
        return False
    if (promotion.kind in BUNDLE_KINDS) != product.is_bundle:
        return False
    products = promotion.products.all()  # prefetched
    return not products or any(p.pk == product.pk for p in products)


def brand_catalogues(brands: QuerySet[Brand] | list[Brand]) -> list[BrandCatalogue]:
    """The catalogue of each brand, in the active language: three queries whatever the number of brands."""
    language = (get_language() or "en").lower()
    by_brand = {brand.pk: BrandCatalogue(brand=brand) for brand in brands}
    promotions = promotion_queries.on_show(channel=Channel.WEB, at=clock.now())
    offers = {promotion.pk: Offer(promotion.name_in(language), _terms(promotion, language)) for promotion in promotions}
    products = Product.objects.filter(brand_id__in=list(by_brand), active=True).order_by(
        "brand_id", "kind", "position", "price_amount", "pk"
    )
    for product in products:
        catalogue = by_brand[product.brand_id]
        applying = [offers[p.pk] for p in promotions if _applies(p, product)]
        if product.kind == ProductKind.BUNDLE:
            catalogue.bundles.append(BundleCard(product, applying))
        elif catalogue.topup is None:
            catalogue.topup, catalogue.topup_offers = product, applying
    return list(by_brand.values())


def brand_page(request: HttpRequest, code: str) -> HttpResponse:
    brand = Brand.objects.filter(code=code).first()
    if brand is None:
        raise Http404()
    (catalogue,) = brand_catalogues([brand])
    return render(request, "portal/brand.html", {"brand": brand, "catalogue": catalogue})
