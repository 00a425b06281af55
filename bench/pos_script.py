"""The pgbench script of a POS phase, made from real sales: each till of the phase sells in process
(Django's test client on the bench database, as gunicorn would run it), the SQL of its sales is
recorded, and `captured_sql` turns it into a script whose client n acts as till n (its terminal,
outlet and float; one of its lines at random). The database's ceiling then always measures the
statements a sale sends today.

Run in the benchmark's process once Django is set up on the bench database.
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from captured_sql import Capture, Script, pgbench_script
from sql_trace import recording

RECORDED_PER_TILL = 2  # two sales per till tell what belongs to the till from what belongs to the sale


def sell(client: Any, till: dict[str, Any], number: str) -> Any:
    """One €10 top-up through the POS API, signed as the till signs it."""
    from simrenew.terminals.signing import signed_headers

    body = json.dumps({"number": number, "topup_amount": 1000}).encode()
    headers = signed_headers(
        key_id=till["key_id"], secret=till["secret"], method="POST", url="/api/pos/sales", body=body
    )
    headers["Idempotency-Key"] = uuid.uuid4().hex
    response = client.post("/api/pos/sales", data=body, content_type="application/json", headers=headers)
    if response.status_code != 201:
        raise SystemExit(f"a recorded sale failed: {response.status_code} {response.content[:300]!r}")
    return response


def record(tills: list[dict[str, Any]]) -> list[Capture]:
    """Two recorded sales per till, after one that warms what a running server has warm (the till, its
    float, the platform's accounts). The recorded sales go to lines this process has not met, as a
    till's customers are to a server: their accounts are not in its cache."""
    from django.db import connection
    from django.test import Client

    from simrenew.ledger.service import clear_account_cache
    from simrenew.lines.models import Line

    clear_account_cache()
    client = Client()
    bindings = _line_bindings([line_id for till in tills for line_id in till["line_ids"]])
    captures = []
    for slot, till in enumerate(tills):
        sell(client, till, till["numbers"][-1])
        for n in range(RECORDED_PER_TILL):
            at = datetime.now(UTC)
            with recording(connection) as events:
                sell(client, till, till["numbers"][n])
            line = Line.objects.get(msisdn=till["numbers"][n])
            ids, strings = bindings(line)
            captures.append(Capture(events=events, at=at, slot=slot, ids=ids, strings=strings))
    return captures


def _line_bindings(line_ids: list[int]) -> Any:
    """How a sale's line and its credit account vary in pgbench: `:bench_line`, and the account id and
    number that go with it, both at a fixed distance from the line's id in the bench data (checked)."""
    from simrenew.ledger.models import Account
    from simrenew.lines.models import Line

    lines = list(Line.objects.filter(pk__in=line_ids))
    accounts = dict(
        Account.objects.filter(code__in=[line.credit_account_code for line in lines]).values_list("code", "id")
    )
    account_offsets = {accounts[line.credit_account_code] - line.pk for line in lines}
    number_offsets = {(line.msisdn[:-6], line.pk - int(line.msisdn[-6:])) for line in lines}
    if len(account_offsets) != 1 or len(number_offsets) != 1:
        raise SystemExit("bench data: line ids, numbers and credit accounts are not in step; cannot vary them")
    (account_offset,), ((prefix, number_offset),) = account_offsets, number_offsets

    def bindings(line: Any) -> tuple[dict[tuple[str, int], str], dict[str, str]]:
        ids = {
            (Line._meta.db_table, line.pk): ":bench_line",
            (Account._meta.db_table, accounts[line.credit_account_code]): f"(:bench_line + {account_offset})",
        }
        number = f"('{prefix}' || lpad((:bench_line - {number_offset})::text, 6, '0'))"
        before, after = line.credit_account_code.split(str(line.pk), 1)
        code = f"('{before}' || :bench_line || '{after}')"
        return ids, {line.msisdn: number, line.credit_account_code: code}

    return bindings


def line_choice(tills: list[dict[str, Any]]) -> str:
    """`\\set bench_line`: a random line of the client's own till (each till's lines are consecutive)."""
    branches = []
    for slot, till in enumerate(tills):
        low, high = min(till["line_ids"]), max(till["line_ids"])
        if sorted(till["line_ids"]) != list(range(low, high + 1)):
            raise SystemExit("bench data: a till's lines are not consecutive")
        branches.append(f"WHEN :bench_slot = {slot} THEN random({low}, {high})")
    return f"\\set bench_line CASE {' '.join(branches)} ELSE 0 END"


def phase_script(tills: list[dict[str, Any]], captures: list[Capture]) -> Script:
    from django.db import connection

    return pgbench_script(
        captures,
        slots=len(tills),
        preamble=[line_choice(tills)],
        literal=lambda value: connection.ops.compose_sql("%s", [value]),  # type: ignore[attr-defined]
    )
