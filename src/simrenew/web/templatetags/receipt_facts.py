"""What a receipt says about who sold it, where, and the VAT per rate, for every channel's receipt
(the portal's page and PDF, the e-mail, the 80 mm tickets of shops, kiosks and retailers)."""

from dataclasses import dataclass

from django import template
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simrenew.brands.models import Brand
from simrenew.kiosks.models import KioskSale
from simrenew.orders.models import Channel, Order
from simrenew.orders.receipts import VatLine, vat_lines
from simrenew.retail.models import Sale as RetailSale
from simrenew.shops.models import ShopSale

register = template.Library()

# Channels without a place of their own: the customer bought online (or the platform did for them).
ONLINE_PLACES: dict[str, Promise] = {
    Channel.WEB: _("Online, on the website"),
    Channel.AUTO: _("Online, automatic renewal"),
    Channel.API: _("Online, through a partner"),
    Channel.VOUCHER: _("Voucher PIN redeemed"),
}


@dataclass(frozen=True)
class ReceiptFacts:
    seller: Brand
    channel: str
    place: str  # the shop, retail outlet or kiosk; "Online, …" for the rest
    place_address: str
    vat_lines: list[VatLine]

    @property
    def has_prepaid_credit(self) -> bool:
        return any(line.rate_bp is None for line in self.vat_lines)

    @property
    def taxed_lines(self) -> list[VatLine]:
        return [line for line in self.vat_lines if line.rate_bp is not None]


def _place(order: Order) -> tuple[str, str]:
    if order.channel == Channel.SHOP:
        shop_sale = ShopSale.objects.select_related("shop").filter(order=order).first()
        if shop_sale is not None:
            shop = shop_sale.shop
            # An address that already ends in its postcode and city is not followed by the city again.
            city = shop.city if shop.city and shop.city.casefold() not in shop.address.casefold() else ""
            return shop.name, ", ".join(part for part in (shop.address, city) if part)
    elif order.channel == Channel.POS:
        sale = RetailSale.objects.select_related("outlet__retailer").filter(order=order).first()
        if sale is not None:
            outlet = sale.outlet
            where = " ".join(part for part in (outlet.postal_code, outlet.city) if part)
            return f"{outlet.retailer.name} · {outlet.name}", ", ".join(p for p in (outlet.street, where) if p)
    elif order.channel == Channel.KIOSK:
        kiosk_sale = KioskSale.objects.select_related("kiosk").filter(order=order).first()
        if kiosk_sale is not None:
            return kiosk_sale.kiosk.name, kiosk_sale.kiosk.location_in(get_language() or "en")
    return str(ONLINE_PLACES.get(order.channel, order.get_channel_display())), ""


@register.simple_tag
def receipt_facts(order: Order) -> ReceiptFacts:
    """{% receipt_facts order as facts %}: the seller, channel, place and VAT lines of an order."""
    place, address = _place(order)
    return ReceiptFacts(
        seller=order.line.brand,
        channel=str(order.get_channel_display()),
        place=place,
        place_address=address,
        vat_lines=vat_lines(order),
    )
