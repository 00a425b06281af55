"""The USSD menus through the gateway's signed endpoint, step by step as a gateway posts them:
`*100#` balance, `*101*PIN#` voucher top-up, `*102#` buying a bundle from credit."""

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from simrenew.api import selfservice
from simrenew.api import ussd_screens as screens
from simrenew.lines.models import BundlePeriod, LineStatus
from simrenew.lines.queries import balances
from simrenew.orders.models import Channel, Order
from simrenew.terminals.models import TerminalKind
from simrenew.vouchers.models import RedemptionAttempt, Voucher, VoucherState
from tests.api.ussd_gateway import URL, Screen, UssdGateway
from tests.factories import create_brand, create_bundle, create_customer, create_line, create_topup_product, link
from tests.retail.factories import create_terminal
from tests.vouchers.factories import sell_pin

pytestmark = pytest.mark.django_db

NAMES = {
    "en": "Smart 10",
    "zh-hans": "智能套餐 10",
    "nl": "Slim 10",
    "fr": "Malin 10",
    "de": "Schlau 10",
}


@pytest.fixture
def gateway(client) -> UssdGateway:
    terminal, secret = create_terminal(None, kind=TerminalKind.SMS_GATEWAY)
    return UssdGateway(client, terminal.key_id, secret)


@pytest.fixture
def brand():
    brand = create_brand()
    create_topup_product(brand)
    return brand


@pytest.fixture
def smart(brand):
    return create_bundle(brand, code="smart-10", price_amount=1000, names=NAMES, position=1)


@pytest.fixture
def big(brand):
    names = {language: f"{name} XL" for language, name in NAMES.items()}
    return create_bundle(brand, code="smart-25", price_amount=2500, data_mb=None, names=names, position=2)


def line_in(brand, language: str, credit: int = 0, **fields):
    line = create_line(brand, credit=credit, **fields)
    link(create_customer(language=language), line)
    return line


def said(language: str, message: str, **values: str) -> str:
    """`message` as the catalogue says it in `language`, folded as the screen sends it."""
    with translation.override(language):
        text = _(message) % values if values else _(message)
        return screens.fold(text, language)


def read_through(session) -> Screen:
    """A screen read to its end, "0 More" after "0 More": its pages as one text, ending as the last."""
    screen = session.open()
    texts = [screen.text]
    while screen.more:
        screen = session.type("0")
        texts.append(screen.text)
    return Screen(screen.status, screen.body[:4] + "\n".join(texts))


def money(language: str, amount: int) -> str:
    with translation.override(language):
        return selfservice.money(amount)


# --- *100#


@pytest.mark.parametrize("language", ["en", "zh-hans", "fr"])
def test_balance_shows_credit_validity_and_the_bundle_left(gateway, brand, smart, language):
    line = line_in(brand, language, credit=3000)
    session = gateway.session("*102#", line.msisdn)
    session.open()
    session.type("1")
    session.type("1")  # bought Smart 10 from credit: 20.00 left

    screen = read_through(gateway.session("*100#", line.msisdn))

    assert screen.status == 200 and screen.ended
    period = BundlePeriod.objects.get(line=line)
    with translation.override(language):
        assert said(language, "Credit %(amount)s", amount=money(language, 2000)) in screen.text
        assert (
            said(
                language,
                "Valid until %(date)s",
                date=selfservice.day(line.__class__.objects.get(pk=line.pk).credit_expires_at),
            )
            in screen.text
        )
        assert said(language, "Until %(date)s", date=selfservice.day(period.ends_at)) in screen.text
        assert screens.fold(selfservice.allowances(period), language) in screen.text
    assert NAMES[language] in screen.text
    assert money(language, 2000) in screen.text


def test_balance_in_chinese_is_written_the_chinese_way(gateway, brand, smart):
    line = line_in(brand, "zh-hans", credit=3000)
    session = gateway.session("*102#", line.msisdn)
    session.open(), session.type("1"), session.type("1")
    text = read_through(gateway.session("*100#", line.msisdn)).text
    assert "智能套餐 10" in text
    assert "€20.00" in text
    assert "300 分钟" in text  # the allowances in Chinese
    end = timezone.localtime(BundlePeriod.objects.get(line=line).ends_at)  # the day in Brussels, as shown
    assert f"{end.year}/{end.month}/{end.day}" in text  # 2026/12/31, not 31/12/2026


