from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import Conflict, DomainError, Forbidden, NotFound


class FloatTooLow(Conflict):
    code = "float_too_low"
    default_message = _("The shop's prepaid float does not cover this sale. Nothing was sold; ask for a float top-up.")


class NotAtAnOutlet(Forbidden):
    code = "not_at_an_outlet"
    default_message = _("This terminal or login is not linked to an active outlet.")


class UnknownSale(NotFound):
    code = "unknown_sale"
    default_message = _("No sale of this shop has this number.")


class VoidWindowClosed(Conflict):
    code = "void_window_closed"
    default_message = _("This sale can no longer be voided: the %(minutes)s minutes to void a sale have passed.")


class SaleAlreadyVoided(Conflict):
    code = "sale_already_voided"
    default_message = _("This sale was already voided.")


class SaleAlreadyUsed(Conflict):
    code = "sale_already_used"
    default_message = _("This sale can no longer be voided: the customer has already used what was bought.")


class InvalidDeposit(DomainError):
    code = "invalid_deposit"
    default_message = _("A float top-up must be a positive amount.")


class UnknownProduct(NotFound):
    code = "unknown_product"
    default_message = _("This product is not sold for this number's operator.")


class ProductMissing(DomainError):
    code = "product_missing"
    default_message = _("Choose a bundle, or a top-up amount.")
