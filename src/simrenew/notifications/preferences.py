"""Which channels a customer wants for each kind of message, and their separate marketing consent."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

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


# customer → kind → (email, sms): the choices of the customers a batch of notices goes to, read once.
_known: ContextVar[dict[int, dict[str, tuple[bool, bool]]] | None] = ContextVar("preferences_known", default=None)


@contextmanager
def preferences_known(customer_ids: Iterable[int]) -> Iterator[None]:
    """Inside, channels_for_each() answers from one query for all these customers' choices (a batch
    of the scheduler's notices asks once, not once per notice)."""
    known: dict[int, dict[str, tuple[bool, bool]]] = {customer_id: {} for customer_id in customer_ids}
    if known:
        for row in NotificationPreference.objects.filter(customer_id__in=list(known)):
            known[row.customer_id][row.kind] = (row.email, row.sms)
    token = _known.set(known)
    try:
        yield
    finally:
        _known.reset(token)


def channels_for_each(*, customer_ids: list[int], kind: str) -> dict[int | None, set[str]]:
    """channels_for of several customers (and of None: a line without a customer) in one query, or
    none inside preferences_known()."""
    default = (False, False) if kind == NotificationKind.MARKETING else DEFAULT_CHANNELS[kind]
    chosen = _chosen(customer_ids, kind)
    return {customer_id: _channels(*chosen.get(customer_id, default)) for customer_id in [None, *customer_ids]}


def _chosen(customer_ids: list[int], kind: str) -> dict[int | None, tuple[bool, bool]]:
    """(email, sms) these customers chose for `kind`; from preferences_known() when it knows them all."""
    if not customer_ids:
        return {}
    if kind == NotificationKind.MARKETING:
        consents = MarketingConsent.objects.filter(customer_id__in=customer_ids)
        return {row.customer_id: (row.email, row.sms) for row in consents}
    known = _known.get()
    if known is not None and all(customer_id in known for customer_id in customer_ids):
        return {customer_id: known[customer_id][kind] for customer_id in customer_ids if kind in known[customer_id]}
    rows = NotificationPreference.objects.filter(customer_id__in=customer_ids, kind=kind)
    return {row.customer_id: (row.email, row.sms) for row in rows}


def _channels(email: bool, sms: bool) -> set[str]:
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
