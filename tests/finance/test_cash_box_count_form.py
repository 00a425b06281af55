"""The back office's count of a kiosk cash box: every value must be typed (0 for none), so a blank
form is not an empty box; a count that differs from what the audit expects is booked only once its
difference is confirmed; an exact count is recorded at once; and each is recorded once however
often the form is sent."""

import re

import pytest
from django.db import transaction

from simrenew.kiosks import service as kiosks
from simrenew.kiosks.models import CashBoxEmptying, CashBoxEvent, CashBoxEventKind, Purpose
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal, Posting
from simrenew.payments.cash_acceptor import Inserted
from simrenew.staff import roles
from simrenew.terminals.idempotency import new_form_key
from tests.factories import create_brand, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db

VALUES = (5000, 2000, 1000, 500, 200, 100)  # what the kiosk takes: one field each
NOTHING_COUNTED = "Nothing was counted."
BLANK = "Type how many you counted: 0 if you found none."
NOT_DIGITS = "Type how many, with the digits 0 to 9."
CONFIRM = re.compile(r'name="confirm" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f]{32})"')


@pytest.fixture
def kiosk():
    return create_kiosk("grand-place")


@pytest.fixture
def line():
    brand = create_brand(code="acme")
    create_topup_product(brand, amounts=[1000])
    return create_line(brand)


@pytest.fixture
def client():
    return staff_session(create_staff_user(roles.FINANCE))


def sell_cash(kiosk, line, *amounts):
    with transaction.atomic():
        session = kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=Purpose.TOPUP)
        for amount in amounts:
            kind = "coin" if amount < 500 else "note"
            kiosks.insert_cash(kiosk=kiosk, token=session.token, inserted=Inserted(amount, kind))
        kiosks.settle_cash_session(kiosk=kiosk, token=session.token)


def count_form(counted=None, *, key=None, **extra):
    """The form as a person sends it: every value typed (0 unless `counted` says otherwise)."""
    counted = counted or {}
    fields = {f"count_{value}": str(counted.get(value, 0)) for value in VALUES}
    return {"form_key": key or new_form_key(), **fields, "note": "", **extra}


def post(client, kiosk, form):
    return client.post(f"/en/backoffice/cash-boxes/{kiosk.code}/empty/", form)


def nothing_recorded():
    return (
        not CashBoxEmptying.objects.exists()
        and not Journal.objects.filter(kind="cash_box_emptying").exists()
        and not CashBoxEvent.objects.filter(kind=CashBoxEventKind.EMPTIED).exists()
    )


def difference_booked():
    return ledger.balance(ledger.account("platform:cash_difference", "cash_difference"))


@pytest.mark.parametrize(
    "form",
    [
        {"form_key": "a" * 32, **{f"count_{value}": "" for value in VALUES}, "note": ""},
        {"form_key": "b" * 32, **{f"count_{value}": "  " for value in VALUES}, "note": "bag 3"},
        {"form_key": "c" * 32},  # no count fields sent at all
    ],
)
def test_a_blank_form_is_refused_and_records_nothing(kiosk, line, client, form):
    sell_cash(kiosk, line, 5000, 5000, 5000)
    sell_cash(kiosk, line, 5000)
    response = post(client, kiosk, form)
    assert response.status_code == 400
    page = response.content.decode()
    assert NOTHING_COUNTED in page and "0 for a value you found none of." in page
    assert nothing_recorded()
    assert difference_booked() == 0


def test_a_blank_value_among_typed_ones_is_refused_next_to_it(kiosk, line, client):
    sell_cash(kiosk, line, 2000, 1000)
    form = count_form({2000: 1, 1000: 1})
    form["count_500"] = ""
    response = post(client, kiosk, form)
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(BLANK) == 1
    assert NOTHING_COUNTED not in page
    assert re.search(r'<div class="field has-error"><label for="id_count_500">', page)
    assert nothing_recorded()


def test_an_empty_box_counted_as_all_zeros_is_recorded(kiosk, client):
    response = post(client, kiosk, count_form())
    assert response.status_code == 302
    emptying = CashBoxEmptying.objects.get()
    assert (emptying.counted_amount, emptying.expected_amount, emptying.difference_amount) == (0, 0, 0)
    assert not Posting.objects.filter(journal__key=emptying.journal_key).exists()


def test_an_exact_count_is_recorded_at_once_and_once(kiosk, line, client):
    sell_cash(kiosk, line, 2000, 1000)
    form = count_form({2000: 1, 1000: 1}, note="bag 17")
    done = post(client, kiosk, form)
    assert done.status_code == 302
    again = post(client, kiosk, form)  # a double click
    assert again.status_code == 302 and again["Location"] == done["Location"]
    emptying = CashBoxEmptying.objects.get()
    assert (emptying.counted_amount, emptying.difference_amount, emptying.note) == (3000, 0, "bag 17")
    assert difference_booked() == 0