def test_balance_without_a_bundle_says_so(gateway, brand):
    line = line_in(brand, "nl", credit=500)
    text = gateway.session("*100#", line.msisdn).open().text
    assert said("nl", "No bundle running.") in text
    assert "€ 5,00" in text


# --- *101*PIN#


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_pin_in_the_code_tops_the_calling_line_up_once(gateway, brand, language):
    issued = sell_pin(brand, 2500)
    line = line_in(brand, language, credit=100)
    session = gateway.session(f"*101*{issued.pin}#", line.msisdn)

    screen = session.open()

    assert screen.ended
    expected = said(
        language,
        "Topped up with %(amount)s. Credit now %(credit)s.",
        amount=money(language, 2500),
        credit=money(language, 2600),
    )
    assert screen.text == expected
    assert balances(line).credit_amount == 2600
    # The gateway sends the same last step again: the same answer, topped up once.
    assert session.repeat().body == screen.body
    assert balances(line).credit_amount == 2600
    assert Voucher.objects.get(serial=issued.voucher.serial).redeemed_channel == Channel.USSD


def test_the_pin_may_be_typed_after_dialling(gateway, brand):
    issued = sell_pin(brand, 1500)
    line = line_in(brand, "de")
    session = gateway.session("*101#", line.msisdn)

    ask = session.open()
    assert ask.more and ask.text == said("de", "Type the PIN of your voucher:")
    done = session.type(issued.pin)
    assert done.ended and money("de", 1500) in done.text
    assert balances(line).credit_amount == 1500


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_wrong_pin_is_refused_in_the_line_language_and_counted(gateway, brand, language):
    line = line_in(brand, language, credit=100)
    screen = gateway.session("*101*1234567890123#", line.msisdn).open()
    assert screen.ended
    with translation.override(language):
        from simrenew.vouchers.errors import PinMistyped, WrongPin

        assert screen.text in {screens.fold(str(WrongPin()), language), screens.fold(str(PinMistyped()), language)}
    if language == "zh-hans":
        assert "充值码" in screen.text  # the catalogue's Chinese, whatever the wording
    assert balances(line).credit_amount == 100
    assert RedemptionAttempt.objects.filter(source=f"phone:{line.msisdn}").count() == 1


def test_a_used_pin_is_refused_and_changes_nothing(gateway, brand):
    issued = sell_pin(brand, 1500)
    first = line_in(brand, "en")
    other = line_in(brand, "en", credit=200)
    gateway.session(f"*101*{issued.pin}#", first.msisdn).open()
    screen = gateway.session(f"*101*{issued.pin}#", other.msisdn).open()
    assert screen.ended and screen.text == "This PIN has already been used."
    assert balances(other).credit_amount == 200
    assert Voucher.objects.get(serial=issued.voucher.serial).state == VoucherState.REDEEMED


# --- *102#


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_buying_a_bundle_from_credit_asks_then_buys_once(gateway, brand, smart, big, language):
    line = line_in(brand, language, credit=3000)
    session = gateway.session("*102#", line.msisdn)

    menu = session.open()
    assert menu.more
    assert said(language, "Buy from credit (%(credit)s):", credit=money(language, 3000)) in menu.text
    assert f"1 {NAMES[language]} {money(language, 1000)}" in menu.text
    assert f"2 {NAMES[language]} XL" in (menu.text if "\n2 " in menu.text else session.type("0").text)

    confirm = session.type("1")
    assert confirm.more
    question = said(
        language,
        "%(bundle)s for %(price)s from your credit (%(credit)s)?",
        bundle=NAMES[language],
        price=money(language, 1000),
        credit=money(language, 3000),
    )
    assert confirm.text.splitlines()[0] == question
    assert confirm.text.splitlines()[1:] == [f"1 {said(language, 'Confirm')}", f"2 {said(language, 'Cancel')}"]
    assert not Order.objects.filter(line=line).exists()  # nothing until confirmed

    done = session.type("1")
    assert done.ended
    order = Order.objects.get(line=line)
    assert (order.channel, order.method, order.total_amount, order.product_id) == ("ussd", "credit", 1000, smart.pk)
    assert order.language == language
    period = BundlePeriod.objects.get(order_id=order.pk)
    with translation.override(language):
        expected = selfservice.bought_text(selfservice.Bought(order, period), line)
    assert done.text == screens.fold(expected, language)
    assert balances(line).credit_amount == 2000

    # The gateway repeats the final request (a lost answer): the same screen, one order, one charge.
    again = session.repeat()
    assert again.body == done.body
    assert Order.objects.filter(line=line).count() == 1
    assert balances(line).credit_amount == 2000


