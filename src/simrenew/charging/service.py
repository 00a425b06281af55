"""Charging sessions: open one with a first request, update it with units used and a new request,
release it with the final units used; sessions that stop reporting expire. Callers own the transaction.

Every decision on a line runs under the line's lock (lines.service.lock_line; the first lock taken,
after the request's own nonce row): what the line can still be granted is read, used units are
settled, new units are held, and the session's answer is stored, in one transaction. Units are
granted from the bundle's allowance, then bonus credit, then paid credit at the brand's
out-of-bundle rate (charging.rating).
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from simrenew.charging import notices, queries, sql
from simrenew.charging.errors import (
    CreateReused,
    SequenceOutOfOrder,
    SequenceReused,
    ServiceDenied,
    SessionNotFound,
    UserUnknown,
)
from simrenew.charging.models import (
    MB_BYTES,
    AllowanceCarry,
    ChargingSession,
    Invocation,
    Mode,
    NetworkClient,
    Rate,
    RatingGroup,
    Reservation,
    SessionStatus,
    Usage,
)
from simrenew.charging.rating import UNLIMITED, Price, Totals, most_granted, settle
from simrenew.kit import clock, rows
from simrenew.kit.money import vat_included
from simrenew.ledger import service as ledger
from simrenew.ledger.models import Account, AccountKind
from simrenew.lines import bonus
from simrenew.lines import service as lines
from simrenew.lines.models import BundlePeriod, Line, LineStatus
from simrenew.reference import cache as reference

# Units asked for when a request names a rating group without saying how much.
DEFAULT_REQUEST = {
    RatingGroup.DATA: 10 * MB_BYTES,
    RatingGroup.ROAMING_EU: 10 * MB_BYTES,
    RatingGroup.VOICE: 300,
    RatingGroup.SMS: 1,
}
# Which allowance of a bundle a rating group spends (roaming within fair use spends the data).
ALLOWANCE = {
    RatingGroup.DATA: "data",
    RatingGroup.ROAMING_EU: "data",
    RatingGroup.VOICE: "voice",
    RatingGroup.SMS: "sms",
}


def validity_seconds() -> int:
    """How long granted units are valid: the network reports again before then."""
    return int(getattr(settings, "CHARGING_VALIDITY_SECONDS", 600))


def hold_for() -> timedelta:
    """How long a session's holds count: the validity and a grace for a report on its way."""
    return timedelta(seconds=validity_seconds() + int(getattr(settings, "CHARGING_GRACE_SECONDS", 60)))


@dataclass(frozen=True)
class UnitUse:
    """One rating group of a request: units used since the last report, and units asked for now
    (None: none; on release nothing new is granted)."""

    rating_group: int
    used: int = 0
    requested: int | None = None


@dataclass(frozen=True)
class UnitGrant:
    rating_group: int
    result_code: str  # SUCCESS, QUOTA_LIMIT_REACHED, END_USER_SERVICE_DENIED, RATING_FAILED
    granted: int
    final: bool  # nothing more will be granted after these units (finalUnitIndication)
    credit_limited: bool = False  # final because the credit ran out (the customer is told how to top up)


@dataclass(frozen=True)
class Answer:
    """A decision (grants), or the stored answer to the same request sent again (`replay`)."""

    session: ChargingSession
    grants: list[UnitGrant] = field(default_factory=list)
    replay: Invocation | None = None


def new_ref() -> str:
    return f"CD{secrets.token_hex(12)}"


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("charging decisions must run inside the caller's transaction")


def start(
    *,
    client: NetworkClient,
    client_key: str,
    msisdn: str,
    sequence: int,
    request_hash: str,
    uses: list[UnitUse],
    at: datetime | None = None,
) -> Answer:
    """Open a session for the line of `msisdn` (E.164) with its first request (create); UserUnknown when
    no line has it. The same `client_key` again gets the stored answer (CreateReused if the request
    differs)."""
    _require_transaction()
    now = at or clock.now()
    locked = sql.lock_line_by_msisdn(msisdn)
    if locked is None:
        raise UserUnknown()
    existing = sql.session_by_key(client_id=client.pk, client_key=client_key)
    if existing is not None:
        stored = Invocation.objects.filter(session=existing, request_hash=request_hash).order_by("sequence").first()
        if stored is None or stored.sequence != sequence:
            raise CreateReused()
        return Answer(existing, replay=stored)
    if locked.status != LineStatus.ACTIVE:
        raise ServiceDenied()
    session = rows.insert(
        ChargingSession(
            ref=new_ref(),
            client=client,
            client_key=client_key,
            line=locked,
            sequence=sequence,
            created_at=now,
            updated_at=now,
            expires_at=now + hold_for(),
        )
    )
    # A session just created holds nothing yet: no reservations to read.
    return Answer(session, grants=_charge(session, locked, uses, sequence=sequence, final=False, now=now))


