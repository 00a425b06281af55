"""What orders keep of a customer who deleted their account (docs/operations.md, "Privacy and
retention"): amounts, the line and the receipt stay for the accounting law; the contact address goes."""

from simrenew.orders.models import Order


def forget_contact(*, customer_id: int) -> int:
    """The e-mail address confirmations went to is erased from the customer's orders (a receipt does not
    need it; a confirmation still due is then not sent). Returns how many orders changed."""
    return Order.objects.filter(customer_id=customer_id).exclude(email="").update(email="")
