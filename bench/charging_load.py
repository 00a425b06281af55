"""The charging benchmark's data and load: a brand with out-of-bundle rates, a network client, lines
with credit (each client its own block of lines, and one hot line all clients share), and clients
that run data sessions over the Nchf API as the network does: create, updates, release, one request at
a time each, HMAC-signed."""

import contextlib
import gc
import http.client
import json
import multiprocessing
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from pos_data import setup_django

BASE = "/api/nchf-convergedcharging/v3/chargingdata"
DATA = 10  # rating group: data, in bytes
MB = 1024 * 1024
PRICE = 10  # cents per MB of data out of bundle
LINE_CREDIT = 10**7  # €100,000 a line: no session runs out in a run
HOT_CREDIT = 10**9


def load_data(*, clients: int, lines_per_client: int) -> dict[str, Any]:
    """Migrate and load the bench data in this process: `clients` blocks of consecutive lines, one hot
    line, their credit in one opening-balance journal, and a network client."""
    setup_django()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction

    from simrenew.brands.models import Brand
    from simrenew.charging import clients as network_clients
    from simrenew.charging.models import Rate, RatingGroup
    from simrenew.kit import clock
    from simrenew.kit.phone import luhn_check_digit
    from simrenew.ledger import service as ledger
    from simrenew.ledger.models import Account, AccountKind
    from simrenew.lines.models import Line

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        brand = Brand.objects.create(code="bench", name="Bench Mobile")
        start = clock.now() - timedelta(days=1)
        for group, price, per, rounding in [
            (RatingGroup.DATA, PRICE, MB, 1024),
            (RatingGroup.VOICE, 12, 60, 60),
            (RatingGroup.SMS, 9, 1, 1),
        ]:
            Rate.objects.create(
                brand=brand,
                rating_group=group,
                valid_from=start,
                price_amount=price,
                per_units=per,
                rounding_units=rounding,
            )
        count = clients * lines_per_client + 1
        rows = Line.objects.bulk_create(
            Line(
                msisdn=f"+32471{index:06d}",
                iccid=f"893298{index:012d}" + luhn_check_digit(f"893298{index:012d}"),
                brand=brand,
                activated_at=clock.now(),
            )
            for index in range(count)
        )
        # Credit accounts follow their lines one for one (the pgbench script relies on it).
        accounts = Account.objects.bulk_create(
            Account(code=line.credit_account_code, kind=AccountKind.LINE_CREDIT, guarded=True) for line in rows
        )
        hot = rows[-1]
        spread = rows[:-1]
        credit = [ledger.Entry(account, LINE_CREDIT) for account in accounts[:-1]]
        credit.append(ledger.Entry(accounts[-1], HOT_CREDIT))
        opening = ledger.account("platform:opening_balances", AccountKind.OPENING_BALANCE)
        credit.append(ledger.Entry(opening, -(LINE_CREDIT * len(spread) + HOT_CREDIT)))
        ledger.post_journal(key="bench:opening", kind="opening_balance", entries=credit, memo="bench credit")
        network, secret = network_clients.register_client(name="bench SMF")
    blocks = [spread[n * lines_per_client : (n + 1) * lines_per_client] for n in range(clients)]
    client = {"key_id": network.key_id, "secret": secret}
    return {
        "spread": [{**client, "numbers": [ln.msisdn for ln in b], "line_ids": [ln.pk for ln in b]} for b in blocks],
        "hot": [{**client, "numbers": [hot.msisdn], "line_ids": [hot.pk]} for _ in range(clients)],
        "hot_line": hot.pk,
    }


# --- Requests


def create_body(number: str) -> dict[str, Any]:
    return {
        "subscriberIdentifier": f"msisdn-{number[1:]}",
        "nfConsumerIdentification": {"nodeFunctionality": "SMF"},
        "invocationSequenceNumber": 0,
        "multipleUnitUsage": [{"ratingGroup": DATA, "requestedUnit": {"totalVolume": MB}}],
    }


def report_body(sequence: int, *, final: bool) -> dict[str, Any]:
    """A megabyte used since the last report and (unless final) one more asked for."""
    usage: dict[str, Any] = {"ratingGroup": DATA, "usedUnitContainer": [{"totalVolume": MB}]}
    if not final:
        usage["requestedUnit"] = {"totalVolume": MB}
    return {"invocationSequenceNumber": sequence, "multipleUnitUsage": [usage]}


def session_requests(number: str, updates: int) -> list[tuple[str, dict[str, Any]]]:
    """(path, body) of one session: create (the path gets the ref when answered), updates, release."""
    steps = [("", create_body(number))]
    steps += [("/update", report_body(n, final=False)) for n in range(1, updates + 1)]
    steps.append(("/release", report_body(updates + 1, final=True)))
    return steps


