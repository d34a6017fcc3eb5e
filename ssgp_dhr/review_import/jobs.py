"""The preview and the import of a large spreadsheet run outside the request that asks for them.

A file of 10,000 reviews takes about a minute to check and as long to save, past the 30 seconds a web worker
is given. So the page stores the file, starts the work on a thread of the same server process, and shows where
it has got to until it is done (the pending import records it, so any server can show it). A thread ended by
the server stopping leaves its pending import as it was: past JOB_LONGEST, the page says it stopped and
nothing was saved (the import is one transaction), and the person uploads the file again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

_RUNNING: dict[int, threading.Thread] = {}
_LOCK = threading.Lock()


def start(app: Flask, work: Callable[[int], None], pending_id: int) -> None:
    """Run `work(pending_id)` on its own thread, in its own application context (and so its own session)."""
    def run() -> None:
        try:
            with app.app_context():
                work(pending_id)
        finally:
            with _LOCK:
                _RUNNING.pop(pending_id, None)

    thread = threading.Thread(target=run, name=f"review-import-{pending_id}", daemon=True)
    with _LOCK:
        _RUNNING[pending_id] = thread
    thread.start()


def wait(timeout: float | None = None) -> None:
    """Until every check and import started by this process has finished: for the tests, and a server stopping."""
    with _LOCK:
        running = list(_RUNNING.values())
    for thread in running:
        thread.join(timeout)
