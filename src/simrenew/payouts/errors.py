"""The expected failures of leftover credit payouts, each with its status and a translated message."""

from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError


class LeftoverNotOffered(DomainError):
    code = "leftover_not_offered"
    default_message = _("This brand does not pay leftover credit back.")


class LineNotEnded(DomainError):
    code = "line_not_ended"
    default_message = _("Leftover credit is paid back only once the line is terminated or ported out.")


class NothingToPayBack(DomainError):
    code = "nothing_to_pay_back"
    default_message = _("There is no paid credit left on this line to pay back (after the fee of %(fee)s).")


class RequestAlreadyOpen(DomainError):
    status = 409
    code = "leftover_request_open"
    default_message = _("A request for this line's leftover credit is already under way.")


class HolderNameInvalid(DomainError):
    code = "holder_name_invalid"
    default_message = _("Enter the account holder's name as the bank knows it.")


class RequestNotPending(DomainError):
    status = 409
    code = "leftover_not_pending"
    default_message = _("This request was already decided.")


class RejectReasonMissing(DomainError):
    code = "leftover_reason_missing"
    default_message = _("Give the reason for the refusal; the customer reads it.")


class CreditChanged(DomainError):
    status = 409
    code = "leftover_credit_changed"
    default_message = _("The line's credit is no longer what was asked for; reject this request and ask again.")


class NoPayoutAccount(DomainError):
    code = "no_payout_account"
    default_message = _("The brand has no valid payout account (IBAN) to send the transfers from.")


class NothingApproved(DomainError):
    code = "nothing_approved"
    default_message = _("No approved request is waiting to be paid for this brand.")
