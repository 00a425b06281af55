from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError


class InvalidTopupAmount(DomainError):
    code = "invalid_topup_amount"
    default_message = _("This top-up amount is not available for this line.")


class MethodNotAvailable(DomainError):
    code = "method_not_available"
    default_message = _("This payment method is not available here.")


class CreditNotForTopup(DomainError):
    code = "credit_not_for_topup"
    default_message = _("Credit cannot pay for a top-up. Choose another payment method.")


class OrderNotOpen(DomainError):
    status = 409
    code = "order_not_open"
    default_message = _("This order can no longer be paid.")


class PaymentUnavailable(DomainError):
    status = 503
    code = "payment_unavailable"
    default_message = _("The payment service cannot be reached right now. Nothing was charged; please try again.")


class OrderNotVoidable(DomainError):
    status = 409
    code = "order_not_voidable"
    default_message = _("This sale can no longer be voided: what it bought has been used, or it was already voided.")


class QuoteChanged(DomainError):
    status = 409
    code = "quote_changed"
    default_message = _("The price changed since it was shown. Nothing was charged; please check the new price.")