def report(
    *,
    client: NetworkClient,
    ref: str,
    sequence: int,
    request_hash: str,
    uses: list[UnitUse],
    final: bool,
    at: datetime | None = None,
) -> Answer:
    """Units used and (unless `final`, a release) units asked for, on an open session (update)."""
    _require_transaction()
    now = at or clock.now()
    line = sql.lock_line_of_session(client_id=client.pk, ref=ref)
    # The session and its reservations, read under the line's lock (so as the last decision left them).
    session, reservations = sql.session_with_reservations(ref) if line is not None else (None, [])
    if line is None or session is None:
        raise SessionNotFound()
    if sequence <= session.sequence:
        stored = Invocation.objects.filter(session=session, sequence=sequence).first()
        if stored is None:
            raise SequenceOutOfOrder(got=sequence, expected=session.sequence + 1)
        if stored.request_hash != request_hash:
            raise SequenceReused()
        return Answer(session, replay=stored)
    if session.status != SessionStatus.OPEN or session.expires_at <= now:
        raise SessionNotFound()
    if sequence != session.sequence + 1:
        raise SequenceOutOfOrder(got=sequence, expected=session.sequence + 1)
    grants = _charge(session, line, uses, sequence=sequence, final=final, now=now, reservations=reservations)
    session.sequence, session.updated_at = sequence, now
    session.status = SessionStatus.RELEASED if final else SessionStatus.OPEN
    session.expires_at = now if final else now + hold_for()
    sql.save_session(session)
    return Answer(session, grants=grants)


def remember(*, session: ChargingSession, sequence: int, request_hash: str, status_code: int, body: Any) -> None:
    """Keep the answer to a request, for the same request sent again."""
    rows.insert(
        Invocation(
            session=session,
            sequence=sequence,
            request_hash=request_hash,
            status_code=status_code,
            body=body,
            created_at=clock.now(),
        )
    )


