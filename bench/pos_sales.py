"""POS sales throughput on PostgreSQL through gunicorn, against the database's own ceiling (pgbench).

    .venv/bin/python bench/pos_sales.py --terminals 16 --seconds 20

1. (Re)creates a scratch database (default `simrenew_bench`), migrates it and loads a brand, a top-up
   product, retailers with large floats, one POS terminal per simulated till and lines to sell to.
2. Starts gunicorn (the production server) on 127.0.0.1 and lets N terminal threads call
   `POST /api/pos/sales` (HMAC-signed, a fresh Idempotency-Key each) for the given time; prints
   sales/s and p50/p99 latency.
3. Runs pgbench with a custom script doing the same row locks, inserts and updates as one sale (line
   lock, order insert and updates, float and credit account locks and balance updates, journal and
   postings, receipt, retail sale, audit line, nonce and idempotency record) with the same number of
   clients, and prints its transactions/s and the ratio app / database.

A benchmark, not a test: it prints figures and never fails on a time. Sends traffic to 127.0.0.1 only.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def recreate_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load_data(*, terminals: int, retailers: int, lines_per_terminal: int) -> dict:
    """Migrate and load the bench data in this process; returns credentials and ids for the clients."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from simrenew.brands.models import Brand
    from simrenew.catalog.models import Product, ProductKind
    from simrenew.kit import clock
    from simrenew.kit.phone import luhn_check_digit
    from simrenew.ledger import service as ledger
    from simrenew.ledger.models import AccountKind
    from simrenew.lines.models import Line
    from simrenew.retail import service as retail
    from simrenew.retail.models import CommissionRate, Outlet, OutletTerminal, Retailer, RetailerKind
    from simrenew.terminals import service as terminal_service
    from simrenew.terminals.models import TerminalKind

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        brand = Brand.objects.create(code="bench", name="Bench Mobile")
        Product.objects.create(
            brand=brand, code="topup", kind=ProductKind.TOPUP, names={"en": "Top-up"}, topup_amounts=[1000, 2000]
        )
        shops = []
        for r in range(retailers):
            retailer = Retailer.objects.create(name=f"Bench retailer {r}", kind=RetailerKind.CHAIN)
            CommissionRate.objects.create(retailer=retailer, brand=brand, rate_bp=300)
            retail.top_up_float(retailer=retailer, amount=10**11, reference="bench")
            shops.append((retailer, Outlet.objects.create(retailer=retailer, name=f"Outlet {r}")))
        clients = []
        for t in range(terminals):
            retailer, outlet = shops[t % retailers]
            terminal, secret = terminal_service.register_terminal(kind=TerminalKind.POS, name=f"bench till {t}")
            OutletTerminal.objects.create(terminal=terminal, outlet=outlet)
            numbers = []
            for n in range(lines_per_terminal):
                index = t * lines_per_terminal + n
                payload = f"893299{index:012d}"
                line = Line.objects.create(
                    msisdn=f"+32470{index:06d}",
                    iccid=payload + luhn_check_digit(payload),
                    brand=brand,
                    activated_at=clock.now(),
                )
                ledger.account(line.credit_account_code, AccountKind.LINE_CREDIT)
                numbers.append(line.msisdn)
            clients.append({"key_id": terminal.key_id, "secret": secret, "numbers": numbers, "retailer": retailer.pk})
    from simrenew.ledger.models import Account
    from simrenew.lines.models import Line as LineModel

    ids = LineModel.objects.values_list("id", flat=True)
    return {
        "clients": clients,
        "line_min": min(ids),
        "line_max": max(ids),
        "float_ids": [Account.objects.get(code=r.float_account_code).pk for r, _ in shops],
        "commission_id": ledger.account("platform:commission_expense", AccountKind.COMMISSION_EXPENSE).pk,
        "terminal_ids": list(OutletTerminal.objects.values_list("terminal_id", flat=True)),
        "outlets": [(r.pk, o.pk) for r, o in shops],
        "brand_id": brand.pk,
        "product_id": Product.objects.get(brand=brand).pk,
    }


