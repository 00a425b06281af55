from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import Conflict, DomainError, NotFound, TooManyAttempts


class UnknownKiosk(NotFound):
    code = "unknown_kiosk"
    default_message = _("This kiosk is not known or is out of service.")


class WrongCode(DomainError):
    code = "wrong_code"
    default_message = _("That code is not right. Check the SMS and try again.")


class CodeExpired(DomainError):
    code = "code_expired"
    default_message = _("This code has expired. Start again to get a new one.")


class TooManyWrongCodes(TooManyAttempts):
    code = "too_many_wrong_codes"
    default_message = _("Too many wrong codes for this balance check. Start again to get a new code.")


class SessionClosed(Conflict):
    code = "cash_session_closed"
    default_message = _("This payment is already finished. Start again from the first screen.")


class CashLimitReached(DomainError):
    status = 409
    code = "cash_limit_reached"
    default_message = _("The kiosk takes at most %(limit)s at once. Finish this payment first.")


class NotEnoughCash(DomainError):
    status = 409
    code = "not_enough_cash"
    default_message = _("Insert %(missing)s more to pay for this bundle.")


class CashNotForThisLine(DomainError):
    status = 409
    code = "cash_not_for_line"
    default_message = _("Cash cannot be taken for this number here. Pay by card instead.")


class CashAlreadyInserted(Conflict):
    code = "cash_already_inserted"
    default_message = _("Cash is already inserted: it will be credited to this number. Finish the payment.")


class VouchersUnavailable(DomainError):
    status = 503
    code = "vouchers_unavailable"
    default_message = _("Vouchers cannot be redeemed at this kiosk right now.")


class NothingInserted(DomainError):
    status = 409
    code = "nothing_inserted"
    default_message = _("Insert a note or a coin first.")


class CardPaymentAlreadyUsed(Conflict):
    code = "card_payment_already_used"
    default_message = _("This card payment was already used for another sale.")


class AmountMismatch(DomainError):
    code = "amount_mismatch"
    default_message = _("The amount does not match the cash inserted: a kiosk tops up exactly what was inserted.")


class EnrolmentCodeUnknown(DomainError):
    code = "enrolment_code_unknown"
    default_message = _("This enrolment code is not right for this kiosk. Check it, or issue a new one.")


class EnrolmentCodeUsed(Conflict):
    code = "enrolment_code_used"
    default_message = _("This enrolment code was already used. Issue a new one in the back office.")


class EnrolmentCodeExpired(DomainError):
    code = "enrolment_code_expired"
    default_message = _("This enrolment code has expired. Issue a new one in the back office.")


class CashBoxInUse(Conflict):
    code = "cash_box_in_use"
    default_message = _("A customer is paying in cash at this kiosk. Empty the cash box when the payment is finished.")


class CountNotValid(DomainError):
    code = "cash_count_not_valid"
    default_message = _("Type how many notes and coins of each value you counted, as whole numbers.")
