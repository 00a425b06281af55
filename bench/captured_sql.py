"""A pgbench script made from the SQL real operations sent (recorded by `sql_trace.recording`), so that a
database ceiling always measures what the application sends today, statement for statement.

What varies from one operation to the next is sent varied, the rest as recorded:

* ids of rows the operation inserted (RETURNING) come back through `\\gset` and are used where the
  recording used them;
* strings an INSERT wrote into a unique column (numbers, keys, nonces) become random per
  transaction, the same value wherever the recording repeated it; unless another recorded operation
  wrote the same string (a till's idempotency scope);
* timestamps are sent relative to now();
* ids and strings the caller binds (the line sold to, its credit account) become the caller's pgbench
  expressions;
* what differs between operations of different client slots but not within one (a till's terminal,
  retailer, outlet, float) is picked per client from the recorded values;
* anything else that differs between operations is sent as first recorded, and listed in the notes.

Run in a process where Django is set up (the schema tells which columns are unique and what a foreign
key refers to). `run_pgbench` runs a script.
"""

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sql_trace import Event, Marker, Statement

INSERT = re.compile(r'\s*INSERT INTO "(\w+)" \(([^)]*)\) (?:VALUES|SELECT \* FROM UNNEST)')
TABLE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"(\w+)"|\bFROM\s+"(\w+)"', re.IGNORECASE)
COMPARED = re.compile(r'"(\w+)"\."(\w+)"\s*(?:=|<>|!=|>=|<=|<|>|IN\s*\()\s*(?:%s\s*,\s*)*$')
ASSIGNED = re.compile(r'"(\w+)"\s*=\s*$')
TOKEN_BITS = "random(0, 9223372036854775806)"
NOW_WITHIN = 5.0  # seconds: a timestamp this close to the operation's start is its now()

Context = tuple[str, str] | None  # (table, column) a placeholder is compared with or written to
Key = tuple[int, ...]  # where a value sits: event, parameter set, parameter, array element


@dataclass
class Capture:
    """One operation's events, and how its own values are to vary in pgbench."""

    events: list[Event]
    at: datetime  # when the operation started: timestamps are sent relative to now()
    slot: int = 0  # the client slot it stands for (`:bench_slot`)
    ids: dict[tuple[str, int], str] = field(default_factory=dict)  # (table, id) -> pgbench SQL expression
    strings: dict[str, str] = field(default_factory=dict)  # a recorded string -> pgbench SQL expression


@dataclass
class Script:
    text: str
    statements: int  # round trips, BEGIN and COMMIT included
    commits: int
    outline: str
    notes: list[str]


@dataclass(frozen=True)
class Schema:
    references: dict[tuple[str, str], str]  # (table, foreign key column) -> table it refers to
    unique: dict[str, set[str]]  # table -> columns under a unique constraint (alone or with others)
    lengths: dict[tuple[str, str], int]  # (table, column) -> max_length

    @classmethod
    def of_django(cls) -> "Schema":
        from django.apps import apps
        from django.db.models import UniqueConstraint

        references: dict[tuple[str, str], str] = {}
        unique: dict[str, set[str]] = {}
        lengths: dict[tuple[str, str], int] = {}
        for model in apps.get_models(include_auto_created=True):
            meta: Any = model._meta  # django-stubs types fields too narrowly for this walk
            table = meta.db_table
            columns = unique.setdefault(table, set())
            for f in meta.concrete_fields:
                if f.remote_field is not None:
                    references[(table, f.column)] = f.remote_field.model._meta.db_table
                if f.unique and not f.primary_key:
                    columns.add(f.column)
                if getattr(f, "max_length", None):
                    lengths[(table, f.column)] = f.max_length
            groups: list[Any] = [*meta.unique_together]
            groups += [c.fields for c in meta.constraints if isinstance(c, UniqueConstraint) and c.fields]
            for names in groups:
                columns.update(meta.get_field(name).column for name in names)
        return cls(references, unique, lengths)


