"""The form to redeem a PIN, for any page that offers it (portal, kiosk, shop desk).

form = RedeemVoucherForm(request.POST or None)            # or ask_number=True for someone else's line
if request.method == "POST" and form.is_valid():
    # outside a transaction: a wrong PIN stays counted
    redemption = form.redeem(line=line, channel="portal", guesser=Guesser(account=customer.pk, address=ip))
    if redemption is not None:
        ...  # redemption.order is fulfilled; redemption.order.receipt exists
# otherwise the form carries the reason next to the field
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from simrenew.customers.models import User
from simrenew.kit.errors import DomainError
from simrenew.lines.models import Line
from simrenew.lines.queries import line_by_number
from simrenew.vouchers import service
from simrenew.vouchers.service import Guesser, Redemption


class RedeemVoucherForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile number to top up"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("PIN code"),
        max_length=40,
        help_text=_("The 13 to 15 digits on your voucher ticket or scratch card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, ask_number: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not ask_number:
            del self.fields["number"]

    def clean_number(self) -> Line:
        try:
            return line_by_number(self.cleaned_data["number"])
        except DomainError as error:
            raise forms.ValidationError(str(error)) from error

    def redeem(
        self, *, channel: str, guesser: Guesser, line: Line | None = None, customer: User | None = None
    ) -> Redemption | None:
        """Redeem after is_valid(); the reason goes on the form when refused. Call it outside a
        transaction so that a wrong PIN stays counted by the throttle."""
        target = line or self.cleaned_data.get("number")
        if not isinstance(target, Line):
            raise ValueError("give the line, or build the form with ask_number=True")
        try:
            return service.redeem(
                code=self.cleaned_data["code"], line=target, channel=channel, guesser=guesser, customer=customer
            )
        except DomainError as error:
            self.add_error("code", str(error))
            return None