def gunicorn_command(*, port: int, workers: int, log_level: str = "warning") -> list[str]:
    """gunicorn serving simrenew on 127.0.0.1 as in production: `workers` processes of 4 threads."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "simrenew.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--no-control-socket",
        "--log-level",
        log_level,
    ]


def start_gunicorn(*, url: str, port: int, workers: int, var_dir: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SIMRENEW_VAR": var_dir,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    server = subprocess.Popen(gunicorn_command(port=port, workers=workers), env=env, cwd=ROOT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def run_clients(*, port: int, clients: list[dict], seconds: float) -> tuple[list[float], int, int]:
    from simrenew.terminals.signing import signed_headers

    latencies: list[float] = []
    errors = [0]
    guard = threading.Lock()
    stop_at = time.time() + seconds
    start = threading.Barrier(len(clients))

    def till(client: dict) -> None:
        session = requests.Session()
        mine: list[float] = []
        failed = 0
        start.wait()
        n = 0
        while time.time() < stop_at:
            number = client["numbers"][n % len(client["numbers"])]
            n += 1
            body = json.dumps({"number": number, "topup_amount": 1000}).encode()
            headers = signed_headers(
                key_id=client["key_id"], secret=client["secret"], method="POST", url="/api/pos/sales", body=body
            )
            headers.update({"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"})
            began = time.perf_counter()
            response = session.post(f"http://127.0.0.1:{port}/api/pos/sales", data=body, headers=headers, timeout=30)
            elapsed = time.perf_counter() - began
            if response.status_code == 201:
                mine.append(elapsed)
            else:
                failed += 1
        with guard:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=till, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], len(latencies)


PGBENCH_SCRIPT = r"""
\set line_id random(:line_min, :line_max)
\set slot random(0, :nfloats - 1)
\set terminal_slot random(1, :nterminals)
SELECT id AS credit_id FROM ledger_account WHERE code = 'line:' || :line_id || ':credit' \gset
SELECT (ARRAY[:float_ids])[:slot + 1] AS float_id,
  (ARRAY[:terminal_ids])[:terminal_slot] AS terminal_id \gset
INSERT INTO terminals_usednonce (terminal_id, nonce, created_at)
  VALUES (:terminal_id, md5(random()::text), now());
BEGIN;
INSERT INTO terminals_idempotentcall (terminal_id, key, request_hash, status_code, body_sealed, created_at)
  VALUES (:terminal_id, md5(random()::text), md5(random()::text), 201, '', now()) RETURNING id AS call_id \gset
SELECT id FROM lines_line WHERE id = :line_id FOR UPDATE;
{order_insert} RETURNING id AS order_id \gset
UPDATE orders_order SET status = 'paid', paid_at = now() WHERE id = :order_id;
SELECT id FROM ledger_journal WHERE key = 'order:' || :order_id || ':fulfil';
SELECT id, balance_amount FROM ledger_account WHERE id IN (:float_id, :credit_id) ORDER BY id FOR UPDATE;
INSERT INTO ledger_journal (key, kind, memo, created_at)
  VALUES ('order:' || :order_id || ':fulfil', 'topup_sale', '', now()) RETURNING id AS journal_id \gset
INSERT INTO ledger_posting (journal_id, account_id, amount, currency)
  VALUES (:journal_id, :float_id, -970, 'EUR'), (:journal_id, :commission_id, -30, 'EUR'),
  (:journal_id, :credit_id, 1000, 'EUR');
UPDATE ledger_account SET balance_amount = balance_amount - 970 WHERE id = :float_id;
UPDATE ledger_account SET balance_amount = balance_amount + 1000 WHERE id = :credit_id;
UPDATE lines_line SET credit_expires_at = now() + interval '365 days' WHERE id = :line_id;
UPDATE orders_order SET status = 'fulfilled', fulfilled_at = now() WHERE id = :order_id;
INSERT INTO orders_receipt (number, order_id, verification_code, issued_at)
  VALUES ('R-' || left(md5(random()::text), 12), :order_id, 'ABCDEFGH', now());
{sale_insert};
INSERT INTO audit_auditentry (terminal, actor, action, target, details, created_at)
  VALUES ('bench', 'terminal bench', 'retail.sale', 'line:' || :line_id, '{{}}', now());
UPDATE terminals_idempotentcall SET body_sealed = repeat('x', 1200) WHERE id = :call_id;
COMMIT;
"""


def insert_sql(conn: psycopg.Connection, table: str, known: dict[str, str]) -> str:
    """An INSERT giving `known` columns and a neutral value to every other NOT NULL column without a
    default (the schema grows; the script keeps doing what a sale does)."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s AND is_nullable = 'NO' "
        "AND column_default IS NULL AND is_identity = 'NO'",
        (table,),
    ).fetchall()
    neutral = {"boolean": "false", "jsonb": "'{}'", "json": "'{}'", "text": "''", "character varying": "''"}
    values = dict(known)
    for column, kind in rows:
        if column in values or column == "id":
            continue
        if "timestamp" in kind or kind == "date":
            values[column] = "now()"
        elif kind in ("integer", "bigint", "smallint", "numeric"):
            values[column] = "0"
        else:
            values[column] = neutral.get(kind, "''")
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(values.values())})"


