"""A batch of the scheduler's work reads its lines' periods, bonus grants and ledger accounts once
(lines.service.periods_known, lines.bonus.grants_known, ledger.accounts_known): it must do exactly
what reading them line by line does, and read again what it changed itself."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account
from simrenew.lines import bonus, lifecycle
from simrenew.lines import service as lines
from simrenew.lines.models import BonusGrant, LineStatus, PeriodStatus
from simrenew.lines.queries import balances
from tests.factories import create_brand, create_bundle, create_line, post_bonus

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def brand():
    return create_brand(code="acme", credit_validity_days=365, grace_days=30)


def test_lapsed_lines_of_a_batch_forfeit_as_they_would_one_by_one_reading_accounts_and_grants_once(brand):
    # given three lines whose grace is over: one with bonus (and its grant), two with credit only
    with_bonus = create_line(brand, credit=700, credit_expires_at=T0)
    post_bonus(with_bonus, 200)
    with transaction.atomic():
        bonus.record_grant(line=with_bonus, amount=200, expires_at=T0 + timedelta(days=90), source_key="promo", at=T0)
    plain = [create_line(brand, credit=300 + n, credit_expires_at=T0) for n in range(2)]
    found = [with_bonus, *plain]
    with transaction.atomic():
        bonus.breakage_account(with_bonus)  # the brand's breakage account is open (as after its first lapse)
    # when the batch applies credit validity under one read of their accounts and grants
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = lines.lock_lines([line.pk for line in found])
        with lifecycle.ledger_known(locked):
            changes = {
                line.pk: lifecycle.apply_credit_validity(line=line, at=T0 + timedelta(days=31)) for line in locked
            }
    # then each went through grace into suspension with its own breakage, bonus first
    assert {pk: [(c.new, c.breakage_amount) for c in found] for pk, found in changes.items()} == {
        with_bonus.pk: [(LineStatus.GRACE, 0), (LineStatus.SUSPENDED, 900)],
        plain[0].pk: [(LineStatus.GRACE, 0), (LineStatus.SUSPENDED, 300)],
        plain[1].pk: [(LineStatus.GRACE, 0), (LineStatus.SUSPENDED, 301)],
    }
    assert all(balances(line).total_amount == 0 for line in found)
    assert BonusGrant.objects.get(source_key="promo").remaining_amount == 0
    assert ledger.verify() == []
    # and no account was looked up by its code, nor a line's grants written when it had none
    statements = [query["sql"] for query in queries.captured_queries]
    by_code = [sql for sql in statements if 'FROM "ledger_account" WHERE "ledger_account"."code" = ' in sql]
    assert by_code == [], "\n".join(by_code)
    grant_updates = [sql for sql in statements if sql.startswith('UPDATE "lines_bonusgrant"')]
    assert len(grant_updates) == 1, "\n".join(grant_updates)
    assert not Account.objects.filter(code=plain[0].bonus_account_code).exists()  # none opened to post nothing


def test_a_second_bundle_for_a_line_in_the_same_batch_queues_behind_the_first(brand):
    bundle = create_bundle(brand, price_amount=1500, validity_days=30)
    line = create_line(brand)
    with transaction.atomic():
        locked = lines.lock_lines([line.pk])
        with lines.periods_known([line.pk]):
            first = lines.add_bundle_period(line=locked[0], product=bundle, order_id=None, at=T0)
            second = lines.add_bundle_period(line=locked[0], product=bundle, order_id=None, at=T0)
    assert (first.status, first.starts_at) == (PeriodStatus.ACTIVE, T0)
    assert (second.status, second.starts_at) == (PeriodStatus.QUEUED, T0 + timedelta(days=30))


def test_a_grant_recorded_in_the_batch_is_seen_by_its_expiry(brand):
    line = create_line(brand)
    post_bonus(line, 500)
    with transaction.atomic():
        locked = lines.lock_lines([line.pk])[0]
        with bonus.grants_known([line.pk]):  # read before the grant exists: none
            bonus.record_grant(line=locked, amount=500, expires_at=T0, source_key="late", at=T0 - timedelta(days=5))
            assert bonus.expire_due(line=locked, at=T0 + timedelta(seconds=1)) == 500
    assert balances(line).bonus_amount == 0
