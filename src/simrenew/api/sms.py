"""Inbound SMS from the operator's SMS gateway: keywords sent from a line, answered by SMS.

`TOPUP <PIN>` tops the sending line up with a voucher PIN; `BAL` answers its balance and bundle;
`BUNDLE <code>` buys the bundle with exactly that code from its credit (no confirmation step by SMS:
the code must match, and the answer says what was bought); `HELP` or anything else answers the list
of keywords. Letter case does not matter.

The gateway authenticates as a terminal of kind `sms_gateway` (HMAC-signed requests, see
`terminals.auth`) and sends its own message id as the Idempotency-Key, so a message delivered twice
is applied once. The answer carries the reply to text back to the sender, in the line's language (its
holder's; for a line nobody holds, that of Accept-Language); a refusal is still a 200 (the message
was handled) with `ok: false`.
"""

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from simrenew.api import selfservice
from simrenew.kit.errors import DomainError
from simrenew.ledger.errors import InsufficientFunds
from simrenew.lines import queries as line_queries
from simrenew.lines.models import Line
from simrenew.orders.models import Channel
from simrenew.terminals.auth import TerminalSignature
from simrenew.terminals.idempotency import IDEMPOTENCY_KEY, respond_once
from simrenew.terminals.models import TerminalKind
from simrenew.vouchers import service as vouchers

router = Router(tags=["sms"], auth=TerminalSignature(TerminalKind.SMS_GATEWAY))

# re.ASCII: \d is 0-9 only, not Arabic-Indic or fullwidth digits too; vouchers.normalize_pin decides the rest.
COMMAND = re.compile(r"^\s*TOPUP\s+(?P<code>[\d\s-]{1,40})\s*$", re.IGNORECASE | re.ASCII)
BALANCE = re.compile(r"^\s*BAL\s*$", re.IGNORECASE | re.ASCII)
BUNDLE = re.compile(r"^\s*BUNDLE\s+(?P<code>[A-Za-z0-9_-]{1,48})\s*$", re.IGNORECASE | re.ASCII)
HELP = re.compile(r"^\s*HELP\s*$", re.IGNORECASE | re.ASCII)
TOP_UP_HOW = "TOPUP <PIN>"


class SmsInboundIn(Schema):
    sender: str = Field(alias="from", min_length=1, max_length=32, description="the sending number (E.164)")
    to: str = Field("", max_length=32, description="the short number it was sent to")
    text: str = Field(max_length=480)


class SmsInboundOut(Schema):
    ok: bool
    code: str = Field(
        description="`topped_up`, `balance`, `bundle_bought`, `help`, `unknown_command`, `unknown_bundle`, "
        "`insufficient_funds`, or another refusal's error code"
    )
    reply: str = Field(description="the text to send back to the sender")
    order_number: str | None = None


class SmsErrorOut(Schema):
    code: str
    detail: str


class SmsValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


def handle(sender: str, text: str) -> SmsInboundOut:
    try:
        line = line_queries.line_by_number(sender)
    except DomainError as error:
        return SmsInboundOut(ok=False, code=error.code, reply=str(error))
    with translation.override(selfservice.language_of(line, translation.get_language() or "en")):
        return _answer(line, text or "")


def _answer(line: Line, text: str) -> SmsInboundOut:
    if (match := COMMAND.match(text)) is not None:
        return _top_up(line, match["code"])
    if BALANCE.match(text):
        return SmsInboundOut(ok=True, code="balance", reply="\n".join(selfservice.balance(line).rows()))
    if (match := BUNDLE.match(text)) is not None:
        return _buy(line, match["code"])
    ok = HELP.match(text) is not None
    reply = _(
        "Send BAL for your balance, BUNDLE and a code to buy a bundle from your credit (%(codes)s), "
        "TOPUP and a PIN to top up with a voucher."
    ) % {"codes": _codes(line)}
    return SmsInboundOut(ok=ok, code="help" if ok else "unknown_command", reply=reply)


def _codes(line: Line) -> str:
    return ", ".join(product.code for product in selfservice.bundles(line))


def _top_up(line: Line, pin: str) -> SmsInboundOut:
    try:
        guesser = vouchers.Guesser(phone=line.msisdn)  # the sender: wrong PINs lock only their own phone out
        redemption = vouchers.redeem(code=pin, line=line, channel="sms", guesser=guesser)
    except DomainError as error:
        return SmsInboundOut(ok=False, code=error.code, reply=str(error))
    order = redemption.order
    reply = _("Your number was topped up with %(amount)s. Your credit is now %(credit)s.") % {
        "amount": selfservice.money(order.total_amount, order.currency),
        "credit": selfservice.money(selfservice.credit_total(line)),
    }
    return SmsInboundOut(ok=True, code="topped_up", reply=reply, order_number=order.number)


def _buy(line: Line, code: str) -> SmsInboundOut:
    product = selfservice.bundle_by_code(line, code)
    if product is None:
        reply = _("No bundle has the code %(code)s. Send BUNDLE and one of: %(codes)s.") % {
            "code": code,
            "codes": _codes(line),
        }
        return SmsInboundOut(ok=False, code="unknown_bundle", reply=reply)
    try:
        bought = selfservice.buy_bundle(
            line=line, product=product, channel=Channel.SMS, language=translation.get_language() or "en"
        )
    except InsufficientFunds as error:
        reply = selfservice.not_covered_text(line=line, product=product, how_to_top_up=TOP_UP_HOW)
        return SmsInboundOut(ok=False, code=error.code, reply=reply)
    except DomainError as error:
        return SmsInboundOut(ok=False, code=error.code, reply=str(error))
    return SmsInboundOut(
        ok=True, code="bundle_bought", reply=selfservice.bought_text(bought, line), order_number=bought.order.number
    )


@router.post(
    "/inbound",
    response={200: SmsInboundOut, 400: SmsErrorOut, 401: SmsErrorOut, 409: SmsErrorOut, 422: SmsValidationErrorOut},
    summary="An SMS received by the gateway",
)
def inbound(request: HttpRequest, data: SmsInboundIn, idempotency_key: str = IDEMPOTENCY_KEY) -> HttpResponse:
    return respond_once(request, key=idempotency_key, run=lambda: handle(data.sender, data.text))
