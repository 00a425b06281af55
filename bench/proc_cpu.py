"""CPU time of process trees and of the whole machine, read from /proc: what a benchmark costs in CPU,
which stays meaningful on a machine other work shares (unlike wall time)."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICK = 1 / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3, the state, first)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    return parents


def tree_seconds(root: int) -> float:
    """CPU seconds (user + system) used so far by `root` and every live descendant, including what
    their children that exited and were reaped used (cutime/cstime: a backend that ended is counted
    by the postmaster that waited for it)."""
    parents = _parents()
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    ticks = 0
    for pid in tree:
        fields = _stat(pid)
        if fields is not None:
            # utime, stime, cutime, cstime are fields 14-17 of stat; fields[0] here is field 3.
            ticks += sum(int(value) for value in fields[11:15])
    return ticks * TICK


def children_of(parent: int) -> set[int]:
    return {pid for pid, ppid in _parents().items() if ppid == parent}


def wait_reaped(parent: int, before: set[int], timeout: float = 10) -> None:
    """Wait until the children `parent` started since `before` have ended and been reaped. Read while
    a child is between its exit and its reaping, its CPU can be missed (it leaves /proc and enters
    the parent's cutime between two reads): take a tree's time when its short-lived children (the
    backends of a pgbench run, of worker processes) are gone. Autovacuum workers come and go on their
    own: they are not waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(b"autovacuum" not in _cmdline(pid) for pid in children_of(parent) - before):
            return
        time.sleep(0.05)


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b"autovacuum"  # gone: nothing to wait for


def parent_of(pid: int) -> int:
    fields = _stat(pid)
    if fields is None:
        raise ProcessLookupError(pid)
    return int(fields[1])


@dataclass(frozen=True)
class Machine:
    """Seconds of CPU the whole machine spent busy and in all, summed over its cores."""

    busy: float
    total: float

    @classmethod
    def now(cls) -> "Machine":
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return cls(busy=(sum(values[:8]) - idle) * TICK, total=sum(values[:8]) * TICK)

    def __sub__(self, other: "Machine") -> "Machine":
        return Machine(busy=self.busy - other.busy, total=self.total - other.total)
