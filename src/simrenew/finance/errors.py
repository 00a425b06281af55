from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import Conflict, DomainError, NotFound


class DifferenceNotFound(NotFound):
    code = "difference_not_found"
    default_message = _("This difference does not exist.")


class AlreadyResolved(Conflict):
    code = "difference_already_resolved"
    default_message = _("This difference was already resolved.")


class DecisionNoteMissing(DomainError):
    code = "decision_note_missing"
    default_message = _("Write down why: the note is required.")


class DecisionNotValid(DomainError):
    code = "decision_not_valid"
    default_message = _("Choose accepted, written off or fixed.")


class ProviderUnreachable(DomainError):
    status = 502
    code = "provider_unreachable"
    default_message = _("The payment provider could not be reached; try again later.")