def contexts(sql: str) -> list[Context]:
    """The (table, column) of each %s placeholder of a Django statement, where one can be told."""
    insert = INSERT.match(sql)
    columns = [name.strip().strip('"') for name in insert.group(2).split(",")] if insert else []
    values_from = insert.end() if insert else len(sql)
    updated = re.match(r'\s*UPDATE "(\w+)"', sql)
    found: list[Context] = []
    depth = item = i = 0
    quoted = False
    while i < len(sql):
        if sql.startswith("%%", i):
            i += 2
            continue
        if sql.startswith("%s", i):
            if insert and i >= values_from and depth >= 1 and item < len(columns):
                found.append((insert.group(1), columns[item]))
            else:
                found.append(_compared(sql[:i], updated.group(1) if updated else None))
            i += 2
            continue
        char = sql[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and i >= values_from:
            depth += (char == "(") - (char == ")")
            item = 0 if depth == 0 else item + (char == "," and depth == 1)
        i += 1
    return found


def _compared(before: str, updated: str | None) -> Context:
    if compared := COMPARED.search(before):
        return compared.group(1), compared.group(2)
    if updated and (assigned := ASSIGNED.search(before)):
        return updated, assigned.group(1)
    return None


def outline(events: list[Event]) -> str:
    return ", ".join(_describe(event) for event in events)


def _describe(event: Event) -> str:
    if isinstance(event, Marker):
        return event.sql
    found = TABLE.search(event.sql)
    return f"{event.sql.split(None, 1)[0].upper()} {(found.group(1) or found.group(2)) if found else '?'}"


def _template(event: Event) -> str:
    return event.sql if isinstance(event, Marker) else re.sub(r"\s+", " ", event.sql).strip()


def _param_sets(statement: Statement) -> list[Any]:
    if statement.params is None:
        return [[]]
    return list(statement.params) if statement.many else [statement.params]


class _Renderer:
    """Renders one capture's values as pgbench SQL; each value as ("expr", sql) or ("lit", sql)."""

    def __init__(self, capture: Capture, schema: Schema, literal: Any, shared: set[str]) -> None:
        self.capture, self.schema, self.literal, self.shared = capture, schema, literal, shared
        self.created: dict[tuple[str, Any], str] = {}
        self.tokens: dict[str, int] = {}
        self.token_lengths: dict[int, int] = {}
        self._find_unique_strings()

    def _find_unique_strings(self) -> None:
        """Strings an INSERT writes into a unique column, unless another operation wrote them too (a
        till's idempotency scope): new ones in every pgbench transaction."""
        for statement in self.capture.events:
            insert = INSERT.match(statement.sql) if isinstance(statement, Statement) else None
            if insert is None:
                continue
            table = insert.group(1)
            unique = self.schema.unique.get(table, set())
            for params in _param_sets(statement):  # type: ignore[arg-type]
                for context, value in zip(contexts(statement.sql), params, strict=False):
                    if context is None or context[0] != table or context[1] not in unique:
                        continue
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str) and item not in self.tokens and item not in self.shared:
                            number = self.tokens[item] = len(self.tokens)
                            limit = self.schema.lengths.get(context, 64)
                            self.token_lengths[number] = min(max(len(item), 12), limit)

    def statement(self, index: int, statement: Statement) -> dict[Key, tuple[str, str]]:
        rendered: dict[Key, tuple[str, str]] = {}
        for set_index, params in enumerate(_param_sets(statement)):
            places = contexts(statement.sql)
            for number, value in enumerate(params):
                context = places[number] if number < len(places) else None
                if isinstance(value, list):
                    for element, item in enumerate(value):
                        rendered[(index, set_index, number, element)] = self.value(item, context)
                else:
                    rendered[(index, set_index, number)] = self.value(value, context)
        if statement.rows is not None and len(statement.rows) == 1 and "id" in statement.columns:
            found = TABLE.search(statement.sql)
            table = found.group(1) if found else None
            if table:
                self.created[(table, statement.rows[0][statement.columns.index("id")])] = f":bench_r{index}_id"
        return rendered

    def value(self, value: Any, context: Context) -> tuple[str, str]:
        space = None
        if context is not None:
            space = context[0] if context[1] == "id" else self.schema.references.get(context)
        if space is not None and isinstance(value, int):
            if (space, value) in self.created:
                return "expr", self.created[(space, value)]
            if (space, value) in self.capture.ids:
                return "expr", self.capture.ids[(space, value)]
        if isinstance(value, str) and value in self.capture.strings:
            return "expr", self.capture.strings[value]
        if isinstance(value, str) and value in self.tokens:
            number = self.tokens[value]
            length = self.token_lengths[number]
            digest = f"md5(:bench_t{number}::text)"
            return "expr", f"left({digest}, {length})" if length <= 32 else f"rpad({digest}, {length}, '0')"
        if isinstance(value, datetime) and value.tzinfo is not None:
            offset = (value - self.capture.at).total_seconds()
            return "expr", "now()" if abs(offset) < NOW_WITHIN else f"(now() + interval '{round(offset)} seconds')"
        return "lit", self.literal(value)


