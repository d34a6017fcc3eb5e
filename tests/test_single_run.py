"""The daily commands run once at a time when a scheduler on each of two machines starts them together:
the second says another run is under way, does nothing and exits 0 so its scheduler does not alarm."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr.extensions import db
from ssgp_dhr.reminders.models import Reminder
from ssgp_dhr.single_run import AlreadyRunning, lock_key, only_one_run
from tests.test_access_log import entries, entry_days_ago
from tests.test_reminders import at, notified


def _run(app: Flask, command: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["dhr", command])
    return result.exit_code, result.output


def _reminders() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) or 0


def test_send_reminders_waits_for_nobody_and_does_nothing_while_another_run_holds_the_lock(app: Flask) -> None:
    notified(date(2026, 3, 10))
    with at(date(2026, 4, 3)):
        with only_one_run("send-reminders"):  # the run started on the other machine
            code, output = _run(app, "send-reminders")
        assert (code, output) == (0, "Another send-reminders run is under way: this one did nothing.\n")
        assert _reminders() == 0

        code, output = _run(app, "send-reminders")
    assert code == 0 and "1 new" in output and _reminders() == 1


def test_purge_access_log_does_nothing_while_another_run_holds_the_lock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    entry_days_ago(800)
    monkeypatch.setitem(app.config, "ACCESS_LOG_RETENTION_DAYS", 730)
    with only_one_run("purge-access-log"):
        assert _run(app, "purge-access-log") == (0, "Another purge-access-log run is under way: this one did nothing.\n")
    assert len(entries()) == 1

    code, output = _run(app, "purge-access-log")
    assert code == 0 and output.startswith("Deleted 1 access log entry")


def test_two_runs_started_together_let_exactly_one_through(app: Flask) -> None:
    """Two threads, each with its own database connection (on PostgreSQL) or file handle (SQLite)."""
    release = threading.Event()  # the first through holds the lock until the other has tried
    outcomes: list[str] = []

    def run() -> None:
        with app.app_context():
            try:
                with only_one_run("send-reminders"):
                    outcomes.append("ran")
                    release.wait(10)
            except AlreadyRunning:
                outcomes.append("refused")
                release.set()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(outcomes) == ["ran", "refused"]


def test_the_lock_is_released_when_a_run_fails(app: Flask) -> None:
    with pytest.raises(RuntimeError), only_one_run("send-reminders"):
        raise RuntimeError("the mail server went away")
    with only_one_run("send-reminders"):
        pass


def test_each_command_has_its_own_lock_number() -> None:
    assert lock_key("send-reminders") != lock_key("purge-access-log")
    assert lock_key("send-reminders") == lock_key("send-reminders")
    assert -2**63 <= lock_key("send-reminders") < 2**63
