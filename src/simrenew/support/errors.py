from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError


class EmptyMessage(DomainError):
    code = "empty_message"
    default_message = _("Write your message.")


class MessageTooLong(DomainError):
    code = "message_too_long"
    default_message = _("Keep your message under %(limit)s characters.")
