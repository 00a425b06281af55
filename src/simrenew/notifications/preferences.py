"""Which channels a customer wants for each kind of message, and their separate marketing consent."""

from simrenew.kit import clock
from simrenew.notifications.kinds import DEFAULT_CHANNELS, SERVICE_KINDS
from simrenew.notifications.models import Channel, MarketingConsent, NotificationKind, NotificationPreference


def channels_for(*, customer_id: int | None, kind: str) -> set[str]:
    """The channels `kind` goes out on for this customer (defaults when they never chose).

    Marketing goes only where the customer gave consent, whatever else they chose.
    """
    if kind == NotificationKind.MARKETING:
        if customer_id is None:
            return set()
        consent = MarketingConsent.objects.filter(customer_id=customer_id).first()
        if consent is None:
            return set()
        return {channel for channel, on in ((Channel.EMAIL, consent.email), (Channel.SMS, consent.sms)) if on}
    email, sms = DEFAULT_CHANNELS[kind]
    if customer_id is not None:
        chosen = NotificationPreference.objects.filter(customer_id=customer_id, kind=kind).first()
        if chosen is not None:
            email, sms = chosen.email, chosen.sms
    return {channel for channel, on in ((Channel.EMAIL, email), (Channel.SMS, sms)) if on}


def preferences_of(customer_id: int) -> dict[str, tuple[bool, bool]]:
    """kind → (email, sms) for every service kind, defaults filled in."""
    chosen = {row.kind: (row.email, row.sms) for row in NotificationPreference.objects.filter(customer_id=customer_id)}
    return {kind: chosen.get(kind, DEFAULT_CHANNELS[kind]) for kind in SERVICE_KINDS}


def set_preferences(*, customer_id: int, choices: dict[str, tuple[bool, bool]]) -> None:
    for kind, (email, sms) in choices.items():
        if kind not in SERVICE_KINDS:
            raise ValueError(f"no preferences for {kind}")
        NotificationPreference.objects.update_or_create(
            customer_id=customer_id, kind=kind, defaults={"email": email, "sms": sms}
        )


def marketing_consent(customer_id: int) -> tuple[bool, bool]:
    consent = MarketingConsent.objects.filter(customer_id=customer_id).first()
    return (consent.email, consent.sms) if consent is not None else (False, False)


def set_marketing_consent(*, customer_id: int, email: bool, sms: bool) -> None:
    MarketingConsent.objects.update_or_create(
        customer_id=customer_id, defaults={"email": email, "sms": sms, "updated_at": clock.now()}
    )
