"""Rating arithmetic, free of the database: rounding of used units, the price of units at a rate,
and the most units a balance can grant. Amounts are integer cents; units are bytes, seconds or events.

Prices are charged on a session's running totals (per rate): the total billable units are rounded up
to the rate's step, and the total price to the next cent, so a session never pays more than one
cent of rounding on a rate however often the network reports.
"""

from dataclasses import dataclass

UNLIMITED = 10**15  # units a bundle without a limit can give (more than any request)


def round_up(units: int, step: int) -> int:
    """`units` rounded up to a multiple of `step` (per-minute billing: step 60)."""
    return -(-units // step) * step


@dataclass(frozen=True)
class Price:
    """`amount` cents per `per_units` units, used units rounded up to `step`."""

    amount: int
    per_units: int
    step: int = 1

    def of(self, units: int) -> int:
        """The cents `units` cost, rounded up to the next cent."""
        return -(-units * self.amount // self.per_units)


@dataclass(frozen=True)
class Totals:
    """A reservation's running totals on its rate (see Reservation)."""

    used: int = 0
    billable: int = 0
    charged_units: int = 0
    charged_amount: int = 0


@dataclass(frozen=True)
class Cover:
    """What `units` more used units take: billable units, from the allowance, and cents."""

    units: int
    billable: int
    allowance: int
    amount: int


def cover(totals: Totals, units: int, *, price: Price | None, allowance_left: int) -> Cover | None:
    """What using `units` more takes: billable units first from the allowance, the rest at `price`.
    None when the rest has no price (no rate) and so cannot be granted at all."""
    billable = round_up(totals.used + units, price.step if price else 1) - totals.billable
    from_allowance = min(billable, allowance_left)
    rest = billable - from_allowance
    if rest and price is None:
        return None
    amount = price.of(totals.charged_units + rest) - totals.charged_amount if price else 0
    return Cover(units, billable, from_allowance, amount)


def most_granted(totals: Totals, requested: int, *, price: Price | None, allowance_left: int, money_left: int) -> Cover:
    """The most units up to `requested` whose cover fits in `allowance_left` and `money_left`
    (the cover of 0 units when none fits). What a grant costs grows with its size, so a binary search
    finds the largest."""
    low, high = 0, requested
    best = Cover(0, 0, 0, 0)
    while low <= high:
        middle = (low + high) // 2
        found = cover(totals, middle, price=price, allowance_left=allowance_left)
        if found is not None and found.amount <= money_left:
            best, low = found, middle + 1
        else:
            high = middle - 1
    return best


def settle(totals: Totals, used: int, *, price: Price | None, allowance_held: int) -> tuple[Totals, Cover]:
    """Charge `used` units against a hold: from the allowance held first, the rest at `price`. The
    caller caps `used` at the units granted, so the cover fits in what was held."""
    found = cover(totals, used, price=price, allowance_left=allowance_held)
    if found is None:  # more used than the allowance held, and no price: charge the allowance only
        found = Cover(used, allowance_held, allowance_held, 0)
    after = Totals(
        used=totals.used + used,
        billable=totals.billable + found.billable,
        charged_units=totals.charged_units + found.billable - found.allowance,
        charged_amount=totals.charged_amount + found.amount,
    )
    return after, found
