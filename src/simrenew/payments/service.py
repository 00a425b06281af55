"""Saved payment means: the provider's customer record and the mandates first payments create."""

import contextlib
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from simrenew.kit import clock
from simrenew.payments import provider as providers
from simrenew.payments.models import Mandate, MandateStatus, ProviderCustomer

METHOD_NAMES = {"creditcard": "Card", "bancontact": "Bancontact", "paypal": "PayPal"}


def provider_customer_id(*, customer_id: int, name: str, email: str, provider_name: str | None = None) -> str:
    """The provider's id for our customer, created there on first use.

    Call outside a transaction (it may be an HTTP call). The idempotency key is derived from our
    customer id, so two concurrent first uses create one record at the provider.
    """
    provider = providers.get_provider(provider_name)
    found = ProviderCustomer.objects.filter(customer_id=customer_id, provider=provider.name).first()
    if found is not None:
        return found.provider_customer_id
    remote_id = provider.create_customer(
        name=name,
        email=email,
        metadata={"customer": str(customer_id)},
        idempotency_key=f"customer:{customer_id}:{provider.name}",
    )
    try:
        with transaction.atomic():
            ProviderCustomer.objects.create(
                customer_id=customer_id, provider=provider.name, provider_customer_id=remote_id, created_at=clock.now()
            )
    except IntegrityError:
        pass  # a concurrent first use recorded it (the same id, thanks to the idempotency key)
    return ProviderCustomer.objects.get(customer_id=customer_id, provider=provider.name).provider_customer_id


def mandate_label(*, method: str, details: dict[str, str]) -> str:
    name = details.get("card_label") or METHOD_NAMES.get(method, method)
    if details.get("card_number"):
        return f"{name} •••• {details['card_number'][-4:]}"
    if details.get("consumer_account"):
        return f"{name} {details['consumer_account']}"
    return name


def record_mandate(*, customer_id: int, provider_name: str, payment: providers.ProviderPayment, method: str) -> Mandate:
    """A paid first payment created a mandate: remember it (once) as the customer's saved means."""
    assert payment.mandate_id and payment.customer_id
    mandate, _ = Mandate.objects.get_or_create(
        provider=provider_name,
        provider_mandate_id=payment.mandate_id,
        defaults={
            "customer_id": customer_id,
            "provider_customer_id": payment.customer_id,
            "method": method,
            "label": mandate_label(method=method, details=payment.details),
            "created_at": clock.now(),
        },
    )
    return mandate


def valid_mandate(*, customer_id: int) -> Mandate | None:
    """The customer's most recent valid mandate (what auto-renew charges)."""
    return Mandate.objects.filter(customer_id=customer_id, status=MandateStatus.VALID).first()


def valid_mandates(customer_ids: Iterable[int]) -> dict[int, Mandate]:
    """valid_mandate of several customers in one query, by customer (none for one without)."""
    found: dict[int, Mandate] = {}
    for mandate in Mandate.objects.filter(customer_id__in=list(customer_ids), status=MandateStatus.VALID):
        found.setdefault(mandate.customer_id, mandate)  # the model's order: the most recent first
    return found


def end_mandate(*, mandate: Mandate, status: str = MandateStatus.REVOKED) -> Mandate:
    Mandate.objects.filter(pk=mandate.pk, status=MandateStatus.VALID).update(status=status, ended_at=clock.now())
    mandate.refresh_from_db()
    return mandate


def revoke_mandate(*, mandate: Mandate) -> Mandate:
    """The customer removed the saved means: revoke it at the provider (outside a transaction), then here."""
    provider = providers.get_provider(mandate.provider)
    with contextlib.suppress(providers.ProviderRefused):  # already gone at the provider
        provider.revoke_mandate(customer_id=mandate.provider_customer_id, mandate_id=mandate.provider_mandate_id)
    return end_mandate(mandate=mandate, status=MandateStatus.REVOKED)
