"""What a difference means, in words finance reads (translated), by its reason (finance.models)."""

from django.utils.translation import gettext as _

from simrenew.finance.models import Difference

# reason → (message, which facts fill its placeholders)
MESSAGES = {
    "unknown": lambda f: _("The provider settled a payment (%(method)s) that we never created.") % f,
    "not_booked": lambda f: (
        _(
            "The provider has it paid; our payment is %(our_status)s and its order was never fulfilled, "
            "so the ledger lacks it: a webhook that never arrived."
        )
        % f
    ),
    "settled_amount": lambda f: _("The provider settled another amount than the payment we booked.") % f,
    "ledger_amount": lambda f: _("The ledger booked another amount than the payment for its order.") % f,
    "fee": lambda f: _("The provider deducted another fee than the contract sets for %(method)s.") % f,
    "unknown_refund": lambda f: _("The provider paid out a refund of %(payment)s that we never asked for.") % f,
    "refund_amount": lambda f: _("The provider paid out another amount than our refund.") % f,
    "failed_here": lambda f: (
        _("The provider paid the refund out, but ours is %(our_status)s: the customer may be paid twice.") % f
    ),
    "payout_not_booked": lambda f: (
        _("The provider has the refund refunded; our ledger has not booked it as paid out (ours is %(our_status)s).")
        % f
    ),
    "not_settled": lambda f: _("Our ledger has this payment paid that day; the provider does not.") % f,
    "float": lambda f: _("The float of %(retailer)s does not add up to its daily settlement.") % f,
    "liability": lambda f: _("The ledger's voucher liability differs from the vouchers sold and not yet used.") % f,
    "box_vs_ledger": lambda f: _("What the cash box of %(kiosk)s should hold differs from the ledger.") % f,
    "count": lambda f: _("The cash counted at %(kiosk)s differed from what was expected.") % f,
}


def describe(difference: Difference) -> str:
    message = MESSAGES.get(difference.reason)
    if message is None:
        return difference.get_cause_display()
    try:
        return str(message(_Facts(difference.facts)))
    except (KeyError, TypeError, ValueError):
        return difference.get_cause_display()


class _Facts(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "—"
