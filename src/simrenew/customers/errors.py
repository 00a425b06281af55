from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError, TooManyAttempts


class WrongCode(DomainError):
    code = "wrong_code"
    default_message = _("That code is not right. Check the SMS and try again.")


class CodeExpired(DomainError):
    code = "code_expired"
    default_message = _("This code has expired. Ask for a new one.")


class TooManyCodeAttempts(TooManyAttempts):
    default_message = _("Too many wrong codes. Please wait 15 minutes before asking for a new one.")


class AlreadyLinked(DomainError):
    status = 409
    code = "already_linked"
    default_message = _("This line is already linked to your account.")


class InvalidVerificationLink(DomainError):
    code = "invalid_link"
    default_message = _("This link is invalid or has expired.")


class WrongPassword(DomainError):
    status = 403
    code = "wrong_password"
    default_message = _("That password is not right. Nothing was deleted.")


class StaffAccountNotDeletable(DomainError):
    status = 409
    code = "staff_account"
    default_message = _("A staff account is closed by an administrator, not from this page.")
