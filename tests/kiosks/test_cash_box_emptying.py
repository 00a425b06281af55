"""Emptying a kiosk's cash box: the count reconciled with the audit (expected = credited since the
last emptying) and the ledger (kiosk cash → cash in transit, the difference to cash differences),
and the back-office pages that record it, behind their permissions."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from simrenew.kiosks import cashbox
from simrenew.kiosks import service as kiosks
from simrenew.kiosks.errors import CashBoxInUse, CountNotValid
from simrenew.kiosks.models import CashBoxEmptying, CashBoxEvent, CashSession, Purpose, SessionStatus
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Journal, Posting
from simrenew.payments.cash_acceptor import Inserted
from simrenew.staff import roles
from tests.factories import create_brand, create_line, create_topup_product
from tests.kiosks.factories import create_kiosk
from tests.staff.factories import create_staff_user, staff_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    brand = create_brand(code="acme")
    create_topup_product(brand, amounts=[1000])
    return brand


@pytest.fixture
def kiosk():
    return create_kiosk("luxembourg")


@pytest.fixture
def finance():
    return create_staff_user(roles.FINANCE)


def sell_cash(kiosk, line, *amounts):
    with transaction.atomic():
        session = kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=Purpose.TOPUP)
        for amount in amounts:
            kind = "coin" if amount < 500 else "note"
            kiosks.insert_cash(kiosk=kiosk, token=session.token, inserted=Inserted(amount, kind))
        kiosks.settle_cash_session(kiosk=kiosk, token=session.token)
    return session


def balance(code):
    return ledger.balance(ledger.account(code, "shop_cash"))


def empty(kiosk, counted, by):
    with transaction.atomic():
        return cashbox.empty_cash_box(kiosk=kiosk, counted=counted, by=by)


def test_a_count_that_matches_moves_the_cash_to_transit(kiosk, brand, finance):
    line = create_line(brand)
    sell_cash(kiosk, line, 2000, 500, 200)
    sell_cash(kiosk, line, 2000)
    emptying = empty(kiosk, {2000: 2, 500: 1, 200: 1}, finance)
    assert emptying.expected == {"200": 1, "500": 1, "2000": 2}
    assert (emptying.counted_amount, emptying.expected_amount, emptying.ledger_amount, emptying.difference_amount) == (
        4700,
        4700,
        4700,
        0,
    )
    postings = dict(Posting.objects.filter(journal__key=emptying.journal_key).values_list("account__code", "amount"))
    assert postings == {kiosk.cash_account_code: 4700, "platform:cash_in_transit": -4700}
    assert balance(kiosk.cash_account_code) == 0
    assert cashbox.expected_in_box(kiosk).amount == 0
    assert ledger.verify() == []


def test_a_shortage_is_recorded_and_booked_as_a_cash_difference(kiosk, brand, finance):
    sell_cash(kiosk, create_line(brand), 5000, 1000)
    emptying = empty(kiosk, {5000: 1, 500: 1}, finance)
    assert (emptying.counted_amount, emptying.expected_amount, emptying.difference_amount) == (5500, 6000, -500)
    postings = dict(Posting.objects.filter(journal__key=emptying.journal_key).values_list("account__code", "amount"))
    assert postings == {
        kiosk.cash_account_code: 6000,
        "platform:cash_in_transit": -5500,
        "platform:cash_difference": -500,
    }
    assert balance(kiosk.cash_account_code) == 0
    assert ledger.verify() == []


def test_a_surplus_is_a_positive_difference(kiosk, brand, finance):
    sell_cash(kiosk, create_line(brand), 1000)
    emptying = empty(kiosk, {1000: 1, 2000: 1}, finance)
    assert emptying.difference_amount == 2000
    assert ledger.balance(cashbox.cash_difference_account()) == 2000


def test_the_next_emptying_expects_only_what_came_in_since(kiosk, brand, finance):
    line = create_line(brand)
    sell_cash(kiosk, line, 2000)
    empty(kiosk, {2000: 1}, finance)
    sell_cash(kiosk, line, 500, 500)
    second = empty(kiosk, {500: 2}, finance)
    assert (second.expected_amount, second.difference_amount, second.ledger_amount) == (1000, 0, 1000)
    first = CashBoxEmptying.objects.filter(kiosk=kiosk).order_by("id").first()
    assert second.after_event == first.up_to_event


def test_an_emptying_with_nothing_in_says_so(kiosk, finance):
    emptying = empty(kiosk, {}, finance)
    assert (emptying.counted_amount, emptying.expected_amount, emptying.difference_amount) == (0, 0, 0)
    assert not Posting.objects.filter(journal__key=emptying.journal_key).exists()


def test_a_customer_paying_now_stops_the_emptying_and_nothing_changes(kiosk, brand, finance):
    line = create_line(brand)
    with transaction.atomic():
        session = kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=Purpose.TOPUP)
        kiosks.insert_cash(kiosk=kiosk, token=session.token, inserted=Inserted(1000, "note"))
    before = (Journal.objects.count(), CashBoxEvent.objects.count(), CashBoxEmptying.objects.count())
    with pytest.raises(CashBoxInUse):
        empty(kiosk, {1000: 1}, finance)
    assert (Journal.objects.count(), CashBoxEvent.objects.count(), CashBoxEmptying.objects.count()) == before
    assert CashSession.objects.get(pk=session.pk).status == SessionStatus.OPEN


def test_a_walked_away_customers_cash_is_credited_before_the_count(kiosk, brand, finance, settings):
    line = create_line(brand)
    with transaction.atomic():
        session = kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=Purpose.TOPUP)
        kiosks.insert_cash(kiosk=kiosk, token=session.token, inserted=Inserted(2000, "note"))
    with time_machine.travel(clock.now() + timedelta(seconds=settings.KIOSK_IDLE_SECONDS + 5)):
        emptying = empty(kiosk, {2000: 1}, finance)
    assert CashSession.objects.get(pk=session.pk).status == SessionStatus.SETTLED
    assert (emptying.expected_amount, emptying.ledger_amount, emptying.difference_amount) == (2000, 2000, 0)


@pytest.mark.parametrize("counted", [{500: -1}, {0: 1}, {500: "2"}])
def test_a_count_that_is_not_one_is_refused(kiosk, finance, counted):
    with pytest.raises(CountNotValid):
        empty(kiosk, counted, finance)
    assert not CashBoxEmptying.objects.exists()


# --- Pages ---------------------------------------------------------------------------------------


def test_the_pages_ask_for_their_permissions(kiosk, client):
    assert client.get("/en/backoffice/cash-boxes/").status_code == 302  # to the staff login
    marketing = staff_session(create_staff_user(roles.MARKETING))
    assert marketing.get("/en/backoffice/cash-boxes/").status_code == 403
    assert marketing.get(f"/en/backoffice/cash-boxes/{kiosk.code}/").status_code == 403
    refused = marketing.post(f"/en/backoffice/cash-boxes/{kiosk.code}/empty/", {"form_key": "c" * 32})
    assert refused.status_code == 403
    assert not CashBoxEmptying.objects.exists()


def test_viewing_without_the_right_to_empty(kiosk, brand):
    viewer = create_staff_user(roles.CUSTOMER_SERVICE)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_cashboxemptying"))
    client = staff_session(viewer)
    page = client.get(f"/en/backoffice/cash-boxes/{kiosk.code}/")
    assert page.status_code == 200
    assert "Record the emptying" not in page.content.decode()
    refused = client.post(f"/en/backoffice/cash-boxes/{kiosk.code}/empty/", {"form_key": "d" * 32, "count_500": "1"})
    assert refused.status_code == 403
    assert not CashBoxEmptying.objects.exists()


def test_finance_records_an_emptying_once_and_sees_the_difference(kiosk, brand, finance):
    sell_cash(kiosk, create_line(brand), 2000, 1000)
    client = staff_session(finance)
    listing = client.get("/en/backoffice/cash-boxes/").content.decode()
    assert kiosk.name in listing and "€30.00" in listing
    page = client.get(f"/en/backoffice/cash-boxes/{kiosk.code}/")
    assert page.status_code == 200 and "Record the emptying" in page.content.decode()
    form = {"form_key": "e" * 32, **{f"count_{v}": "0" for v in (100, 200, 500, 1000, 5000)}, "count_2000": "1"}
    form["note"] = "bag 17"
    # A count that differs from what the audit expects is booked only once its difference is confirmed.
    asked = client.post(f"/en/backoffice/cash-boxes/{kiosk.code}/empty/", form)
    assert asked.status_code == 200 and not CashBoxEmptying.objects.exists()
    assert "Counted €20.00, expected €30.00, difference -€10.00: confirm to record it." in asked.content.decode()
    form["confirm"] = re.search(r'name="confirm" value="([^"]+)"', asked.content.decode())[1]
    done = client.post(f"/en/backoffice/cash-boxes/{kiosk.code}/empty/", form)
    assert done.status_code == 302
    again = client.post(f"/en/backoffice/cash-boxes/{kiosk.code}/empty/", form)
    assert again.status_code == 302 and again["Location"] == done["Location"]
    emptying = CashBoxEmptying.objects.get()
    assert (emptying.counted_amount, emptying.difference_amount, emptying.note) == (2000, -1000, "bag 17")
    result = client.get(done["Location"]).content.decode()
    assert "differs from what the audit expected by -€10.00" in result


@pytest.mark.parametrize("typed", ["x", "٣", "-1", "1.5", "²"])
def test_a_count_not_in_ascii_digits_is_refused_next_to_its_field(kiosk, brand, finance, typed):
    client = staff_session(finance)
    response = client.post(f"/en/backoffice/cash-boxes/{kiosk.code}/empty/", {"form_key": "f" * 32, "count_500": typed})
    assert response.status_code == 400
    assert "Type how many, with the digits 0 to 9." in response.content.decode()
    assert not CashBoxEmptying.objects.exists()


def test_a_customer_who_has_not_inserted_anything_yet_keeps_their_session(kiosk, brand, finance):
    line = create_line(brand)
    sell_cash(kiosk, line, 1000)
    with transaction.atomic():
        waiting = kiosks.open_cash_session(kiosk=kiosk, line=line, purpose=Purpose.TOPUP)
    emptying = empty(kiosk, {1000: 1}, finance)
    assert emptying.difference_amount == 0
    assert CashSession.objects.get(pk=waiting.pk).status == SessionStatus.OPEN
