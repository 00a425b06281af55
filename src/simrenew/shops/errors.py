from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError, Forbidden


class NotShopStaff(Forbidden):
    code = "not_shop_staff"
    default_message = _("This is not a shop staff account. Customers use the self-service portal.")


class ShopClosed(DomainError):
    status = 409
    code = "shop_closed"
    default_message = _("This shop is closed in the system; sales are not possible.")


class NotPaidAtCounter(DomainError):
    code = "not_paid_at_counter"
    default_message = _("At the counter a customer pays in cash or by card.")