def pgbench_script(captures: list[Capture], *, slots: int, preamble: list[str], literal: Any) -> Script:
    """One script for `slots` clients (`:bench_slot` = client_id % slots) from the recorded `captures`
    (ideally two or more per slot, so that per-slot and per-operation values can be told apart).
    `literal(value)` renders a value as the application's driver would."""
    schema = Schema.of_django()
    shapes = Counter(tuple(_template(event) for event in capture.events) for capture in captures)
    shape, _ = shapes.most_common(1)[0]
    notes = []
    if len(shapes) > 1:
        notes.append(f"operations sent {len(shapes)} different statement sequences; the script follows the commonest")
    chosen = [c for c in captures if tuple(_template(event) for event in c.events) == shape]
    seen = Counter(text for capture in chosen for text in set(_strings(capture)))
    shared = {text for text, n in seen.items() if n > 1}
    rendered, tokens = [], 0
    for capture in chosen:
        renderer = _Renderer(capture, schema, literal, shared)
        values: dict[Key, tuple[str, str]] = {}
        for index, event in enumerate(capture.events):
            if isinstance(event, Statement):
                values.update(renderer.statement(index, event))
        rendered.append((capture, values))
        tokens = max(tokens, len(renderer.tokens))
    merged, constants = _merge(rendered, slots)
    if constants:
        notes.append("sent as recorded though they vary per operation: " + ", ".join(sorted(constants)))
    events = chosen[0].events
    body = [_statement_text(index, event, merged) for index, event in enumerate(events)]
    everything = "\n".join(body)
    # A row an INSERT returned is read back (\gset) only when a later statement uses its id.
    body = [
        text + (f" \\gset bench_r{index}_" if f":bench_r{index}_" in everything else ";")
        for index, text in enumerate(body)
    ]
    head = [
        f"-- generated by bench/captured_sql.py from {len(chosen)} recorded operations",
        f"-- {outline(events)}",
        f"\\set bench_slot :client_id % {slots}",  # 0 for one client: the preamble may still pick by it
        *preamble,
        *[f"\\set bench_t{n} {TOKEN_BITS}" for n in range(tokens)],
    ]
    return Script(
        text="\n".join(head + body) + "\n",
        statements=len(events),
        commits=sum(1 for e in events if isinstance(e, Marker) and e.sql == "COMMIT"),
        outline=outline(events),
        notes=notes,
    )


def _strings(capture: Capture) -> list[str]:
    found = []
    for event in capture.events:
        if isinstance(event, Statement):
            for params in _param_sets(event):
                for value in params:
                    found += [item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)]
    return found


def _merge(rendered: list[tuple[Capture, dict[Key, tuple[str, str]]]], slots: int) -> tuple[dict[Key, str], set[str]]:
    """Per value position: the one rendering all captures agree on, a per-slot pick, or the first."""
    merged: dict[Key, str] = {}
    constants: set[str] = set()
    first_capture, first = rendered[0]
    for key, (kind, text) in first.items():
        seen = [(capture.slot, values.get(key, (kind, text))) for capture, values in rendered]
        if all(other == (kind, text) for _, other in seen):
            merged[key] = text
            continue
        by_slot: dict[int, set[tuple[str, str]]] = {}
        for slot, other in seen:
            by_slot.setdefault(slot, set()).add(other)
        per_slot = all(len(found) == 1 for found in by_slot.values()) and set(by_slot) == set(range(slots))
        if per_slot and all(next(iter(found))[0] == "lit" for found in by_slot.values()):
            picks = ", ".join(next(iter(by_slot[slot]))[1] for slot in range(slots))
            merged[key] = f"(ARRAY[{picks}])[:bench_slot + 1]"
        else:
            merged[key] = text
            constants.add(_where(first_capture, key))
    return merged, constants


