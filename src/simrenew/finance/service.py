"""The daily reconciliation (issue: provider settlements, floats, vouchers and cash boxes in one
report) and finance's decisions on what it finds.

`reconcile_day` reads first (the provider over HTTP, then our books), then records in one short
transaction under the day's run row lock: a second run of the same day waits and then replaces the
open differences, keeping the resolved ones with their decision. Call it outside a transaction.
"""

from dataclasses import asdict, dataclass
from datetime import date

from django.db import IntegrityError, transaction

from simrenew.audit import service as audit
from simrenew.customers.models import User
from simrenew.finance import matching, positions
from simrenew.finance.errors import AlreadyResolved, DecisionNoteMissing, DecisionNotValid, DifferenceNotFound
from simrenew.finance.matching import Found
from simrenew.finance.models import Difference, ReconciliationRun, Resolution, RunStatus
from simrenew.finance.statement import MollieStatements
from simrenew.kit import clock

NOTE_MAX = 1000


@dataclass(frozen=True)
class Summary:
    settlement_id: str
    settlement_reference: str
    settlement_amount: int | None
    payments_count: int
    payments_amount: int
    fees_amount: int
    refunds_count: int
    refunds_amount: int
    net_amount: int
    payments_matched: int
    refunds_matched: int
    retailers_checked: int
    brands_checked: int
    kiosks_checked: int


def reconcile_day(*, day: date, actor: User | None = None, source: MollieStatements | None = None) -> ReconciliationRun:
    """Reconcile `day`; ProviderUnreachable (nothing recorded but the error) when the provider fails."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("reconcile_day reads the provider over HTTP: call it outside a transaction")
    try:
        source = source or MollieStatements()
        statement = source.day(day)
        found_payments, payments_matched = matching.match_payments(statement)
        found_refunds, refunds_matched = matching.match_refunds(statement)
        found = found_payments + found_refunds + matching.match_our_side(day, statement, source)
    except Exception as exc:
        _record_failure(day=day, actor=actor, error=str(exc) or exc.__class__.__name__)
        raise
    float_differences, retailers = positions.floats(day)
    voucher_differences, brands = positions.voucher_liability(day)
    cash_differences, kiosks = positions.cash_boxes(day)
    found += float_differences + voucher_differences + cash_differences
    summary = Summary(
        settlement_id=statement.settlement_id,
        settlement_reference=statement.settlement_reference,
        settlement_amount=statement.settlement_amount,
        payments_count=len(statement.payments),
        payments_amount=sum(p.settled_amount for p in statement.payments.values()),
        fees_amount=sum(p.fee_amount for p in statement.payments.values()),
        refunds_count=len(statement.refunds),
        refunds_amount=sum(r.amount for r in statement.refunds.values()),
        net_amount=statement.net_amount,
        payments_matched=payments_matched,
        refunds_matched=refunds_matched,
        retailers_checked=retailers,
        brands_checked=brands,
        kiosks_checked=kiosks,
    )
    with transaction.atomic():
        run = _lock_run(day)
        _replace_differences(run, found)
        run.summary = asdict(summary)
        run.error = ""
        run.status = RunStatus.DIFFERENCES if run.differences.filter(resolution="").exists() else RunStatus.MATCHED
        _mark_run(run, actor)
    return run


def _lock_run(day: date) -> ReconciliationRun:
    now = clock.now()
    try:
        with transaction.atomic():
            ReconciliationRun.objects.get_or_create(
                day=day, defaults={"provider": matching.PROVIDER, "first_run_at": now, "last_run_at": now}
            )
    except IntegrityError:
        pass  # created by a concurrent run of the same day: lock it below
    return ReconciliationRun.objects.select_for_update().get(day=day)


def _mark_run(run: ReconciliationRun, actor: User | None) -> None:
    run.runs += 1
    run.last_run_at = clock.now()
    run.last_run_by = actor
    run.save()


def _record_failure(*, day: date, actor: User | None, error: str) -> None:
    with transaction.atomic():
        run = _lock_run(day)
        run.error = error[:500]
        run.status = RunStatus.FAILED
        _mark_run(run, actor)


def _replace_differences(run: ReconciliationRun, found: list[Found]) -> None:
    run.differences.filter(resolution="").delete()
    resolved = set(run.differences.values_list("cause", "reference"))
    now = clock.now()
    seen: set[tuple[str, str]] = set()
    rows = []
    for each in found:
        key = (str(each.cause), each.reference)
        if key in resolved or key in seen:
            continue  # decided already (the decision stands), or a second reason for the same thing
        seen.add(key)
        rows.append(
            Difference(
                run=run,
                cause=each.cause,
                reference=each.reference,
                reason=each.reason,
                expected_amount=each.expected_amount,
                found_amount=each.found_amount,
                facts=each.facts,
                found_at=now,
            )
        )
    Difference.objects.bulk_create(rows)


def resolve_difference(*, difference_id: int, resolution: str, note: str, actor: User) -> Difference:
    """Record finance's decision on an open difference. Caller owns the transaction. Raises
    DifferenceNotFound, AlreadyResolved, DecisionNotValid or DecisionNoteMissing, changing nothing."""
    if resolution not in Resolution.values:
        raise DecisionNotValid(field="resolution")
    note = note.strip()[:NOTE_MAX]
    if not note:
        raise DecisionNoteMissing(field="note")
    run_id = Difference.objects.filter(pk=difference_id).values_list("run_id", flat=True).first()
    if run_id is None:
        raise DifferenceNotFound()
    # Lock order as in reconcile_day: the run, then its differences.
    run = ReconciliationRun.objects.select_for_update().get(pk=run_id)
    difference = Difference.objects.select_for_update().filter(pk=difference_id).first()
    if difference is None:
        raise DifferenceNotFound()  # a re-run replaced it meanwhile
    if not difference.is_open:
        raise AlreadyResolved()
    difference.resolution = resolution
    difference.note = note
    difference.resolved_by = actor
    difference.resolved_at = clock.now()
    difference.save(update_fields=["resolution", "note", "resolved_by", "resolved_at"])
    if not run.differences.filter(resolution="").exists() and run.status == RunStatus.DIFFERENCES:
        run.status = RunStatus.MATCHED
        run.save(update_fields=["status"])
    audit.record(
        action="finance.difference_resolved",
        target=f"reconciliation:{run.day}",
        user=actor,
        details={
            "difference": difference.pk,
            "cause": difference.cause,
            "reference": difference.reference,
            "resolution": resolution,
        },
    )
    return difference
