"""Order reads for the portal: a customer only ever sees their own orders."""

from django.db.models import QuerySet

from simrenew.customers.models import User
from simrenew.kit.errors import NotFound
from simrenew.orders.models import Order


def orders_of(customer: User) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).select_related("line", "product", "receipt", "line__brand")


def order_of(customer: User, number: str) -> Order:
    order = orders_of(customer).filter(number=number).first()
    if order is None:
        raise NotFound()
    return order