def test_a_short_count_asks_to_confirm_and_books_the_difference_only_then(kiosk, line, client):
    sell_cash(kiosk, line, 2000, 1000)
    form = count_form({2000: 1}, note="bag 18")
    asked = post(client, kiosk, form)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Counted €20.00, expected €30.00, difference -€10.00: confirm to record it." in page
    assert "Record the emptying with this difference" in page
    assert 'value="1"' in page  # what was typed is kept
    assert nothing_recorded()
    again = post(client, kiosk, form)  # pressed again without confirming: still asked, still nothing
    assert again.status_code == 200 and nothing_recorded()

    confirmed = {**form, "form_key": FORM_KEY.search(page)[1], "confirm": CONFIRM.search(page)[1]}
    done = post(client, kiosk, confirmed)
    assert done.status_code == 302
    twice = post(client, kiosk, confirmed)  # a double click on the confirmation
    assert twice.status_code == 302 and twice["Location"] == done["Location"]
    emptying = CashBoxEmptying.objects.get()
    assert (emptying.counted_amount, emptying.expected_amount, emptying.difference_amount) == (2000, 3000, -1000)
    assert emptying.note == "bag 18"
    postings = dict(Posting.objects.filter(journal__key=emptying.journal_key).values_list("account__code", "amount"))
    assert postings == {
        kiosk.cash_account_code: 3000,
        "platform:cash_in_transit": -2000,
        "platform:cash_difference": -1000,
    }
    assert difference_booked() == -1000
    assert ledger.verify() == []


def test_a_surplus_asks_to_confirm_too(kiosk, line, client):
    sell_cash(kiosk, line, 1000)
    response = post(client, kiosk, count_form({1000: 1, 500: 1}))
    assert response.status_code == 200
    assert "Counted €15.00, expected €10.00, difference €5.00: confirm to record it." in response.content.decode()
    assert nothing_recorded()


def test_a_confirmation_is_for_the_count_it_showed(kiosk, line, client):
    sell_cash(kiosk, line, 2000, 1000)
    asked = post(client, kiosk, count_form({2000: 1})).content.decode()
    token = CONFIRM.search(asked)[1]
    # The count was changed after the difference was shown: the new difference is shown, not booked.
    changed = post(client, kiosk, count_form({2000: 1, 500: 1}, confirm=token))
    assert changed.status_code == 409
    page = changed.content.decode()
    assert "has changed. Check the difference below, then confirm it." in page
    assert "Counted €25.00, expected €30.00, difference -€5.00: confirm to record it." in page
    assert nothing_recorded()


def test_cash_that_came_in_after_the_difference_was_shown_asks_again(kiosk, line, client):
    sell_cash(kiosk, line, 2000)
    asked = post(client, kiosk, count_form({2000: 1, 500: 1})).content.decode()
    assert "difference €5.00" in asked
    sell_cash(kiosk, line, 500)  # the count now matches, but the confirmation was for another difference
    sell_cash(kiosk, line, 1000)
    changed = post(client, kiosk, count_form({2000: 1, 500: 1}, confirm=CONFIRM.search(asked)[1]))
    assert changed.status_code == 409
    assert "Counted €25.00, expected €35.00, difference -€10.00" in changed.content.decode()
    assert nothing_recorded()


# Arabic-Indic and fullwidth digits (int() reads both), a superscript, a sign, a decimal, an exponent, a letter.
@pytest.mark.parametrize("typed", ["٣", "\uff13", "1\uff10", "²", "-1", "+1", "1.5", "1e3", "x"])
def test_a_count_not_in_ascii_digits_is_refused(kiosk, line, client, typed):
    sell_cash(kiosk, line, 500)
    form = count_form()
    form["count_500"] = typed
    response = post(client, kiosk, form)
    assert response.status_code == 400
    assert NOT_DIGITS in response.content.decode()
    assert nothing_recorded()


def test_a_count_beyond_any_cash_box_is_refused(kiosk, client):
    form = count_form({500: 10_001})
    response = post(client, kiosk, form)
    assert response.status_code == 400
    assert "Type a number from 0 to 10000." in response.content.decode()
    assert nothing_recorded()
    assert post(client, kiosk, count_form({100: 10_000})).status_code == 200  # the most: asks to confirm


def test_the_count_fields_look_like_the_other_back_office_forms(kiosk, client):
    page = client.get(f"/en/backoffice/cash-boxes/{kiosk.code}/").content.decode()
    for value in VALUES:
        assert re.search(rf'<div class="field"><label for="id_count_{value}">', page)
        assert re.search(rf'<input type="text" name="count_{value}"[^>]*inputmode="numeric"', page)
    assert '<div class="field"><label for="id_note">' in page
    assert "Type 0 for a value you found none of." in page
    assert 'name="confirm"' not in page  # nothing to confirm before a count
