"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "DEV_OUTBOX": settings.DEV_OUTBOX,
        "PAYMENT_SANDBOX": settings.PAYMENT_SANDBOX,
        "LANGUAGES": settings.LANGUAGES,
    }
