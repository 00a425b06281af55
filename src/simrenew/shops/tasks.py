"""Background jobs of shops: named `shops.<verb>`, taking ids, idempotent."""

from django.tasks import task

from simrenew.shops import service


# Ahead of notices: a customer is waiting at the counter.
@task(priority=10)
def settle_card_payment(payment_id: int) -> str:
    """shops.settle_card_payment: apply a counter terminal payment's status (from its webhook); the
    sale is placed once, however often this runs."""
    return str(service.settle_card_sale(payment_id=payment_id).outcome)
