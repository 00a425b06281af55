from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import Conflict, DomainError


class InsufficientFunds(DomainError):
    status = 409
    code = "insufficient_funds"
    default_message = _("There is not enough credit for this.")


class UnbalancedJournal(Exception):
    """A programming error: postings must sum to zero."""


class DuplicateJournal(Conflict):
    code = "duplicate_journal"
