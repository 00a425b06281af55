"""Every USSD screen fits one USSD page in every language: 182 GSM 7-bit characters, 80 UCS-2
characters in zh-Hans (api/ussd_screens.py), with long names, large amounts and every row shown."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from simrenew.api import ussd_screens as screens
from simrenew.kit import clock
from simrenew.ledger.errors import InsufficientFunds
from simrenew.lines.errors import LineNotUsable, UnknownLine
from simrenew.lines.models import LineStatus
from simrenew.orders.errors import QuoteChanged
from simrenew.terminals.models import TerminalKind
from simrenew.vouchers import errors as voucher_errors
from tests.api.ussd_gateway import Screen, UssdGateway
from tests.factories import (
    create_brand,
    create_bundle,
    create_customer,
    create_line,
    create_topup_product,
    link,
    post_bonus,
)
from tests.retail.factories import create_terminal
from tests.vouchers.factories import sell_pin

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# Long names, as a catalogue may have them.
LONG_NAMES = {
    "en": "Unlimited Travel Data 25 GB Plus",
    "zh-hans": "国际漫游无限流量套餐 25 GB 加强版",
    "nl": "Onbeperkt Reizen Data 25 GB Plus",
    "fr": "Forfait Voyage Données 25 Go Plus",
    "de": "Unbegrenzt Reisen Daten 25 GB Plus",
}


def test_limits_and_alphabets():
    assert (screens.limit("en"), screens.limit("zh-hans")) == (182, 80)
    assert screens.length("€[", "en") == 4  # extension characters take two septets
    assert screens.length("余额 €1", "zh-hans") == 5
    folded = screens.fold("R\u00e9ception\u2026 \u00eatre \u00e7a \u00ab oui \u00bb \u2013 Ge\u00ebindigd\u2019", "fr")
    assert folded == 'R\u00e9ception... etre ca " oui " - Geeindigd\''  # é is GSM, ê ç ë are not
    assert screens.fold("\u4f59\u989d\uff1a\u20ac1", "zh-hans") == "\u4f59\u989d\uff1a\u20ac1"  # UCS-2 as is
    assert screens.shorten("Unlimited Travel", 8) == "Unlimit."
    assert screens.shorten("国际漫游无限流量", 5, "zh-hans") == "国际漫游…"


def test_a_long_screen_goes_on_over_pages():
    rows = [f"row {n} " + "x" * 60 for n in range(6)]
    pages = screens.paginate(rows, "0 More", "en")
    assert len(pages) > 1
    assert all(screens.fits(page, "en") for page in pages)
    assert all(page.endswith("\n0 More") for page in pages[:-1]) and not pages[-1].endswith("0 More")
    assert [row for page in pages for row in page.splitlines() if row != "0 More"] == rows


@pytest.fixture
def gateway(client) -> UssdGateway:
    terminal, secret = create_terminal(None, kind=TerminalKind.SMS_GATEWAY)
    return UssdGateway(client, terminal.key_id, secret)


class Walk:
    """Every screen a subscriber can meet, in one language, with the longest content we sell."""

    def __init__(self, gateway: UssdGateway, language: str) -> None:
        self.gateway, self.language = gateway, language
        self.brand = create_brand()
        create_topup_product(self.brand, amounts=[1000, 99900])
        for position in range(12):
            names = {lang: f"{name} {position}" for lang, name in LONG_NAMES.items()}
            create_bundle(
                self.brand,
                price_amount=99999 - position,
                data_mb=102_400 + 512,
                voice_minutes=9999,
                sms_count=9999,
                names=names,
                position=position,
            )
        self.screens: list[Screen] = []

    def line(self, credit: int = 0, **fields):
        line = create_line(self.brand, credit=credit, **fields)
        link(create_customer(language=self.language), line)
        return line

    def see(self, screen: Screen) -> Screen:
        assert screen.status == 200, screen.body
        self.screens.append(screen)
        return screen

    def through(self, code: str, number: str, *typed: str) -> None:
        session = self.gateway.session(code, number)
        self.see(session.open())
        for entry in typed:
            self.see(session.type(entry))

    def all(self) -> list[Screen]:
        rich = self.line(credit=99_999_99, credit_expires_at=clock.now() + timedelta(days=300))
        post_bonus(rich, 99_999)
        self.through("*102#", rich.msisdn, "x", "1", "x", "1")  # bought (active)
        self.through("*102#", rich.msisdn, "0", "0", "0", "x", "12", "1")  # every page; bought (queued)
        self.through("*102#", rich.msisdn, "2", "2")  # cancelled
        self.see(
            self.gateway.step(
                session=self.gateway_session_of_last_buy(rich), code="*102#", number=rich.msisdn, text="3*1"
            )
        )
        rich.status = LineStatus.GRACE
        rich.save(update_fields=["status"])
        self.through("*100#", rich.msisdn, "0", "0")  # grace, bonus, validity, bundle, allowances
        poor = self.line(credit=100)
        self.through("*100#", poor.msisdn)  # no bundle
        self.through("*102#", poor.msisdn, "1")  # too little credit
        self.through("*101#", poor.msisdn, "1234567890123")  # asked, then a wrong PIN
        self.through(f"*101*{sell_pin(self.brand, 99900).pin}#", poor.msisdn)  # topped up
        self.through("*100#", "+32499000000")  # not ours
        self.through("*100#", self.line(status=LineStatus.SUSPENDED).msisdn)
        self.through("*100#", self.line(status=LineStatus.TERMINATED).msisdn)
        self.through("*999#", poor.msisdn)  # the list of menus
        empty = create_line(create_brand())
        link(create_customer(language=self.language), empty)
        self.through("*102#", empty.msisdn)  # nothing on offer
        return self.screens

    def gateway_session_of_last_buy(self, line) -> str:
        """A session that bought already, asked for another purchase under the same id."""
        session = self.gateway.session("*102#", line.msisdn)
        session.open(), session.type("4"), session.type("1")
        return session.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_fits_in_every_language(gateway, language, caplog):
    caplog.set_level(logging.WARNING, logger="simrenew.api.ussd_screens")
    walked = Walk(gateway, language).all()
    assert len(walked) >= 25
    for screen in walked:
        assert screen.more or screen.ended, screen.body
        assert screens.fits(screen.text, language), (screens.length(screen.text, language), screen.text)
        if not screens.uses_ucs2(language):
            assert set(screen.text) <= screens.GSM_BASIC | screens.GSM_EXTENSION, screen.text
    assert not caplog.records, "a screen had to be cut: " + "; ".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_refusal_a_menu_may_end_with_fits(language):
    kinds = [kind for kind in vars(voucher_errors).values() if isinstance(kind, type) and issubclass(kind, Exception)]
    refusals = [kind(brand="Orange Belgium") if kind is voucher_errors.PinForOtherBrand else kind() for kind in kinds]
    refusals += [UnknownLine(), LineNotUsable(), QuoteChanged(), InsufficientFunds()]
    with translation.override(language):
        texts = [str(refusal) for refusal in refusals]
        texts.append(gettext("Too many wrong PINs from this phone. Try again at %(until)s.") % {"until": "23:59"})
        for text in texts:
            assert screens.fits(screens.fold(text, language), language), (language, text)
