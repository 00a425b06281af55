"""Rate limits that protect without blocking: budgets per actor (an account, a kiosk screen, a
terminal, a network address, a phone), never per target (the line being topped up).

    PER_VISIT = Rule("balance-sms:visit", limit=3, window=timedelta(hours=1),
                     refusal=_("Too many balance checks at this kiosk screen. Try again at %(until)s."))
    take(PER_VISIT.of(visit_id), PER_KIOSK.of(str(kiosk.pk)))   # Throttled if either is used up

`take` uses one unit of every budget given, or none: a refusal rolls back the others, so a limited
actor does not wear down the shared budgets (a kiosk's, an address's) for everyone else. Each
budget is one conditional INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL), so concurrent
requests never use more than the limit. The counters live in the caller's transaction: take in
the transaction whose work they pay for (an SMS sent on commit), or in a transaction of their own
when a refusal that follows must not undo the count (wrong PINs).
"""

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils.functional import Promise

from simrenew.kit import clock
from simrenew.kit.codes import keyed_hash
from simrenew.throttles.errors import Throttled
from simrenew.throttles.models import Counter

ACTOR_PURPOSE = "throttle"
# One statement, the same on SQLite (3.35+) and PostgreSQL: insert the budget's row, or count one more
# use in its window, or open a new window if the last one ended. The row lock it takes makes racing
# uses queue up, so none is lost and the limit holds.
USE_SQL = """
INSERT INTO "throttles_counter" ("rule", "actor", "used", "window_ends") VALUES (%s, %s, 1, %s)
ON CONFLICT ("rule", "actor") DO UPDATE SET
  "used" = CASE WHEN "throttles_counter"."window_ends" <= %s THEN 1 ELSE "throttles_counter"."used" + 1 END,
  "window_ends" = CASE WHEN "throttles_counter"."window_ends" <= %s THEN %s ELSE "throttles_counter"."window_ends" END
RETURNING "used"
"""


@dataclass(frozen=True)
class Rule:
    """At most `limit` uses per `window` for each actor. `refusal` names who is limited, with
    %(until)s for when they may try again."""

    name: str
    limit: int
    window: timedelta
    refusal: Promise | str = field(compare=False)

    def of(self, actor: str) -> "Budget":
        return Budget(self, actor)


@dataclass(frozen=True)
class Budget:
    """One rule applied to one actor, e.g. the wrong-PIN rule for kiosk screen 3fa…"""

    rule: Rule
    actor: str

    @property
    def actor_hash(self) -> str:
        return keyed_hash(self.actor, purpose=ACTOR_PURPOSE)


def take(*budgets: Budget) -> None:
    """Use one unit of each budget, or of none: Throttled for the first budget (in the order given)
    that is used up, saying until when."""
    now = clock.now()
    refusal: Throttled | None = None
    with transaction.atomic():
        # Rows always locked in one order: two requests that share budgets never wait in a cycle.
        used = {budget: _use(budget, now) for budget in sorted(set(budgets), key=_lock_order)}
        first = next((budget for budget in budgets if used[budget] > budget.rule.limit), None)
        if first is not None:
            refusal = Throttled(first.rule.refusal, rule=first.rule.name, until=_window_end(first))
            transaction.set_rollback(True)  # none of the budgets is used
    if refusal is not None:
        raise refusal


def network_of(address: str | None) -> str:
    """The actor for a client's network address: an IPv4 address itself, an IPv6 address's /64
    (what one subscriber or host gets, so hopping within it gains nothing); "" when there is none."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"ip:{ip.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"ip:{ip}"


def _lock_order(budget: Budget) -> tuple[str, str]:
    return budget.rule.name, budget.actor_hash


def give_back(*budgets: Budget) -> None:
    """Return one unit taken in the current window (e.g. the PIN turned out right)."""
    now = clock.now()
    for budget in budgets:
        Counter.objects.filter(rule=budget.rule.name, actor=budget.actor_hash, used__gt=0, window_ends__gt=now).update(
            used=F("used") - 1
        )


def remaining(budget: Budget) -> int:
    """Units left in the budget's current window (for tests and the back office)."""
    row = Counter.objects.filter(rule=budget.rule.name, actor=budget.actor_hash, window_ends__gt=clock.now()).first()
    return budget.rule.limit - (row.used if row else 0)


def prune(*, before: datetime | None = None) -> int:
    """Forget windows that ended before `before` (a day ago by default); safe to run any time."""
    cutoff = before or clock.now() - timedelta(days=1)
    deleted, _ = Counter.objects.filter(window_ends__lt=cutoff).delete()
    return deleted


def _use(budget: Budget, now: datetime) -> int:
    """Count one use in the budget's window (opening a new window if the last one ended) and return
    the units used; more than the limit means refused (the caller rolls the whole take back)."""
    adapt = connection.ops.adapt_datetimefield_value
    new_end = adapt(now + budget.rule.window)
    with connection.cursor() as cursor:
        cursor.execute(USE_SQL, [budget.rule.name, budget.actor_hash, new_end, adapt(now), adapt(now), new_end])
        row = cursor.fetchone()
    return int(row[0])


def _window_end(budget: Budget) -> datetime:
    return Counter.objects.values_list("window_ends", flat=True).get(rule=budget.rule.name, actor=budget.actor_hash)
