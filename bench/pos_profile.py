"""One process's CPU per POS top-up sale, and where it goes: N sales through Django's test client (the
whole Django stack, middleware and the POS API, without HTTP and gunicorn), on PostgreSQL.

    .venv/bin/python bench/pos_profile.py                        # 300 sales, CPU per sale, 3 rounds
    .venv/bin/python bench/pos_profile.py --profile 25           # and a cProfile, by own and by cumulative time
    .venv/bin/python bench/pos_profile.py --database-url postgres://postgres@127.0.0.1:5432/bench_pos

Creates a throwaway PostgreSQL cluster (or recreates the database --database-url names), loads the POS
benchmark's data (`pos_data`: one brand, 4 tills on 2 floats, their lines), warms each till with one
sale, then sells €10 top-ups to lines the process has not met (the ledger's per-process account cache
is emptied first, as for `bench/pos_sales.py`'s recorded sales): a shop's customers are new to a server
nearly every time. Prints `time.process_time` per sale (this process only: PostgreSQL runs elsewhere),
statements per sale (BEGIN and COMMIT aside), and the load average. Each round sells to other
lines. With --profile, one more round runs under cProfile (CPU timer) and the top functions are
printed sorted by own time and by cumulative time.

CPU per sale moves far less with the machine's other work than rates do; compare figures of one
sitting. A benchmark, not a test: it prints figures and never fails on a time.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from scratch_db import scratch_database  # noqa: E402 - bench/ is on the path when run

TILLS = 4


def _sales(client: Any, tills: list[dict[str, Any]], numbers: list[list[str]]) -> None:
    from pos_script import sell

    for round_numbers in zip(*numbers, strict=True):
        for till, number in zip(tills, round_numbers, strict=True):
            sell(client, till, number)


def _measure(client: Any, tills: list[dict[str, Any]], numbers: list[list[str]]) -> tuple[float, float]:
    """CPU seconds and statements per sale (BEGIN and COMMIT not counted) for one pass over `numbers`."""
    from django.db import connection

    from simrenew.ledger.service import clear_account_cache

    clear_account_cache()
    sales = sum(len(n) for n in numbers)
    count = [0]

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        started = time.process_time()
        _sales(client, tills, numbers)
        spent = time.process_time() - started
    return spent / sales, count[0] / sales


def run(args: argparse.Namespace, url: str, home: Path) -> None:
    var_dir = home / "var"
    (var_dir / "staticfiles").mkdir(parents=True)
    os.environ.update(DATABASE_URL=url, SIMRENEW_VAR=str(var_dir))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    per_till = -(-args.sales // TILLS)
    rounds = args.rounds + (1 if args.profile else 0)
    from pos_data import load_data

    data = load_data(terminals=TILLS, retailers=2, lines_per_terminal=per_till * rounds + 1)
    from django.test import Client

    tills = data["clients"]
    client = Client()
    for till in tills:  # what a running server has warm: the till, its outlet and float, the platform's accounts
        from pos_script import sell

        sell(client, till, till["numbers"][-1])

    def numbers(r: int) -> list[list[str]]:
        return [till["numbers"][r * per_till : (r + 1) * per_till] for till in tills]

    print(f"{per_till * TILLS} top-up sales a round, {TILLS} tills, lines new to the process")
    for r in range(args.rounds):
        load = os.getloadavg()[0]
        cpu, trips = _measure(client, tills, numbers(r))
        print(f"round {r + 1}: {cpu * 1000:.2f} ms CPU per sale, {trips:.1f} statements per sale (load {load:.1f})")
    if args.profile:
        from simrenew.ledger.service import clear_account_cache

        clear_account_cache()
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        _sales(client, tills, numbers(args.rounds))
        profiler.disable()
        stats = pstats.Stats(profiler)
        for key in ("tottime", "cumulative"):
            print(f"\n--- by {key}")
            stats.sort_stats(key).print_stats(args.profile)
        if args.dump:
            stats.dump_stats(args.dump)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", type=int, default=300, help="sales per round (spread over the tills)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="one more round under cProfile: top N")
    parser.add_argument("--dump", help="with --profile: also write the raw profile to this file (pstats)")
    parser.add_argument("--database-url", help="a scratch database on an existing server (dropped and created)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()
    with scratch_database("bench_pos_profile", url=args.database_url, keep=args.keep) as (url, home):
        try:
            run(args, url, home)
        finally:
            from django.db import connections

            connections.close_all()


if __name__ == "__main__":
    main()
