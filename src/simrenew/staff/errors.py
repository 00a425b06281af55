from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError, Forbidden, TooManyAttempts


class MissingPermission(Forbidden):
    code = "missing_permission"
    default_message = _("Your staff role does not include this page or action.")


class WrongCode(DomainError):
    code = "wrong_code"
    default_message = _("That code is not right, or it was already used. Enter the current code from your app.")


class TooManyWrongCodes(TooManyAttempts):
    code = "too_many_wrong_codes"
    default_message = _("Too many wrong codes. Wait %(seconds)s seconds, then try again.")


class AlreadyEnrolled(DomainError):
    status = 409
    code = "already_enrolled"
    default_message = _("This login already has an authenticator app. Verify with it instead.")
