"""Inbound SMS from the operator's SMS gateway: `TOPUP <PIN>` sent from a line tops that line up.

The gateway authenticates as a terminal of kind `sms_gateway` (HMAC-signed requests, see
`terminals.auth`) and sends its own message id as the Idempotency-Key, so a message delivered twice
is applied once. The answer carries the reply to text back to the sender, in the language of
Accept-Language; a refused PIN is still a 200 (the message was handled) with `ok: false`.
"""

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from simrenew.kit.errors import DomainError
from simrenew.kit.money import format_money
from simrenew.lines import queries as line_queries
from simrenew.lines.queries import balances
from simrenew.terminals.auth import TerminalSignature
from simrenew.terminals.idempotency import IDEMPOTENCY_KEY, respond_once
from simrenew.terminals.models import TerminalKind
from simrenew.vouchers import service as vouchers

router = Router(tags=["sms"], auth=TerminalSignature(TerminalKind.SMS_GATEWAY))

# re.ASCII: \d is 0-9 only, not Arabic-Indic or fullwidth digits too; vouchers.normalize_pin decides the rest.
COMMAND = re.compile(r"^\s*TOPUP\s+(?P<code>[\d\s-]{1,40})\s*$", re.IGNORECASE | re.ASCII)


class SmsInboundIn(Schema):
    sender: str = Field(alias="from", min_length=1, max_length=32, description="the sending number (E.164)")
    to: str = Field("", max_length=32, description="the short number it was sent to")
    text: str = Field(max_length=480)


class SmsInboundOut(Schema):
    ok: bool
    code: str = Field(description="`topped_up`, `unknown_command`, or the refusal's error code")
    reply: str = Field(description="the text to send back to the sender")
    order_number: str | None = None


class SmsErrorOut(Schema):
    code: str
    detail: str


class SmsValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


def handle(sender: str, text: str) -> SmsInboundOut:
    match = COMMAND.match(text or "")
    if match is None:
        return SmsInboundOut(
            ok=False, code="unknown_command", reply=_("To top up with a voucher, send: TOPUP followed by the PIN.")
        )
    try:
        line = line_queries.line_by_number(sender)
        guesser = vouchers.Guesser(phone=line.msisdn)  # the sender: wrong PINs lock only their own phone out
        redemption = vouchers.redeem(code=match["code"], line=line, channel="sms", guesser=guesser)
    except DomainError as error:
        return SmsInboundOut(ok=False, code=error.code, reply=str(error))
    order = redemption.order
    reply = _("Your number was topped up with %(amount)s. Your credit is now %(credit)s.") % {
        "amount": format_money(order.total_amount, order.currency, get_language() or "en"),
        "credit": format_money(balances(line).total_amount, order.currency, get_language() or "en"),
    }
    return SmsInboundOut(ok=True, code="topped_up", reply=reply, order_number=order.number)


@router.post(
    "/inbound",
    response={200: SmsInboundOut, 400: SmsErrorOut, 401: SmsErrorOut, 409: SmsErrorOut, 422: SmsValidationErrorOut},
    summary="An SMS received by the gateway",
)
def inbound(request: HttpRequest, data: SmsInboundIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    return respond_once(request, key=idempotency_key, run=lambda: handle(data.sender, data.text))
