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


class OrderNotRefundable(DomainError):
    status = 409
    code = "order_not_refundable"
    default_message = _("This order cannot be refunded: only a completed order paid online can be.")


class RefundAmountInvalid(DomainError):
    code = "refund_amount_invalid"
    default_message = _("The refund must be more than zero and at most %(remaining)s, what is left to refund.")


class RefundReasonMissing(DomainError):
    code = "refund_reason_missing"
    default_message = _("Give the reason for the refund.")


class BundleNotWhole(DomainError):
    status = 409
    code = "bundle_not_whole"
    default_message = _(
        "A bundle can only be taken back whole: refund what is left of the order, or refund without taking it back."
    )


class BundleUsed(DomainError):
    status = 409
    code = "bundle_used"
    default_message = _(
        "The bundle has been used, so it cannot be taken back. Refund without taking it back if the customer "
        "should get the money anyway."
    )


class CreditSpent(DomainError):
    status = 409
    code = "credit_spent"
    default_message = _(
        "Only %(unspent)s of this top-up's credit is still on the line: refund at most that with the credit taken "
        "back, or refund without taking it back."
    )


class RefundNotRetryable(DomainError):
    status = 409
    code = "refund_not_retryable"
    default_message = _("Only a failed or cancelled refund can be sent again.")
