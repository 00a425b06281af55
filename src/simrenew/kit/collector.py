"""Python's cyclic garbage collector held off while a transaction holds row locks.

A collection stops the whole process for as long as it takes: a full one took 20-50 ms in a web worker
in the charging benchmark (docs/performance.md). Where it falls inside a transaction that holds a
line's lock, every other decision on that line waits for it too, in every worker; outside one, only
the request being served waits. So a decision runs with the collector off, and the collection it
would have triggered runs after the commit, at the next allocation.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_held_off() -> Iterator[None]:
    """No automatic collection inside the block (reference counting still frees what it can). The
    collector is process-wide: a block that finds it off (another thread's block, or off on purpose)
    leaves it as it found it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
