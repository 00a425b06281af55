from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError


class OfferUnavailable(DomainError):
    status = 409
    code = "offer_unavailable"
    default_message = _(
        "This offer has just run out or is no longer available to you. Check the new price and try again."
    )


class UnknownPromoCode(DomainError):
    code = "unknown_promo_code"
    default_message = _("This promo code is not valid for this purchase.")


class PromotionEnded(DomainError):
    status = 409
    code = "promotion_ended"
    default_message = _("This promotion has ended and cannot start again.")