def signed(client: dict[str, Any], path: str, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    from simrenew.charging.auth import signed_headers

    data = json.dumps(body).encode()
    headers = signed_headers(key_id=client["key_id"], secret=client["secret"], method="POST", url=path, body=data)
    headers["Content-Type"] = "application/json"
    return data, headers


def expected_status(step: str) -> int:
    return {"": 201, "/update": 200, "/release": 204}[step]


def run_session(post: Any, client: dict[str, Any], number: str, updates: int, on_answer: Any) -> bool:
    """One session through `post(path, data, headers) -> response`; `on_answer(ok)` after each request
    (the latency is the caller's). False when a request was not answered as expected (the session
    stops there; what it holds returns when it expires)."""
    ref = ""
    for step, body in session_requests(number, updates):
        path = BASE if not step else f"{BASE}/{ref}{step}"
        data, headers = signed(client, path, body)
        if not step:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        response = post(path, data, headers)
        ok = response.status_code == expected_status(step)
        on_answer(ok)
        if not ok:
            return False
        if not step:
            ref = response.headers["Location"].rsplit("/", 1)[1]
    return True


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, of the decisions answered as expected
    # The same decisions' seconds from when the request was sent (the wait for an answer alone), and how
    # late it was sent (paced: after when it was due, its client still waiting for its last answer or for
    # a core to run on).
    from_send: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    errors: int = 0
    sessions: int = 0
    elapsed: float = 0.0  # seconds from the start until the last client finished its session

    @property
    def decisions(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        """Decisions answered as expected per second."""
        return self.decisions / self.elapsed if self.elapsed else 0.0


@dataclass
class Answered:
    status_code: int
    headers: Any


class Connection:
    """A keep-alive HTTP connection to gunicorn with http.client (less CPU a request than `requests`,
    and the load generator shares the two cores with the server); reconnects when the server closed
    it (a sync worker closes after each answer)."""

    def __init__(self, port: int) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, data: bytes, headers: dict[str, str]) -> Answered:
        try:
            self.http.request("POST", path, body=data, headers=headers)
            response = self.http.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self.http.close()
            return Answered(599, {})
        return Answered(response.status, response.headers)


def run_clients(*, port: int, clients: list[dict], seconds: float, updates: int, rate: float = 0.0) -> Outcome:
    """Each client runs sessions on its lines in turn, one request at a time, for `seconds`, in a process
    of its own (so that no client waits for another's turn on an interpreter, and the latencies are the
    server's, not the load generator's). With `rate` (decisions/s over all clients), each client sends
    on a fixed schedule instead of at once, and a decision's latency counts from when it was due (a
    late send is not hidden).

    The clients are forked from this process, which has Django loaded: so that they don't take the
    cores from the server while they are measured, this process's objects are frozen before the fork
    (a client's garbage collection would otherwise go through all of them, copying every page it
    touches), each client signs a request before the start, and none exits (its memory torn down)
    until all have finished."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(clients) + 1)
    finish = context.Barrier(len(clients))
    results = context.SimpleQueue()
    interval = len(clients) / rate if rate else 0.0
    processes = [
        context.Process(
            target=_client_process,
            args=(client, slot, len(clients), port, seconds, updates, interval, start, finish, results),
            daemon=True,
        )
        for slot, client in enumerate(clients)
    ]
    gc.collect()
    gc.freeze()
    try:
        for process in processes:
            process.start()
    finally:
        gc.unfreeze()
    start.wait()
    began = time.perf_counter()
    outcome = Outcome()
    for _ in processes:
        slot, latencies, from_send, late, errors, sessions, following = results.get()
        outcome.latencies.extend(latencies)
        outcome.from_send.extend(from_send)
        outcome.late.extend(late)
        outcome.errors += errors
        outcome.sessions += sessions
        clients[slot]["next"] = following  # each phase goes on where the last left off
    outcome.elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    return outcome


def _client_process(
    client: dict,
    slot: int,
    count: int,
    port: int,
    seconds: float,
    updates: int,
    interval: float,
    start: Any,
    finish: Any,
    results: Any,
) -> None:
    connection = Connection(port)
    signed(client, BASE, create_body(client["numbers"][0]))  # the code a request runs, paged in before the start
    latencies: list[float] = []
    from_send: list[float] = []
    late: list[float] = []
    errors = sessions = 0
    n = client.get("next", 0)
    start.wait()
    stop_at = time.perf_counter() + seconds
    due = time.perf_counter() + slot * interval / count
    began = sent = 0.0

    def post(path: str, data: bytes, headers: dict[str, str]) -> Answered:
        nonlocal due, began, sent
        now = time.perf_counter()
        if interval:
            if due > now:
                time.sleep(due - now)
            began = due
            due += interval
        else:
            began = now
        sent = time.perf_counter()
        return connection.post(path, data, headers)

    def on_answer(ok: bool) -> None:
        nonlocal errors
        if ok:
            answered = time.perf_counter()
            latencies.append(answered - began)
            from_send.append(answered - sent)
            late.append(max(0.0, sent - began))
        else:
            errors += 1

    try:
        while time.perf_counter() < stop_at:
            number = client["numbers"][n % len(client["numbers"])]
            n += 1
            run_session(post, client, number, updates, on_answer)
            sessions += 1
    except Exception:  # an answer the session could not go on from (a create without Location, …)
        errors += 1
        raise
    finally:
        # Always: the parent waits for every client.
        results.put((slot, latencies, from_send, late, errors, sessions, n))
        with contextlib.suppress(threading.BrokenBarrierError):  # exiting while others measure takes their cores
            finish.wait(timeout=seconds + 60)
