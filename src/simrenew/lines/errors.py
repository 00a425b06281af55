from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError, NotFound


class UnknownLine(NotFound):
    code = "unknown_line"
    default_message = _("This number is not a line of ours. Check the number, or contact your operator.")


class LineNotUsable(DomainError):
    status = 409
    code = "line_not_usable"
    default_message = _("This line is terminated and cannot be renewed or topped up.")


class WrongBrandProduct(DomainError):
    code = "wrong_brand_product"
    default_message = _("This product is not offered for this line's brand.")
