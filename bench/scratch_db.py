"""A scratch PostgreSQL database for a benchmark: by default in a throwaway cluster of its own (so that
the CPU of PostgreSQL's processes is the benchmark's alone), or on a server given by URL."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def recreate_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def scratch_database(name: str, *, url: str | None = None, keep: bool = False) -> Iterator[tuple[str, Path]]:
    """(database URL, a working directory). With `url`, that database is dropped and created again (the
    CPU of that server's processes then counts its other work too); without, a cluster is created in
    the working directory and stopped at the end."""
    from processes import Cluster  # here: processes imports pos_sales, which imports this module

    home = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    home.chmod(0o711)  # the postgres user must reach its directory inside
    cluster = None
    try:
        if url is None:
            cluster = Cluster(home / "postgres")
            cluster.create()
            url = cluster.url(name)
        recreate_database(url)
        yield url, home
    finally:
        if cluster is not None:
            cluster.stop()
        if keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
