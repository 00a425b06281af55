"""Rating arithmetic: rounding, prices to the cent, the largest grant a balance covers."""

from simrenew.charging.rating import Price, Totals, cover, most_granted, round_up, settle


def test_round_up_to_the_step():
    assert [round_up(n, 60) for n in (0, 1, 59, 60, 61, 120)] == [0, 60, 60, 60, 120, 120]
    assert round_up(61, 1) == 61


def test_price_is_rounded_up_to_the_next_cent():
    per_minute = Price(12, 60, 60)
    assert per_minute.of(60) == 12
    assert per_minute.of(61) == 13  # 12.2 cents → 13
    assert Price(10, 1024 * 1024).of(1) == 1
    assert Price(10, 1024 * 1024).of(0) == 0


def test_cover_takes_the_allowance_first_then_prices_the_rest_after_rounding():
    per_minute = Price(12, 60, 60)
    # 61 s is 2 billable minutes: one from the 60 s of allowance left, one at 12 c
    found = cover(Totals(), 61, price=per_minute, allowance_left=60)
    assert (found.billable, found.allowance, found.amount) == (120, 60, 12)
    per_second = Price(12, 60, 1)
    found = cover(Totals(), 61, price=per_second, allowance_left=60)
    assert (found.billable, found.allowance, found.amount) == (61, 60, 1)  # 1 s at 0.2 c, rounded up to 1 c


def test_running_totals_never_charge_more_than_one_cent_of_rounding_per_session():
    price = Price(12, 60, 1)
    totals = Totals()
    charged = 0
    for _ in range(10):  # ten reports of 1 s each: 10 s cost 2 cents, not ten times 1 cent
        totals, found = settle(totals, 1, price=price, allowance_held=0)
        charged += found.amount
    assert charged == 2 == totals.charged_amount
    assert totals.billable == 10


def test_per_minute_rounding_is_on_the_session_total():
    price = Price(12, 60, 60)
    totals, first = settle(Totals(), 30, price=price, allowance_held=0)
    totals, second = settle(totals, 20, price=price, allowance_held=0)
    assert (first.amount, second.amount) == (12, 0)  # 50 s: one minute
    totals, third = settle(totals, 20, price=price, allowance_held=0)
    assert third.amount == 12 and totals.billable == 120  # 70 s: two minutes


def test_most_granted_is_the_largest_grant_the_money_covers():
    per_minute = Price(12, 60, 60)
    found = most_granted(Totals(), 600, price=per_minute, allowance_left=0, money_left=30)
    assert found.units == 120 and found.amount == 24  # two minutes; a third would cost 36
    found = most_granted(Totals(), 600, price=per_minute, allowance_left=90, money_left=12)
    # two billable minutes: 90 s from the allowance, the other 30 s at 12 c/min (6 c); a third minute
    # would take 90 s at the rate (18 c)
    assert (found.units, found.allowance, found.amount) == (120, 90, 6)
    assert most_granted(Totals(), 600, price=None, allowance_left=100, money_left=10**6).units == 100
    assert most_granted(Totals(), 600, price=per_minute, allowance_left=0, money_left=11).units == 0
