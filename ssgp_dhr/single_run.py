"""One run at a time of each daily command, however many machines start it.

A scheduler on each application server may start `send-reminders` or `purge-access-log` at the same
moment. On PostgreSQL a session-level advisory lock, held on a connection of its own for the whole
run, lets exactly one through; it is released when the run ends or its process dies. SQLite lives on
one machine, so a lock on a file in the instance folder does the same between its processes.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ssgp_dhr.extensions import db


class AlreadyRunning(Exception):
    """Another run of the same command holds the lock."""


def lock_key(name: str) -> int:
    """The advisory lock's number for `name`: stable across machines and releases."""
    return int.from_bytes(hashlib.sha256(f"ssgp_dhr:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def only_one_run(name: str) -> Iterator[None]:
    """Hold the lock named `name` for the block; raise AlreadyRunning at once if another run holds it."""
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(lock_key(name)):
            yield
    else:
        with _file_lock(Path(current_app.instance_path) / f".{name}.lock"):
            yield


@contextmanager
def _advisory_lock(key: int) -> Iterator[None]:
    # Autocommit: the lock belongs to the connection, and no transaction sits open for the whole run.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.scalar(sa.select(sa.func.pg_try_advisory_lock(key))):
            raise AlreadyRunning
        try:
            yield
        finally:
            connection.scalar(sa.select(sa.func.pg_advisory_unlock(key)))


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