def _where(capture: Capture, key: Key) -> str:
    statement = capture.events[key[0]]
    assert isinstance(statement, Statement)
    places = contexts(statement.sql)
    context = places[key[2]] if key[2] < len(places) else None
    return ".".join(context) if context else f"{_describe(statement)} parameter {key[2] + 1}"


def _statement_text(index: int, event: Event, merged: dict[Key, str]) -> str:
    if isinstance(event, Marker):
        return event.sql
    texts = []
    for set_index, params in enumerate(_param_sets(event)):
        pieces = re.split(r"(%%|%s)", _template(event))
        out, number = [], 0
        for piece in pieces:
            if piece == "%%":
                out.append("%")
            elif piece == "%s":
                value = params[number]
                if isinstance(value, list):
                    items = [merged[(index, set_index, number, e)] for e in range(len(value))]
                    out.append(f"ARRAY[{', '.join(items)}]" if items else "'{}'")
                else:
                    out.append(merged[(index, set_index, number)])
                number += 1
            else:
                out.append(piece)
        texts.append("".join(out))
    return ";\n".join(texts)


def vacuum_analyze(url: str) -> None:
    """VACUUM (ANALYZE) the whole database before a phase, as pgbench vacuums its own tables before a run:
    a benchmark's tables grow from nothing by a tenth every few seconds, so autovacuum would otherwise
    analyse them again and again during the phases (each time a core's worth of CPU for a fraction of a
    second, taken from the phase it falls in), which a database of a real size does far less often."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


@dataclass(frozen=True)
class Maintenance:
    """What the server did besides our statements, counted since it started; the difference of two
    readings (`after - before`) is what ran between them, with the database's size after."""

    autovacuums: int  # tables of ours autovacuum vacuumed or analysed
    checkpoints: int  # checkpoints finished
    checkpoint_buffers: int  # buffers checkpoints wrote
    full_pages: int  # full-page images in the WAL (a page's first change after a checkpoint began)
    blocks_read: int  # blocks read from outside the shared buffers
    backend_writes: int  # buffers backends had to write out themselves to make room
    database_mb: float

    def __sub__(self, before: "Maintenance") -> "Maintenance":
        counts = [getattr(self, f.name) - getattr(before, f.name) for f in fields(self) if f.name != "database_mb"]
        return Maintenance(*counts, database_mb=self.database_mb)

    def __str__(self) -> str:
        return (
            f"autovacuum {self.autovacuums} times; checkpoints {self.checkpoints} finished, {self.checkpoint_buffers}"
            f" buffers written, {self.full_pages} full-page images in the WAL; {self.blocks_read} blocks read from"
            f" outside the shared buffers, {self.backend_writes} written by backends;"
            f" database {self.database_mb:.0f} MB"
        )

    @classmethod
    def read(cls, url: str) -> "Maintenance":
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT (SELECT COALESCE(SUM(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables),"
                " w.checkpoints_timed + w.checkpoints_req, w.buffers_checkpoint,"
                " (SELECT wal_fpi FROM pg_stat_wal),"
                " (SELECT blks_read FROM pg_stat_database WHERE datname = current_database()),"
                " w.buffers_backend, pg_database_size(current_database())"
                " FROM pg_stat_bgwriter w"
            ).fetchone()
        assert row is not None
        *counts, size = (int(value) for value in row)
        return cls(*counts, database_mb=size / 2**20)


def run_pgbench(*, url: str, script: Path, clients: int, seconds: float) -> tuple[float, int]:
    """Run a script with the simple protocol (Django sends SQL so): transactions/s, and how many ran.
    A client that failed (a script that no longer matches the schema) stops the benchmark."""
    command = ["pgbench", "-n", "-M", "simple", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 2))]
    command += ["-T", str(max(1, round(seconds))), "-f", str(script), url]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    done = re.search(r"number of transactions actually processed: (\d+)", output)
    if tps is None or done is None or result.returncode != 0 or "aborted" in output:
        raise SystemExit(f"pgbench failed on {script}:\n{output[-3000:]}")
    return float(tps.group(1)), int(done.group(1))
