"""The back office's ledger accounts show every account's balance as money: a platform account's is the
sum of its postings (it keeps none of its own), a guarded one's the same as its kept balance."""

import re

import pytest
from django.db import transaction
from django.utils import translation

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind

pytestmark = pytest.mark.django_db


def test_the_accounts_list_shows_balances_as_money(admin_client):
    credit = ledger.account("line:1:credit", AccountKind.LINE_CREDIT)
    revenue = ledger.account("brand:acme:revenue", AccountKind.REVENUE)
    opening = ledger.account("platform:opening", AccountKind.OPENING_BALANCE)
    with transaction.atomic():
        ledger.post_journal(key="t1", kind="test", entries=[ledger.Entry(opening, -2500), ledger.Entry(credit, 2500)])
        ledger.post_journal(key="t2", kind="test", entries=[ledger.Entry(credit, -1000), ledger.Entry(revenue, 1000)])
    assert Account.objects.get(pk=revenue.pk).balance_amount == 0  # a platform account keeps none

    with translation.override("nl"):
        page = admin_client.get("/nl/admin/ledger/account/").content.decode()
    rows = dict(re.findall(r'<a href="[^"]+">([^<]+)</a></th>.*?<td class="field-balance">([^<]+)</td>', page, re.S))
    assert rows["brand:acme:revenue"] == "€\xa010,00"
    assert rows["line:1:credit"] == "€\xa015,00"
    assert rows["platform:opening"] == "€\xa0-25,00"
    assert ">omzet</td>" in page  # the kind, translated
