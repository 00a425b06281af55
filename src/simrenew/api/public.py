"""Public, read-only endpoints: the catalogue and receipt verification (anti-fraud)."""

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema

from simrenew.brands.models import Brand
from simrenew.catalog import queries as catalog
from simrenew.kit.errors import NotFound
from simrenew.orders import receipts

router = Router(tags=["public"])


class BundleOut(Schema):
    code: str
    name: str
    price_amount: int
    currency: str
    data_mb: int | None
    voice_minutes: int | None
    sms_count: int | None
    validity_days: int


class BrandOut(Schema):
    code: str
    name: str
    credit_validity_days: int
    official_domains: list[str]
    bundles: list[BundleOut]
    topup_amounts: list[int]


class ReceiptCheckOut(Schema):
    genuine: bool
    number: str
    total_amount: int
    currency: str
    issued_at: str


class ErrorOut(Schema):
    code: str
    detail: str


@router.get("/brands", response=list[BrandOut])
def list_brands(request: HttpRequest) -> list[dict]:
    result = []
    for brand in Brand.objects.all():
        topup = catalog.topup_product_for(brand)
        result.append(
            {
                "code": brand.code,
                "name": brand.name,
                "credit_validity_days": brand.credit_validity_days,
                "official_domains": brand.domains,
                "bundles": [
                    {
                        "code": p.code,
                        "name": p.name,
                        "price_amount": p.price_amount,
                        "currency": p.currency,
                        "data_mb": p.data_mb,
                        "voice_minutes": p.voice_minutes,
                        "sms_count": p.sms_count,
                        "validity_days": p.validity_days,
                    }
                    for p in catalog.bundles_for(brand)
                ],
                "topup_amounts": topup.topup_choices() if topup else [],
            }
        )
    return result


@router.get("/receipts/{number}/verify", response={200: ReceiptCheckOut, 404: ErrorOut})
def verify_receipt(request: HttpRequest, number: str, code: str) -> tuple[int, dict]:
    try:
        receipt = receipts.verified_receipt(number=number, code=code)
    except NotFound as error:
        detail = gettext("No receipt matches this number and code. It may not be genuine.")
        return 404, {"code": error.code, "detail": detail}
    return 200, {
        "genuine": True,
        "number": receipt.number,
        "total_amount": receipt.order.total_amount,
        "currency": receipt.order.currency,
        "issued_at": receipt.issued_at.isoformat(),
    }
