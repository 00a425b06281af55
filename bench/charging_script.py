"""The pgbench script of a charging phase, made from real sessions: each client slot runs whole data
sessions in process (Django's test client on the bench database, as gunicorn would run them), the SQL
of every decision of a session is recorded as one operation, and `captured_sql` turns it into a script
whose transaction is a whole session (create, updates, release) of client n on one of its lines. The
ceiling then measures exactly the statements the decisions send today.

Run in the benchmark's process once Django is set up on the bench database.
"""

from datetime import UTC, datetime
from typing import Any

from captured_sql import Capture, Script, pgbench_script
from charging_load import run_session
from pos_script import _line_bindings, line_choice
from sql_trace import recording

RECORDED_PER_SLOT = 2  # two sessions per slot tell what belongs to the slot from what belongs to the session


def _session(client: Any, network: dict[str, Any], number: str, updates: int) -> None:
    def post(path: str, data: bytes, headers: dict[str, str]) -> Any:
        return client.post(path, data=data, content_type="application/json", headers=headers)

    def on_answer(ok: bool) -> None:
        if not ok:
            raise SystemExit(f"a recorded charging session on {number} was refused")

    run_session(post, network, number, updates, on_answer)


def record(slots: list[dict[str, Any]], updates: int) -> list[Capture]:
    """Two recorded sessions per slot, after one that warms what a running server has warm (the network
    client, the brand's accounts)."""
    from django.db import connection
    from django.test import Client

    from simrenew.ledger.service import clear_account_cache
    from simrenew.lines.models import Line

    clear_account_cache()
    client = Client()
    bind = _line_bindings(sorted({line_id for slot in slots for line_id in slot["line_ids"]}))
    captures = []
    for number, slot in enumerate(slots):
        _session(client, slot, slot["numbers"][-1], updates)
        for n in range(RECORDED_PER_SLOT):
            msisdn = slot["numbers"][n % len(slot["numbers"])]
            at = datetime.now(UTC)
            with recording(connection) as events:
                _session(client, slot, msisdn, updates)
            line = Line.objects.get(msisdn=msisdn)
            ids, strings = bind(line)
            strings[line.bonus_account_code] = "('line:' || :bench_line || ':bonus')"
            strings[f"usage of line {line.pk}"] = "('usage of line ' || :bench_line)"
            captures.append(Capture(events=events, at=at, slot=number, ids=ids, strings=strings))
    return captures


def phase_script(slots: list[dict[str, Any]], captures: list[Capture]) -> Script:
    from django.db import connection

    return pgbench_script(
        captures,
        slots=len(slots),
        preamble=[line_choice(slots)],
        literal=lambda value: connection.ops.compose_sql("%s", [value]),  # type: ignore[attr-defined]
    )
