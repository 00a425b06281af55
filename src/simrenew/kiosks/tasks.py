"""Background jobs of kiosks: named `kiosks.<verb>`, taking ids, idempotent."""

from django.tasks import task

from simrenew.kiosks import pointofsale


# Ahead of notices: a customer is waiting at the kiosk.
@task(priority=10)
def settle_card_payment(payment_id: int) -> str:
    """kiosks.settle_card_payment: apply a kiosk terminal payment's status (from its webhook); the
    sale is placed once, however often this runs."""
    return str(pointofsale.settle_card_sale(payment_id=payment_id).outcome)