def test_cancel_buys_nothing(gateway, brand, smart):
    line = line_in(brand, "fr", credit=3000)
    session = gateway.session("*102#", line.msisdn)
    session.open(), session.type("1")
    screen = session.type("2")
    assert screen.ended and screen.text == said("fr", "Cancelled. Nothing was bought.")
    assert not Order.objects.filter(line=line).exists()
    assert balances(line).credit_amount == 3000


@pytest.mark.parametrize("bad", ["9", "x", "00", "-1", "*100#", "\u0661", "0", "1" * 40])
def test_bad_input_in_the_list_shows_it_again(gateway, brand, smart, big, bad):
    line = line_in(brand, "en", credit=3000)
    session = gateway.session("*102#", line.msisdn)
    menu = session.open()
    again = session.type(bad)
    assert again.more
    assert again.text == "Invalid choice.\n" + menu.text
    # and the menu still works after it
    assert session.type("2").text.startswith("Smart 10 XL for €25.00")
    assert session.type("1").ended
    assert Order.objects.get(line=line).product_id == big.pk


def test_bad_input_on_the_confirm_screen_asks_again(gateway, brand, smart):
    line = line_in(brand, "de", credit=3000)
    session = gateway.session("*102#", line.msisdn)
    session.open()
    confirm = session.type("1")
    again = session.type("3")
    assert again.more and again.text == said("de", "Invalid choice.") + "\n" + confirm.text
    assert not Order.objects.filter(line=line).exists()
    assert session.type("1").ended
    assert Order.objects.filter(line=line).count() == 1


def test_a_long_catalogue_comes_in_pages(gateway, brand):
    bundles = [
        create_bundle(brand, price_amount=500 + 100 * i, names={"en": f"Bundle number {i:02}"}, position=i)
        for i in range(14)
    ]
    line = line_in(brand, "en", credit=5000)
    session = gateway.session("*102#", line.msisdn)
    first = session.open()
    assert first.text.endswith("\n0 More")
    numbers = [row.split(" ")[0] for row in first.text.splitlines()[1:-1]]
    assert numbers[0] == "1" and len(numbers) < 14
    second = session.type("0")
    shown = [row.split(" ")[0] for row in second.text.splitlines()[1:] if row[0].isdigit() and not row.startswith("0 ")]
    assert shown[0] == str(len(numbers) + 1)
    # every page fits, and "0" on the last page is not a choice
    pages = [first, second]
    while pages[-1].text.endswith("\n0 More"):
        pages.append(session.type("0"))
    assert all(screens.fits(page.text, "en") for page in pages)
    assert "Bundle number 13" in pages[-1].text
    last = session.type("0")
    assert last.text.startswith("Invalid choice.\n")
    # a number from a later page is chosen by its number
    confirm = session.type("14")
    assert confirm.text.startswith("Bundle number 13 for €18.00")
    session.type("1")
    assert Order.objects.get(line=line).product_id == bundles[13].pk


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_too_little_credit_is_told_before_confirming(gateway, brand, smart, language):
    line = line_in(brand, language, credit=400)
    session = gateway.session("*102#", line.msisdn)
    session.open()
    screen = session.type("1")
    assert screen.ended
    expected = said(
        language,
        "Your credit %(credit)s does not cover %(bundle)s (%(price)s). Top up: %(how)s",
        credit=money(language, 400),
        bundle=NAMES[language],
        price=money(language, 1000),
        how="*101*PIN#",
    )
    assert screen.text == expected
    assert not Order.objects.filter(line=line).exists()
    assert balances(line).credit_amount == 400