def run_pgbench(*, url: str, data: dict, clients: int, seconds: int) -> tuple[float, float, str]:
    with psycopg.connect(url) as conn:
        order_insert = insert_sql(
            conn,
            "orders_order",
            {
                "number": "'SR-' || left(md5(random()::text), 12)",
                "line_id": ":line_id",
                "product_id": str(data["product_id"]),
                "kind": "'topup'",
                "channel": "'pos'",
                "method": "'retailer_float'",
                "list_amount": "1000",
                "discount_amount": "0",
                "fee_amount": "0",
                "total_amount": "1000",
                "vat_amount": "0",
                "currency": "'EUR'",
                "status": "'created'",
                "language": "'en'",
                "email": "''",
                "created_at": "now()",
            },
        )
        retailer_id, outlet_id = data["outlets"][0]
        sale_insert = insert_sql(
            conn,
            "retail_sale",
            {
                "number": "'PS-' || left(md5(random()::text), 12)",
                "retailer_id": str(retailer_id),
                "outlet_id": str(outlet_id),
                "terminal_id": ":terminal_id",
                "kind": "'topup'",
                "brand_id": str(data["brand_id"]),
                "order_id": ":order_id",
                "msisdn": "'+32470000000'",
                "amount": "1000",
                "commission_amount": "30",
                "currency": "'EUR'",
                "status": "'completed'",
                "created_at": "now()",
            },
        )
    script = PGBENCH_SCRIPT.format(order_insert=order_insert, sale_insert=sale_insert)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    variables = {
        "line_min": data["line_min"],
        "line_max": data["line_max"],
        "nfloats": len(data["float_ids"]),
        "float_ids": ",".join(map(str, data["float_ids"])),
        "commission_id": data["commission_id"],
        "terminal_ids": ",".join(map(str, data["terminal_ids"])),
        "nterminals": len(data["terminal_ids"]),
    }
    command = ["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 2)), "-T", str(seconds)]
    command += ["-f", handle.name, "-r"]
    for key, value in variables.items():
        command += ["-D", f"{key}={value}"]
    command.append(url)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    if tps is None:
        raise SystemExit("pgbench failed:\n" + output)
    return float(tps.group(1)), float(latency.group(1)) if latency else 0.0, output


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/simrenew_bench")
    parser.add_argument("--terminals", type=int, default=16, help="concurrent terminals (client threads)")
    parser.add_argument("--retailers", type=int, default=4, help="terminals are spread over this many floats")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 2), help="gunicorn workers (4 threads each)"
    )
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="simrenew-bench-")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["SIMRENEW_VAR"] = var_dir
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    print(f"machine: {os.cpu_count()} cores; database {args.database_url.rsplit('@', 1)[-1]}")
    recreate_database(args.database_url)
    data = load_data(terminals=args.terminals, retailers=args.retailers, lines_per_terminal=50)
    with psycopg.connect(args.database_url) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    print(
        f"PostgreSQL {server_version}; {args.terminals} terminals over {args.retailers} retailer floats; "
        f"gunicorn {args.workers} workers x 4 threads; {args.seconds} s per phase"
    )

    server = start_gunicorn(url=args.database_url, port=args.port, workers=args.workers, var_dir=var_dir)
    try:
        run_clients(port=args.port, clients=data["clients"], seconds=2)  # warm-up
        latencies, errors, count = run_clients(port=args.port, clients=data["clients"], seconds=args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    app_rate = count / args.seconds
    print(
        f"app (gunicorn → Django → PostgreSQL): {app_rate:.1f} sales/s, {errors} errors; "
        f"latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
    )

    tps, latency_ms, _output = run_pgbench(
        url=args.database_url, data=data, clients=args.terminals, seconds=args.seconds
    )
    print(f"database ceiling (pgbench, same writes as a sale): {tps:.1f} sales/s, latency average {latency_ms:.1f} ms")
    print(f"ratio app / database: {app_rate / tps:.2f}")


if __name__ == "__main__":
    main()