def expire_sessions(*, at: datetime | None = None, limit: int = 1000) -> int:
    """Close open sessions that stopped reporting: what they held returns (nothing is charged for units
    never reported). Each under its line's lock; returns how many were closed."""
    now = at or clock.now()
    ids = list(
        ChargingSession.objects.filter(status=SessionStatus.OPEN, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", "line_id")[:limit]
    )
    closed = 0
    for session_id, line_id in ids:
        with transaction.atomic():
            lines.lock_line(line_id)
            session = ChargingSession.objects.filter(pk=session_id, status=SessionStatus.OPEN, expires_at__lte=now)
            if session.update(status=SessionStatus.EXPIRED, updated_at=now):
                Reservation.objects.filter(session_id=session_id).update(
                    granted_units=0, allowance_units=0, bonus_amount=0, credit_amount=0, expires_at=now
                )
                closed += 1
    return closed


# --- The decision, under the line's lock


@dataclass
class _Left:
    """What the line can still be granted in this decision: balances less what other sessions hold,
    less what this decision has used and held so far."""

    bonus: int
    credit: int
    # The line's accounts as read with the balances (None: not opened yet), to post to without a lookup.
    bonus_account: Account | None
    credit_account: Account | None
    bonus_balance: int
    credit_balance: int
    period: BundlePeriod | None
    carry: AllowanceCarry | None
    allowance: dict[str, int]
    rates: dict[int, Rate]
    roaming_home: int | None = None  # fair-use units left this month (None: not read yet)


@dataclass
class _Spent:
    bonus: int = 0
    credit: int = 0
    # Allowance used per bundle period (the one a hold was taken on): data bytes, call seconds, SMS.
    allowances: dict[int, dict[str, int]] = field(default_factory=dict)


def _charge(
    session: ChargingSession,
    line: Line,
    uses: list[UnitUse],
    *,
    sequence: int,
    final: bool,
    now: datetime,
    reservations: list[Reservation] | None = None,
) -> list[UnitGrant]:
    """`reservations`: the session's, as read with it (none for a session just created)."""
    left = _left(line, session, now)
    spent = _Spent()
    held = {r.rating_group: r for r in _reservations(session, line.brand_id, reservations or [])}
    grants: list[UnitGrant] = []
    used_up = False
    for use in uses:
        reservation = held.get(use.rating_group)
        if reservation is None:
            reservation = Reservation(session=session, line=line, rating_group=use.rating_group, expires_at=now)
            held[use.rating_group] = reservation
        _settle(reservation, use.used, left, spent, now)
        if final or use.requested is None:
            continue
        grant = _reserve(reservation, use.requested, left, line, now)
        used_up = used_up or grant.credit_limited
        grants.append(grant)
    if final:
        for reservation in held.values():
            _release(reservation)
    expires_at = now if final else now + hold_for()
    for reservation in held.values():
        reservation.expires_at = expires_at
        if reservation.pk is None:
            rows.insert(reservation)
        else:
            sql.save_reservation(reservation)
    _write(line, f"charging:{session.ref}:{sequence}", spent, left)
    if used_up:
        balance = left.bonus_balance + left.credit_balance - spent.bonus - spent.credit
        notices.used_up(line, balance_amount=max(0, balance))
    return grants


def _reservations(session: ChargingSession, brand_id: int, found: list[Reservation]) -> list[Reservation]:
    """The session's reservations, each given its session and its rate (from the brand's versions kept
    per process; a version not among them is read)."""
    if found:
        versions = {rate.pk: rate for rate in _rate_versions(brand_id)}
        session_field, rate_field = Reservation._meta.get_field("session"), Reservation._meta.get_field("rate")
        for reservation in found:
            session_field.set_cached_value(reservation, session)
            if reservation.rate_id is not None and reservation.rate_id in versions:
                rate_field.set_cached_value(reservation, versions[reservation.rate_id])
    return found


def _left(line: Line, session: ChargingSession, now: datetime) -> _Left:
    # The balances, the other sessions' holds, the current bundle and its carry: one statement.
    state = sql.line_state(line=line, session_id=session.pk, at=now)
    bonus_balance, credit_balance = state.bonus_balance, state.credit_balance
    holds, period, carry = state, state.period, state.carry
    allowance = {"data": 0, "voice": 0, "sms": 0}
    if period is not None:
        data_bytes = carry.data_bytes if carry else 0
        voice_seconds = carry.voice_seconds if carry else 0
        allowance = {
            "data": UNLIMITED if period.data_mb_left is None else period.data_mb_left * MB_BYTES - data_bytes,
            "voice": UNLIMITED if period.voice_minutes_left is None else period.voice_minutes_left * 60 - voice_seconds,
            "sms": UNLIMITED if period.sms_left is None else period.sms_left,
        }
        for kind, units in holds.allowance_of(period.pk).items():
            allowance[kind] = max(0, allowance[kind] - units)
    return _Left(
        bonus=max(0, bonus_balance - holds.held_bonus),
        credit=max(0, credit_balance - holds.held_credit),
        bonus_account=state.bonus_account,
        credit_account=state.credit_account,
        bonus_balance=bonus_balance,
        credit_balance=credit_balance,
        period=period,
        carry=carry,
        allowance=allowance,
        rates=_rates_in_force(line.brand_id, at=now),
    )


def _rates_in_force(brand_id: int, *, at: datetime) -> dict[int, Rate]:
    """The brand's rate per rating group at `at` (the latest version not starting after it), from its
    versions kept per process as reference data: saving a rate in the back office reloads them."""
    found: dict[int, Rate] = {}
    for rate in _rate_versions(brand_id):
        if rate.valid_from <= at:
            found.setdefault(rate.rating_group, rate)
    return found


def _rate_versions(brand_id: int) -> list[Rate]:
    """Every rate version of the brand, newest first per rating group, kept per process."""
    return reference.cached(
        f"charging-rates:{brand_id}",
        lambda: list(Rate.objects.filter(brand_id=brand_id).order_by("rating_group", "-valid_from", "-id")),
    )


def _price(rate: Rate | None) -> Price | None:
    return Price(rate.price_amount, rate.per_units, rate.rounding_units) if rate else None


def _totals(reservation: Reservation) -> Totals:
    return Totals(
        reservation.used_units, reservation.billable_units, reservation.charged_units, reservation.charged_amount
    )


def _settle(reservation: Reservation, used: int, left: _Left, spent: _Spent, now: datetime) -> None:
    """Charge what was used against the hold (never more than was granted), and let go of the hold."""
    used = max(0, min(used, reservation.granted_units))
    if used:
        totals, found = settle(
            _totals(reservation), used, price=_price(reservation.rate), allowance_held=reservation.allowance_units
        )
        reservation.used_units, reservation.billable_units = totals.used, totals.billable
        reservation.charged_units, reservation.charged_amount = totals.charged_units, totals.charged_amount
        # Bonus first, then paid credit; the hold covers the amount, and the balances are checked again
        # (money spent another way since, e.g. a bundle bought from credit, is not charged twice).
        from_bonus = min(found.amount, reservation.bonus_amount, left.bonus_balance - spent.bonus)
        from_credit = min(found.amount - from_bonus, left.credit_balance - spent.credit)
        spent.bonus += from_bonus
        spent.credit += from_credit
        # What this session used is gone from what the line has left (its hold was never taken off).
        left.bonus = max(0, left.bonus - from_bonus)
        left.credit = max(0, left.credit - from_credit)
        if found.allowance and left.period is not None and reservation.period_id == left.period.pk:
            kind = ALLOWANCE[RatingGroup(reservation.rating_group)]
            left.allowance[kind] = max(0, left.allowance[kind] - found.allowance)
        if found.allowance and reservation.period_id is not None:
            per_kind = spent.allowances.setdefault(reservation.period_id, {"data": 0, "voice": 0, "sms": 0})
            per_kind[ALLOWANCE[RatingGroup(reservation.rating_group)]] += found.allowance
        # Written at once: a roaming request later in this decision counts it against fair use.
        rows.insert(
            Usage(
                line_id=reservation.line_id,
                session_id=reservation.session_id,
                period_id=reservation.period_id or (left.period.pk if left.period else None),
                rating_group=reservation.rating_group,
                mode=reservation.mode,
                at=now,
                units=found.billable,
                allowance_units=found.allowance,
                bonus_amount=from_bonus,
                credit_amount=from_credit,
            )
        )
    # What was held and not used returns to what the line has left (this session's holds were never
    # taken off it: see sql.line_state).
    _release(reservation)


def _release(reservation: Reservation) -> None:
    reservation.granted_units = reservation.allowance_units = 0
    reservation.bonus_amount = reservation.credit_amount = 0


def _reserve(reservation: Reservation, requested: int, left: _Left, line: Line, now: datetime) -> UnitGrant:
    group = RatingGroup(reservation.rating_group)
    if line.status != LineStatus.ACTIVE:
        return UnitGrant(group, "END_USER_SERVICE_DENIED", 0, True)
    requested = requested or DEFAULT_REQUEST[group]
    rate, mode, limit = left.rates.get(group), Mode.HOME, requested
    if group == RatingGroup.ROAMING_EU:
        if rate is None:
            return UnitGrant(group, "RATING_FAILED", 0, True)  # the brand offers no roaming
        home_left = _roaming_home_left(rate, left, line, reservation.session, now)
        if home_left > 0:
            rate, limit = left.rates.get(RatingGroup.DATA), min(requested, home_left)
        else:
            mode = Mode.SURCHARGE
    if reservation.rate_id != (rate.pk if rate else None) or reservation.mode != mode:
        # A new rate (or roaming beyond fair use) starts new totals.
        reservation.rate, reservation.mode = rate, mode
        reservation.used_units = reservation.billable_units = 0
        reservation.charged_units = reservation.charged_amount = 0
    kind = ALLOWANCE[group]
    allowance_left = left.allowance[kind] if mode == Mode.HOME else 0
    found = most_granted(
        _totals(reservation),
        limit,
        price=_price(rate),
        allowance_left=allowance_left,
        money_left=left.bonus + left.credit,
    )
    from_bonus = min(found.amount, left.bonus)
    reservation.granted_units = found.units
    reservation.period = left.period if found.allowance else None
    reservation.allowance_units = found.allowance
    reservation.bonus_amount, reservation.credit_amount = from_bonus, found.amount - from_bonus
    left.allowance[kind] -= found.allowance if mode == Mode.HOME else 0
    left.bonus -= from_bonus
    left.credit -= found.amount - from_bonus
    if group == RatingGroup.ROAMING_EU and mode == Mode.HOME and left.roaming_home is not None:
        left.roaming_home -= found.units
    # Fewer units than asked: nothing is left after these (within fair use, the limit is the fair use
    # left, and roaming goes on beyond it at the surcharge).
    final = found.units < limit
    if rate is None and found.units == 0:
        return UnitGrant(group, "RATING_FAILED", 0, True)
    code = "SUCCESS" if found.units else "QUOTA_LIMIT_REACHED"
    return UnitGrant(group, code, found.units, final, credit_limited=final and rate is not None)


def _roaming_home_left(rate: Rate, left: _Left, line: Line, session: ChargingSession, now: datetime) -> int:
    """Roaming units left at home rates this month (fair use)."""
    if rate.fair_use_units is None:
        return UNLIMITED
    if left.roaming_home is None:
        used = queries.roaming_home_units(line=line, at=now, session=session)
        left.roaming_home = max(0, rate.fair_use_units - used)
    return left.roaming_home


def _write(line: Line, key: str, spent: _Spent, left: _Left) -> None:
    """What the decision used: the ledger (revenue and VAT at the moment of use), the bonus grants,
    the bundle's allowances, and the usage rows."""
    amount = spent.bonus + spent.credit
    if amount:
        vat = vat_included(amount)
        entries = [
            ledger.Entry(ledger.account(f"brand:{line.brand.code}:revenue", AccountKind.REVENUE), amount - vat),
            ledger.Entry(ledger.account("platform:vat_payable", AccountKind.VAT_PAYABLE), vat),
        ]
        if spent.bonus:
            entries.append(ledger.Entry(left.bonus_account or bonus.bonus_account(line), -spent.bonus))
        if spent.credit:
            credit = left.credit_account or ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT)
            entries.append(ledger.Entry(credit, -spent.credit))
        ledger.post_journal(
            key=key,
            kind="usage",
            entries=[entry for entry in entries if entry.amount],
            memo=f"usage of line {line.pk}",
        )
        if spent.bonus:
            bonus.consume(line=line, amount=spent.bonus)
    for period_id, used in spent.allowances.items():
        if left.period is not None and left.period.pk == period_id:
            _use_allowances(left.period, left.carry, used)
        else:  # held on a period that has ended since
            period = BundlePeriod.objects.get(pk=period_id)
            _use_allowances(period, AllowanceCarry.objects.filter(period=period).first(), used)


def _use_allowances(period: BundlePeriod, carry: AllowanceCarry | None, used: dict[str, int]) -> None:
    """Whole MB and minutes off the period; the part of the next one used is carried."""
    carry = carry or AllowanceCarry(period=period)
    data_mb, carry.data_bytes = divmod(carry.data_bytes + used["data"], MB_BYTES)
    minutes, carry.voice_seconds = divmod(carry.voice_seconds + used["voice"], 60)
    if period.data_mb_left is None:
        data_mb, carry.data_bytes = 0, 0
    if period.voice_minutes_left is None:
        minutes, carry.voice_seconds = 0, 0
    lines.use_allowances(period=period, data_mb=data_mb, voice_minutes=minutes, sms=used["sms"])
    carry.save()


def uses_of(items: Iterable[tuple[int, int, int | None]]) -> list[UnitUse]:
    """UnitUse from (rating group, used, requested) triples, one per rating group (later ones add up)."""
    merged: dict[int, UnitUse] = {}
    for group, used, requested in items:
        before = merged.get(group)
        if before is None:
            merged[group] = UnitUse(group, used, requested)
        else:
            merged[group] = UnitUse(group, before.used + used, requested if requested is not None else before.requested)
    return list(merged.values())