def test_credit_spent_before_the_confirmation_refuses_and_changes_nothing(gateway, brand, smart, big):
    line = line_in(brand, "en", credit=3000)
    session = gateway.session("*102#", line.msisdn)
    session.open()
    session.type("2")  # Smart 10 XL, 25.00
    other = gateway.session("*102#", line.msisdn)
    other.open(), other.type("1"), other.type("1")  # meanwhile another session spends 10.00
    screen = session.type("1")
    assert screen.ended
    assert screen.text.startswith("Your credit €20.00 does not cover Smart 10 XL (€25.00).")
    assert Order.objects.filter(line=line).count() == 1
    assert balances(line).credit_amount == 2000


# --- Who may use the menus


def test_an_unknown_number_is_told(gateway, brand):
    screen = gateway.session("*100#", "+32499000000").open()
    assert screen.status == 200 and screen.ended
    assert screen.text == "Your number is not one of our lines."
    assert gateway.session("*102#", "not a number").open().text == "Your number is not one of our lines."


def test_a_suspended_line_is_told_and_may_still_top_up(gateway, brand, smart):
    line = line_in(brand, "en", credit=0, status=LineStatus.SUSPENDED)
    for code in ("*100#", "*102#"):
        screen = gateway.session(code, line.msisdn).open()
        assert screen.ended and screen.text == "Your line is suspended. Top up to reactivate it: *101*PIN#"
    issued = sell_pin(brand, 1500)
    assert gateway.session(f"*101*{issued.pin}#", line.msisdn).open().text.startswith("Topped up with €15.00")
    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE


def test_a_terminated_line_gets_nothing(gateway, brand):
    line = line_in(brand, "en", credit=500, status=LineStatus.TERMINATED)
    issued = sell_pin(brand, 1500)
    for code in ("*100#", "*102#", f"*101*{issued.pin}#"):
        assert gateway.session(code, line.msisdn).open().text == "This line is terminated."
    assert balances(line).credit_amount == 500


def test_another_code_lists_the_menus(gateway, brand):
    line = line_in(brand, "en")
    screen = gateway.session("*103#", line.msisdn).open()
    assert screen.ended
    assert screen.text.splitlines() == ["*100# balance", "*101*PIN# top up", "*102# buy a bundle"]


def test_a_line_nobody_holds_answers_in_the_gateway_language(gateway, brand):
    line = create_line(brand, credit=500)
    gateway.accept_language = "fr"
    assert (
        gateway.session("*100#", line.msisdn).open().text.startswith(said("fr", "Credit %(amount)s", amount="5,00 €"))
    )


def test_only_a_signed_gateway_may_post(client, brand):
    line = line_in(brand, "en")
    body = f"sessionId=s1&serviceCode=%2A100%23&phoneNumber={line.msisdn}&text="
    unsigned = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "terminal_auth_refused"
    terminal, secret = create_terminal(None, kind=TerminalKind.POS)
    screen = UssdGateway(client, terminal.key_id, secret).session("*100#", line.msisdn).open()
    assert screen.status == 401


def test_a_step_without_a_session_id_is_refused(gateway, brand):
    line = line_in(brand, "en")
    screen = gateway.step(session="", code="*100#", number=line.msisdn)
    assert screen.status == 422


def test_the_format_is_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").json()
    operation = document["paths"]["/api/ussd/session"]["post"]
    assert "text/plain" in operation["responses"]["200"]["content"]
    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"sessionId", "serviceCode", "phoneNumber", "text"} <= set(str(form).replace("'", " ").split())


def test_a_nul_in_a_field_is_a_clear_refusal(gateway, brand):
    line = line_in(brand, "en")
    screen = gateway.step(session="s\x00", code="*100#", number=line.msisdn)
    assert screen.status == 400 and '"unreadable_text"' in screen.body


def test_a_session_that_bought_buys_nothing_else(gateway, brand, smart, big):
    line = line_in(brand, "en", credit=5000)
    session = gateway.session("*102#", line.msisdn)
    session.open(), session.type("1"), session.type("1")
    other = gateway.step(session=session.id, code="*102#", number=line.msisdn, text="2*1")
    assert other.ended and other.text == "This session has ended. Please dial again."
    assert Order.objects.filter(line=line).count() == 1
    assert balances(line).credit_amount == 4000
