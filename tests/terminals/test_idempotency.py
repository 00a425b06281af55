"""The one exactly-once mechanism behind the terminal API and the money-taking pages: a key per
operation, stored with its answer; work in the key's transaction or claimed first."""

import gc
import itertools

import pytest
from django.db import transaction
from django.test import RequestFactory

from simrenew.kit.errors import DomainError
from simrenew.terminals import idempotency
from simrenew.terminals.errors import FormKeyMissing, FormKeyReused, IdempotencyKeyReused, StillInProgress
from simrenew.terminals.idempotency import PENDING, Answer, Done, form_fingerprint, once, submit_once
from simrenew.terminals.models import IdempotentCall, Terminal, TerminalKind

pytestmark = pytest.mark.django_db


_rows = itertools.count(1)


class Refused(DomainError):
    status = 409


class Work:
    """Counts its runs; each run also writes a row, to see what a rollback keeps."""

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.runs = 0
        self.fail_with = fail_with

    def __call__(self) -> tuple[str, Answer]:
        self.runs += 1
        Terminal.objects.create(key_id=f"T-WORK{next(_rows)}", kind=TerminalKind.POS, name="work", secret_sealed="x")
        if self.fail_with is not None:
            raise self.fail_with
        return f"result {self.runs}", Answer(201, f'{{"run": {self.runs}}}')


def run_once(work: Work, *, key: str = "k-1", fingerprint: str = "f", scope: str = "user:1", **extra):
    return once(scope=scope, key=key, fingerprint=fingerprint, run=work, **extra)


@pytest.mark.parametrize("claim_first", [False, True])
def test_the_work_runs_once_and_a_replay_gets_the_first_answer(claim_first):
    work = Work()
    first = run_once(work, claim_first=claim_first)
    again = run_once(work, claim_first=claim_first)
    assert (first.result, first.replayed) == ("result 1", False)
    assert (again.result, again.replayed) == (None, True)
    assert again.answer == first.answer == Answer(201, '{"run": 1}')
    assert work.runs == 1 and Terminal.objects.count() == 1


@pytest.mark.parametrize("claim_first", [False, True])
def test_the_same_key_with_another_request_is_refused_and_runs_nothing(claim_first):
    work = Work()
    run_once(work, claim_first=claim_first)
    with pytest.raises(IdempotencyKeyReused):
        run_once(work, fingerprint="other", claim_first=claim_first)
    with pytest.raises(FormKeyReused):
        run_once(work, fingerprint="other", refused=FormKeyReused, claim_first=claim_first)
    assert work.runs == 1 and IdempotentCall.objects.count() == 1


def test_keys_belong_to_their_scope():
    work = Work()
    run_once(work, scope="user:1")
    other = run_once(work, scope="user:2")
    assert not other.replayed and work.runs == 2


@pytest.mark.parametrize("claim_first", [False, True])
def test_a_refusal_leaves_the_key_free_for_a_retry(claim_first):
    refused = Work(fail_with=Refused())
    with pytest.raises(Refused):
        run_once(refused, claim_first=claim_first)
    assert not IdempotentCall.objects.exists()
    # In the key's transaction, the work's own writes are rolled back with it.
    assert Terminal.objects.count() == (1 if claim_first else 0)
    retried = run_once(Work())
    assert not retried.replayed and retried.answer == Answer(201, '{"run": 1}')


def test_in_the_keys_transaction_a_crash_rolls_everything_back():
    with pytest.raises(RuntimeError):
        run_once(Work(fail_with=RuntimeError("bug")))
    assert not IdempotentCall.objects.exists() and not Terminal.objects.exists()


def test_in_the_keys_transaction_the_work_runs_with_the_garbage_collector_held_off():
    """The work holds row locks until the commit: a collection there would hold up whoever waits."""
    seen = []

    def work():
        seen.append(gc.isenabled())
        return "done", Answer(201, "{}")

    assert gc.isenabled()
    run_once(work)
    assert seen == [False] and gc.isenabled()


def test_claimed_first_the_key_is_taken_before_the_work_runs():
    seen: list[tuple[int, int]] = []

    def work() -> tuple[None, Answer]:
        seen.append(tuple(IdempotentCall.objects.values_list("status_code", flat=True)))  # type: ignore[arg-type]
        return None, Answer(302, "/receipt/1/")

    run_once(work, claim_first=True)  # type: ignore[arg-type]
    assert seen == [(PENDING,)]
    assert IdempotentCall.objects.get().status_code == 302


def test_claimed_first_work_that_crashed_is_never_run_again_under_its_key(monkeypatch):
    # The money may have been taken before the crash: the key stays pending, replays are told to wait.
    monkeypatch.setattr(idempotency, "CLAIM_WAIT_SECONDS", 0)
    crashed = Work(fail_with=RuntimeError("connection lost after the charge"))
    with pytest.raises(RuntimeError):
        run_once(crashed, claim_first=True)
    work = Work()
    with pytest.raises(StillInProgress):
        run_once(work, claim_first=True)
    assert work.runs == 0
    assert IdempotentCall.objects.get().status_code == PENDING


def test_claimed_first_work_must_not_run_inside_a_transaction():
    work = Work()
    with pytest.raises(RuntimeError), transaction.atomic():
        run_once(work, claim_first=True)
    assert work.runs == 0


def test_answers_are_stored_sealed():
    run_once(Work())
    assert '"run"' not in IdempotentCall.objects.get().body_sealed


# --- Forms ---------------------------------------------------------------------------------------


def form_post(path: str = "/en/pos/sell/confirm/", **data: str):
    return RequestFactory().post(path, data)


def test_a_forms_fingerprint_is_its_page_and_fields_not_its_key_or_csrf_token():
    fields = {"choice": "topup:2000", "number": "32470123456"}
    reference = form_fingerprint(form_post(**fields, form_key="a" * 32, csrfmiddlewaretoken="x"))
    assert form_fingerprint(form_post(**fields, form_key="b" * 32, csrfmiddlewaretoken="y")) == reference
    assert form_fingerprint(form_post(**{**fields, "choice": "topup:1000"})) != reference
    assert form_fingerprint(form_post(**fields, confirm="1")) != reference
    assert form_fingerprint(form_post("/en/pos/other/", **fields)) != reference


@pytest.mark.parametrize("key", [None, "", "not-a-key", "A" * 32, "a" * 31])
def test_a_form_without_a_well_formed_key_is_refused_and_runs_nothing(key):
    work = Work()
    request = form_post(choice="topup:2000", **({"form_key": key} if key is not None else {}))
    with pytest.raises(FormKeyMissing):
        submit_once(request, scope="user:1", run=lambda: Done(url=f"/receipt/{work()[0]}/"))
    assert work.runs == 0 and not IdempotentCall.objects.exists()


def test_a_form_sent_twice_redirects_both_times_to_the_first_result():
    work = Work()
    key = idempotency.new_form_key()

    def sell() -> Done:
        result, _answer = work()
        return Done(url=f"/receipt/{result.split()[-1]}/")

    first = submit_once(form_post(choice="topup:2000", form_key=key), scope="user:1", run=sell)
    again = submit_once(form_post(choice="topup:2000", form_key=key), scope="user:1", run=sell)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == "/receipt/1/"
    assert work.runs == 1
