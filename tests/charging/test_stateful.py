"""A stateful property test of charging: random sessions opened, updated and released on lines with a
bundle, bonus and credit. Whatever the sequence: no balance or allowance goes below zero, what is held
never exceeds what a line has, nothing used beyond a grant is charged, a release keeps nothing held,
every cent and unit taken is accounted for in usage, and the ledger verifies.

Each example runs in a savepoint rolled back in `teardown` (inside pytest-django's test transaction).
"""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from simrenew.charging.models import MB_BYTES, AllowanceCarry, Reservation, Usage
from simrenew.kit import clock
from simrenew.ledger import service as ledger
from simrenew.lines.models import BundlePeriod
from simrenew.lines.queries import balances
from tests.charging.helpers import GROUPS, Session, create_rates, give_bundle, network_client
from tests.factories import create_brand, create_line, post_bonus

UNIT = {"data": MB_BYTES // 4, "roaming": MB_BYTES // 4, "voice": 20, "sms": 1}
NAMES = st.sampled_from(sorted(GROUPS))


class ChargingMachine(RuleBasedStateMachine):
    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        brand = create_brand()
        create_rates(brand, fair_use_mb=1)
        self.client = network_client()
        with_bundle = create_line(brand, credit=100)
        post_bonus(with_bundle, 30)
        self.period = give_bundle(with_bundle, data_mb=2, minutes=2, sms=2)
        self.lines = [with_bundle, create_line(brand, credit=50)]
        self.start_money = {with_bundle.pk: 130, self.lines[1].pk: 50}
        self.start_allowance = {"data": 2 * MB_BYTES, "voice": 120, "sms": 2}
        self.granted: dict[int, int] = {}  # id(session) → units granted and not reported yet

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @rule(target=sessions, line=st.integers(0, 1), name=NAMES, units=st.integers(0, 12))
    def start(self, line, name, units):
        session = Session(self.client, self.lines[line])
        session.key += f"-{len(self.granted)}"
        answer = session.start(**{name: units * UNIT[name]})
        session.name = name  # type: ignore[attr-defined]
        self.granted[id(session)] = self._check(answer, units * UNIT[name])
        return session

    @rule(session=sessions, used=st.integers(0, 14), units=st.integers(0, 12), over=st.booleans())
    def update(self, session, used, units, over):
        if session.ref == "" or self.granted.get(id(session)) is None:
            return
        name = session.name
        reported = self.granted[id(session)] + UNIT[name] if over else min(used * UNIT[name], self.granted[id(session)])
        answer = session.update({name: reported}, **{name: units * UNIT[name]})
        self.granted[id(session)] = self._check(answer, units * UNIT[name])

    @rule(session=sessions, used=st.integers(0, 14))
    def release(self, session, used):
        if self.granted.get(id(session)) is None:
            return
        session.release(**{session.name: used * UNIT[session.name]})
        self.granted[id(session)] = None  # type: ignore[assignment]
        # what was held and not used is no longer held
        held = Reservation.objects.filter(session__ref=session.ref).aggregate(
            units=Sum("granted_units"),
            money=Sum("bonus_amount") + Sum("credit_amount"),
            allowance=Sum("allowance_units"),
        )
        assert held == {"units": 0, "money": 0, "allowance": 0}

    def _check(self, answer, requested):
        grant = answer.grants[0]
        requested = (
            requested
            or {"data": 10 * MB_BYTES, "roaming": 10 * MB_BYTES, "voice": 300, "sms": 1}[
                {10: "data", 40: "roaming", 20: "voice", 30: "sms"}[grant.rating_group]
            ]
        )
        assert 0 <= grant.granted <= requested
        return grant.granted

    @invariant()
    def holds_never_exceed_what_each_line_has(self):
        now = clock.now()
        for line in self.lines:
            found = balances(line)
            held = Reservation.objects.filter(line=line, expires_at__gt=now).aggregate(
                bonus=Sum("bonus_amount"), credit=Sum("credit_amount")
            )
            assert found.bonus_amount >= (held["bonus"] or 0) >= 0
            assert found.credit_amount >= (held["credit"] or 0) >= 0
        period = BundlePeriod.objects.get(pk=self.period.pk)
        carry = AllowanceCarry.objects.filter(period=period).first()
        left = {
            "data": period.data_mb_left * MB_BYTES - (carry.data_bytes if carry else 0),
            "voice": period.voice_minutes_left * 60 - (carry.voice_seconds if carry else 0),
            "sms": period.sms_left,
        }
        for kind, groups in {"data": [10, 40], "voice": [20], "sms": [30]}.items():
            held = Reservation.objects.filter(period=period, rating_group__in=groups, expires_at__gt=now).aggregate(
                units=Sum("allowance_units")
            )["units"]
            assert left[kind] >= (held or 0) >= 0

    @invariant()
    def every_cent_and_unit_taken_is_usage_and_the_ledger_verifies(self):
        for line in self.lines:
            found = balances(line)
            charged = Usage.objects.filter(line=line).aggregate(money=Sum("bonus_amount") + Sum("credit_amount"))
            assert found.total_amount + (charged["money"] or 0) == self.start_money[line.pk]
        period = BundlePeriod.objects.get(pk=self.period.pk)
        carry = AllowanceCarry.objects.filter(period=period).first()
        for kind, groups, left in (
            ("data", [10, 40], period.data_mb_left * MB_BYTES - (carry.data_bytes if carry else 0)),
            ("voice", [20], period.voice_minutes_left * 60 - (carry.voice_seconds if carry else 0)),
            ("sms", [30], period.sms_left),
        ):
            used = Usage.objects.filter(period=period, rating_group__in=groups, mode="home").aggregate(
                units=Sum("allowance_units")
            )["units"]
            assert left + (used or 0) == self.start_allowance[kind]
        assert ledger.verify() == []


@pytest.mark.django_db
def test_charging_state_machine():
    run_state_machine_as_test(
        ChargingMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
