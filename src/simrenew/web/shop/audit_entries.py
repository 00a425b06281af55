"""The shop's audit log in words: each entry's action, subject and details in the page's language,
with the raw record kept beside it (a title attribute) for support."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from simrenew.audit.models import AuditEntry
from simrenew.brands.models import PaymentMethod
from simrenew.identity.models import DocumentType
from simrenew.kit.money import format_money
from simrenew.lines.models import Line
from simrenew.shops.models import Shop

ACTIONS: dict[str, Promise] = {
    "shop.login": gettext_lazy("Logged in"),
    "shop.logout": gettext_lazy("Logged out"),
    "shop.refused": gettext_lazy("Page refused: no permission"),
    "shop.line_viewed": gettext_lazy("Line looked up"),
    "shop.holder_identified": gettext_lazy("Holder identified"),
    "shop.bundle_sold": gettext_lazy("Bundle sold"),
    "shop.topup_sold": gettext_lazy("Top-up sold"),
    "shop.receipt_printed": gettext_lazy("Receipt printed"),
    "shop.card_declined": gettext_lazy("Card payment refused"),
}
# Kept in the raw record only: the shop is the page's own, an identification's id means nothing at
# the counter.
_UNSHOWN = {"shop", "identification", "currency"}


@dataclass(frozen=True)
class Detail:
    label: str
    value: str
    url: str = ""


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    action: str
    subject: str
    subject_url: str
    details: list[Detail]

    @property
    def raw_details(self) -> str:
        # Sorted: PostgreSQL's jsonb keeps its keys in an order of its own.
        return " ".join(f"{key}={value}" for key, value in sorted(self.entry.details.items()))


def action_label(code: str) -> str:
    """The action in words; a code this page does not know yet is shown as it is."""
    label = ACTIONS.get(code)
    return str(label) if label is not None else code


def present(entries: Iterable[AuditEntry], *, language: str) -> list[AuditRow]:
    """One page of entries in words; the lines and shops they name are fetched once for the page."""
    entries = list(entries)
    targets = [entry.target.partition(":") for entry in entries]
    line_ids = {int(key) for kind, _sep, key in targets if kind == "line" and key.isdigit()}
    lines = Line.objects.in_bulk(line_ids)
    shop_codes = {key for kind, _sep, key in targets if kind == "shop"}
    shops = dict(Shop.objects.filter(code__in=shop_codes).values_list("code", "name"))
    return [_row(entry, lines, shops, language) for entry in entries]


def _row(entry: AuditEntry, lines: dict[int, Line], shops: dict[str, str], language: str) -> AuditRow:
    kind, _sep, key = entry.target.partition(":")
    subject, subject_url = entry.target, ""
    if kind == "line" and key.isdigit() and int(key) in lines:
        subject, subject_url = lines[int(key)].display, reverse("shop:line", kwargs={"line_id": int(key)})
    elif kind == "shop" and key in shops:
        subject = shops[key]
    details = [
        _detail(name, value, entry.details, language) for name, value in entry.details.items() if name not in _UNSHOWN
    ]
    return AuditRow(
        entry=entry, action=action_label(entry.action), subject=subject, subject_url=subject_url, details=details
    )


def _detail(name: str, value: object, details: dict, language: str) -> Detail:
    text = str(value)
    if name == "order":
        return Detail(_("Order"), text, reverse("shop:sale", kwargs={"number": text}))
    if name == "method":
        label = PaymentMethod(text).label if text in PaymentMethod.values else text
        return Detail(_("Payment method"), str(label))
    if name == "amount" and isinstance(value, int):
        return Detail(_("Amount"), format_money(value, str(details.get("currency") or "EUR"), language))
    if name == "document_type":
        label = DocumentType(text).label if text in DocumentType.values else text
        return Detail(_("Document"), str(label))
    if name == "reason":
        return Detail(_("Reason"), text)
    if name == "page":
        return Detail(_("Page"), text)
    return Detail(name, text)
