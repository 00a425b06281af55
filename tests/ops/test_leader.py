"""Of several schedulers exactly one leads; when it dies another takes over within the lease."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from simrenew.renewals import leader

pytestmark = pytest.mark.django_db


def test_one_leader_at_a_time_and_the_leader_keeps_its_lease():
    assert leader.hold("node-a:11")
    assert not leader.hold("node-b:22")
    assert leader.hold("node-a:11")  # renewing
    assert not leader.hold("node-b:22")
    assert leader.current_leader() == "node-a:11"


def test_a_silent_leader_is_replaced_once_its_lease_runs_out(settings):
    settings.LEADER_LEASE_SECONDS = 10
    assert leader.hold("node-a:11")
    with time_machine.travel(timezone.now() + timedelta(seconds=9)):
        assert not leader.hold("node-b:22")
    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        assert leader.current_leader() == ""
        assert leader.hold("node-b:22")
        assert not leader.hold("node-a:11")  # the old leader, back from a pause, follows
        assert leader.current_leader() == "node-b:22"


def test_stepping_down_hands_over_at_once():
    assert leader.hold("node-a:11")
    leader.step_down("node-a:11")
    assert leader.current_leader() == ""
    assert leader.hold("node-b:22")


def test_a_follower_cannot_step_down_or_note_ticks_for_the_leader():
    assert leader.hold("node-a:11")
    leader.step_down("node-b:22")
    leader.note_tick("node-b:22")
    assert leader.current_leader() == "node-a:11"
    assert leader.last_tick() is None
    leader.note_tick("node-a:11")
    assert leader.last_tick() is not None
