"""Threads racing on one database, for the PostgreSQL race tests: each thread on its own connections
(closed when it is done), all released together by a barrier, every outcome collected.

SQLite serialises every writer, so it cannot show row-lock races: the tests that rely on those run
only with DATABASE_URL=postgres://….
"""

import threading
from collections.abc import Callable

from django.db import connections

from simrenew.kit.errors import DomainError

Outcome = tuple[str, object]


def race(count: int, work: Callable[[int], object]) -> list[Outcome]:
    """Run `work(0)` … `work(count - 1)` at once, one thread each, released together. Each outcome:
    ("ok", what work returned), (the refusal's class name, None) for a DomainError, or ("error",
    repr) for anything else, which fails the test that looks."""
    barrier = threading.Barrier(count)
    outcomes: list[Outcome] = []
    guard = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            result: Outcome = ("ok", work(index))
        except DomainError as error:
            result = (type(error).__name__, None)
        except Exception as error:  # anything else fails the test
            result = ("error", repr(error))
        finally:
            connections.close_all()  # this thread's connections only
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes
