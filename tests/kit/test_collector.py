"""The garbage collector held off for a block: off inside, back on after (an error too), and left off
when it was off already."""

import gc

import pytest

from simrenew.kit.collector import collector_held_off


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_off_inside_the_block_and_on_after_it():
    with collector_held_off():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_an_error_inside():
    with pytest.raises(ZeroDivisionError), collector_held_off():
        1 / 0  # noqa: B018 - the error is the point
    assert gc.isenabled()


def test_a_collector_found_off_is_left_off():
    gc.disable()
    with collector_held_off():
        assert not gc.isenabled()
    assert not gc.isenabled()
