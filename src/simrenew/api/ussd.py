"""USSD menus from the operator's USSD gateway, in the form most gateways post (Africa's Talking's):
each step of a session is one POST of sessionId, serviceCode, phoneNumber and `text`, everything the
subscriber typed so far joined by `*`; the answer is plain text, "CON …" to show a screen and wait for
the next input, "END …" to show it and close the session.

`*100#` balance and bundle; `*101*PIN#` (or `*101#`, then the PIN) tops the calling line up with a
voucher PIN; `*102#` lists the brand's bundles, asks to confirm one and buys it from credit. The
gateway signs each request like the SMS gateway (a terminal of kind `sms_gateway`, HMAC). Screens
are in the line's language and fit one USSD page (`ussd_screens`).

A session keeps no state here: each step is worked out again from `text`. What changes money is done
once per session: a repeated final step (the gateway's retry) answers what the first one did.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Form, Router, Schema

from simrenew.api import selfservice
from simrenew.api import ussd_screens as screens
from simrenew.api.sms import SmsErrorOut, SmsValidationErrorOut
from simrenew.catalog.models import Product
from simrenew.kit import parse
from simrenew.kit.errors import DomainError
from simrenew.kit.parse import is_ascii_digits
from simrenew.ledger.errors import InsufficientFunds
from simrenew.lines import queries as line_queries
from simrenew.lines.models import ENDED_STATUSES, Line, LineStatus
from simrenew.orders.models import Channel
from simrenew.terminals.auth import TerminalSignature, terminal_of
from simrenew.terminals.errors import IdempotencyKeyReused
from simrenew.terminals.idempotency import Answer, once
from simrenew.terminals.models import Terminal, TerminalKind
from simrenew.vouchers import service as vouchers

router = Router(tags=["ussd"], auth=TerminalSignature(TerminalKind.SMS_GATEWAY))

BALANCE, REDEEM, BUY = "100", "101", "102"
TOP_UP_HOW = "*101*PIN#"
MORE, CONFIRM, CANCEL = "0", "1", "2"
# Item names in a bundle list are shortened to this many characters (the price follows), a bundle's
# name on the balance screen to NAME_WIDTH; keyed by uses_ucs2.
ITEM_WIDTH = {False: 22, True: 10}
NAME_WIDTH = {False: 40, True: 16}


class UssdIn(Schema):
    session_id: str = Field(alias="sessionId", min_length=1, max_length=64, description="the gateway's session id")
    service_code: str = Field(
        alias="serviceCode", min_length=2, max_length=40, description="the code dialled, e.g. `*101#` or `*101*PIN#`"
    )
    phone_number: str = Field(alias="phoneNumber", min_length=1, max_length=32, description="the caller (E.164)")
    text: str = Field("", max_length=400, description="everything typed in the session so far, joined by `*`")


@dataclass(frozen=True)
class Reply:
    text: str
    more: bool  # CON: the session waits for the next input

    @property
    def body(self) -> str:
        return ("CON " if self.more else "END ") + self.text


@dataclass(frozen=True)
class Call:
    terminal: Terminal
    session_id: str
    code: str  # the service code's number: "100"
    inputs: list[str]  # what was typed after it, the code's own extra parts first (*101*PIN#)
    line: Line
    language: str


def parse_code(service_code: str, text: str) -> tuple[str, list[str]]:
    """("101", ["1234…"]) for `*101*1234…#`, or for `*101#` with text "1234…"."""
    dialled = service_code.strip().strip("#").lstrip("*").split("*")
    typed = text.split("*") if text else []
    return dialled[0], [*dialled[1:], *typed]


def end(text: str, language: str) -> Reply:
    return Reply(screens.cut(screens.fold(text, language), language), more=False)


def ask(text: str, language: str) -> Reply:
    return Reply(screens.cut(screens.fold(text, language), language), more=True)


def answer(*, terminal: Terminal, data: UssdIn, fallback_language: str) -> Reply:
    code, inputs = parse_code(data.service_code, data.text)
    try:
        line = line_queries.line_by_number(data.phone_number)
    except DomainError:
        return end(_("Your number is not one of our lines."), fallback_language)
    language = selfservice.language_of(line, fallback_language)
    with translation.override(language):
        call = Call(terminal, data.session_id, code, inputs, line, language)
        return _menu(call)


def _menu(call: Call) -> Reply:
    status = call.line.status
    if status in ENDED_STATUSES:
        return end(_("This line is terminated."), call.language)
    if call.code == REDEEM:
        return _redeem(call)  # a suspended line tops up to come back
    if status == LineStatus.SUSPENDED:
        return end(_("Your line is suspended. Top up to reactivate it: %(how)s") % {"how": TOP_UP_HOW}, call.language)
    if call.code == BALANCE:
        return _balance(call)
    if call.code == BUY:
        return _buy(call)
    return end(
        "\n".join([f"*{BALANCE}# " + _("balance"), f"{TOP_UP_HOW} " + _("top up"), f"*{BUY}# " + _("buy a bundle")]),
        call.language,
    )


def _balance(call: Call) -> Reply:
    """The balance on one screen, or on several ("0 More") when the language needs more room."""
    balance = selfservice.balance(call.line)
    name = screens.shorten(balance.bundle_name, NAME_WIDTH[screens.uses_ucs2(call.language)], call.language)
    pages = screens.paginate(balance.rows(name), f"{MORE} " + _("More"), call.language)
    page = 0
    for entry in call.inputs:
        if entry == MORE:
            page = min(page + 1, len(pages) - 1)
    return Reply(pages[page], more=page < len(pages) - 1)


# --- *101*PIN#


def _redeem(call: Call) -> Reply:
    pin = call.inputs[0] if call.inputs else ""
    if not pin:
        return ask(_("Type the PIN of your voucher:"), call.language)

    def run() -> tuple[None, Answer]:
        guesser = vouchers.Guesser(phone=call.line.msisdn)  # wrong PINs lock only this phone out
        redemption = vouchers.redeem(code=pin, line=call.line, channel=Channel.USSD, guesser=guesser)
        order = redemption.order
        text = _("Topped up with %(amount)s. Credit now %(credit)s.") % {
            "amount": selfservice.money(order.total_amount, order.currency),
            "credit": selfservice.money(selfservice.credit_total(call.line)),
        }
        return None, Answer(200, end(text, call.language).body)

    # Outside a transaction (claim_first): a wrong PIN stays counted against this phone.
    return _once(call, step="redeem", fingerprint=pin, run=run, claim_first=True)


def _once(
    call: Call,
    *,
    step: str,
    fingerprint: str,
    run: Callable[[], tuple[None, Answer]],
    claim_first: bool = False,
    explain: Callable[[DomainError], str] = str,
) -> Reply:
    """The session's `step` done once: a repeat of it answers what the first did; a refusal (a wrong
    PIN, too little credit) changes nothing and ends the session with its reason."""
    digest = hashlib.sha256(f"{call.line.pk}|{call.code}|{fingerprint}".encode()).hexdigest()
    try:
        outcome = once(
            scope=f"ussd:{call.terminal.pk}",
            key=f"{call.session_id}:{step}",
            fingerprint=digest,
            run=run,
            terminal=call.terminal,
            claim_first=claim_first,
        )
    except IdempotencyKeyReused:
        return end(_("This session has ended. Please dial again."), call.language)
    except DomainError as error:
        return end(explain(error), call.language)
    more, _space, text = outcome.answer.body.partition(" ")
    return Reply(text, more=more == "CON")


# --- *102#


def _buy(call: Call) -> Reply:
    offered = selfservice.bundles(call.line)
    if not offered:
        return end(_("No bundles are on offer right now."), call.language)
    credit = selfservice.credit_total(call.line)
    pages = _pages(call, offered, credit)
    page, chosen, invalid = 0, None, False
    for entry in call.inputs:
        if chosen is None:
            if entry == MORE and page + 1 < len(pages):
                page, invalid = page + 1, False
            elif is_ascii_digits(entry) and len(entry) <= 3 and 1 <= int(entry) <= len(offered):
                chosen, invalid = offered[int(entry) - 1], False
            else:
                invalid = True
        elif entry == CONFIRM:
            return _purchase(call, chosen)
        elif entry == CANCEL:
            return end(_("Cancelled. Nothing was bought."), call.language)
        else:
            invalid = True
    if chosen is None:
        text = _list_text(call, pages[page], credit, more=page + 1 < len(pages), invalid=invalid)
        return Reply(screens.cut(text, call.language), more=True)
    return _confirm(call, chosen, credit, invalid=invalid)


def _header(invalid: bool) -> list[str]:
    return [_("Invalid choice.")] if invalid else []


def _list_text(call: Call, items: list[tuple[int, Product]], credit: int, *, more: bool, invalid: bool) -> str:
    width = ITEM_WIDTH[screens.uses_ucs2(call.language)]
    rows = [*_header(invalid), _("Buy from credit (%(credit)s):") % {"credit": selfservice.money(credit)}]
    for number, product in items:
        price = selfservice.money(product.price_amount or 0, product.currency)
        rows.append(f"{number} {screens.shorten(product.name, width, call.language)} {price}")
    if more:
        rows.append(f"{MORE} " + _("More"))
    return screens.fold("\n".join(rows), call.language)


def _pages(call: Call, offered: list[Product], credit: int) -> list[list[tuple[int, Product]]]:
    """The numbered bundles in pages that each fit a screen, "Invalid choice." and "0 More" included."""
    numbered = list(enumerate(offered, start=1))
    pages: list[list[tuple[int, Product]]] = []
    while numbered:
        size = 1
        while size < len(numbered) and screens.fits(
            _list_text(call, numbered[: size + 1], credit, more=True, invalid=True), call.language
        ):
            size += 1
        pages.append(numbered[:size])
        numbered = numbered[size:]
    return pages


def _confirm(call: Call, product: Product, credit: int, *, invalid: bool) -> Reply:
    if credit < (product.price_amount or 0):
        return Reply(_not_covered(call, product), more=False)

    def render(name: str) -> str:
        question = _("%(bundle)s for %(price)s from your credit (%(credit)s)?") % {
            "bundle": name,
            "price": selfservice.money(product.price_amount or 0, product.currency),
            "credit": selfservice.money(credit),
        }
        return "\n".join([*_header(invalid), question, f"{CONFIRM} " + _("Confirm"), f"{CANCEL} " + _("Cancel")])

    return Reply(screens.fit(render, product.name, call.language), more=True)


def _purchase(call: Call, product: Product) -> Reply:
    def run() -> tuple[None, Answer]:
        bought = selfservice.buy_bundle(line=call.line, product=product, channel=Channel.USSD, language=call.language)
        text = screens.fit(
            lambda name: selfservice.bought_text(bought, call.line, name=name), product.name, call.language
        )
        return None, Answer(200, Reply(text, more=False).body)

    def explain(error: DomainError) -> str:
        if isinstance(error, InsufficientFunds):  # spent meanwhile, e.g. by a call
            return _not_covered(call, product)
        return str(error)

    return _once(call, step="buy", fingerprint=str(product.pk), run=run, explain=explain)


def _not_covered(call: Call, product: Product) -> str:
    return screens.fit(
        lambda name: selfservice.not_covered_text(line=call.line, product=product, how_to_top_up=TOP_UP_HOW, name=name),
        product.name,
        call.language,
    )


# --- The endpoint

USSD_ANSWER = {
    "description": 'The screen to show: "CON " and a screen that waits for input, or "END " and the last one.',
    "content": {"text/plain": {"schema": {"type": "string", "pattern": "^(CON|END) "}}},
}


@router.post(
    "/session",
    response={401: SmsErrorOut, 422: SmsValidationErrorOut},
    summary="One step of a USSD session",
    openapi_extra={"responses": {"200": USSD_ANSWER}},
)
def session(request: HttpRequest, data: Form[UssdIn]) -> HttpResponse:
    """One step of a subscriber's USSD session, posted by the operator's USSD gateway (form fields as
    Africa's Talking sends them). `*100#` shows the balance and bundle; `*101*PIN#` (or `*101#`, then
    the PIN) tops up with a voucher; `*102#` lists the bundles ("0" for more), then "1" confirms and
    "2" cancels a purchase from credit. The answer is plain text: "CON " and a screen that waits for
    the next input, or "END " and the last screen. Screens are in the line's language and fit one
    USSD page: 182 GSM 7-bit characters, 80 UCS-2 characters in Chinese. A repeated final step
    answers what the first did and buys or tops up once. Signed like every terminal request; no
    Idempotency-Key (the session id is the key)."""
    if parse.has_unstorable_text(data.model_dump()):  # a NUL, which PostgreSQL cannot store in a key
        raise parse.UnreadableText()
    # No transaction around the step: a voucher redemption owns its own (a wrong PIN stays counted),
    # a purchase runs in the one its idempotency key opens.
    reply = answer(terminal=terminal_of(request), data=data, fallback_language=translation.get_language() or "en")
    return HttpResponse(reply.body, content_type="text/plain; charset=utf-8")
