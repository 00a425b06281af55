from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import Conflict, DomainError, NotFound


class PinMistyped(DomainError):
    code = "pin_mistyped"
    default_message = _("This is not a valid PIN: a PIN has 13 to 15 digits. Check each digit and try again.")


class WrongPin(DomainError):
    code = "wrong_pin"
    default_message = _("This PIN is not right. Check the digits on your ticket or card and try again.")


class PinForOtherBrand(DomainError):
    code = "pin_for_other_brand"
    default_message = _("This PIN is for %(brand)s and cannot top up a number of another operator.")


class PinNotActivated(Conflict):
    code = "pin_not_activated"
    default_message = _("This card has not been activated: it must be sold at a till before it can be used.")


class PinAlreadyRedeemed(Conflict):
    code = "pin_already_redeemed"
    default_message = _("This PIN has already been used.")


class PinVoided(Conflict):
    code = "pin_voided"
    default_message = _("This PIN was cancelled by the shop that sold it.")


class PinExpired(Conflict):
    code = "pin_expired"
    default_message = _("This PIN has expired.")


class VoucherValueNotOffered(DomainError):
    code = "voucher_value_not_offered"
    default_message = _("This brand has no voucher of this value.")


class UnknownCard(NotFound):
    code = "unknown_card"
    default_message = _("No card has this serial number. Check the number printed on the card.")


class CardNotSellable(Conflict):
    code = "card_not_sellable"
    default_message = _("This card cannot be sold: it was already sold, cancelled or has expired.")


class VoucherNotVoidable(Conflict):
    code = "voucher_not_voidable"
    default_message = _("This PIN can no longer be cancelled: it has been used or has expired.")
