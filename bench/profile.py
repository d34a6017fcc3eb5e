"""`python -m bench.profile URL PATH [--as EMAIL] [--cpu | --wall] [--reference]`: where one page's time goes.

Runs the page in-process under pyinstrument (after a warm-up) and counts its SQL statements, e.g.
    python -m bench.profile sqlite:///bench/out/bench.sqlite3 /cases --as manager1@bench.example

With --cpu it profiles nothing and reports the process's CPU time a request instead, the least and
the median of 7 batches of --repeat requests: on SQLite (in the process) that includes the database's
work, and it moves far less between runs on a shared virtual machine than the wall-clock figures.
With --wall it reports the wall-clock time a request the same way: on PostgreSQL the database works in
its own process, which the CPU time does not see.
With --reference it measures the signed-in Flask-Admin list of the HTTP benchmark (mounted in the same
app, so PATH is ignored): the page every signed-in page is compared with.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_login.utils import _create_identifier
from pyinstrument import Profiler

from ssgp_dhr import access, create_app
from ssgp_dhr.accounts.models import User
from ssgp_dhr.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("database_url")
    parser.add_argument("path")
    parser.add_argument("--as", dest="email", default="manager1@bench.example")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cpu", action="store_true", help="CPU time a request, without the profiler")
    parser.add_argument("--wall", action="store_true",
                        help="wall-clock time a request, without the profiler (PostgreSQL works in its own process)")
    parser.add_argument("--reference", action="store_true",
                        help="the signed-in Flask-Admin list of reviews instead of PATH (needs the bench extra)")
    args = parser.parse_args()

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_ENABLED": False})
    if args.reference:
        from bench.reference_apps import SIGNED_IN_ADMIN_PATH, mount_signed_in_admin

        mount_signed_in_admin(app)
        args.path = SIGNED_IN_ADMIN_PATH
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == args.email))
        user_id = user.get_id()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # Flask-Login's "strong" session protection compares it
    with client.session_transaction() as session:
        now = access.now_seconds()
        session.update({"_user_id": user_id, "_fresh": True, "_id": identifier, access.SIGNED_IN_AT: now,
                        access.LAST_SEEN: now})
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert client.get(args.path).status_code == 200
    statements.clear()
    client.get(args.path)
    print(f"{len(statements)} SQL statements")
    if args.cpu or args.wall:
        report_time_a_request(client, args.path, args.repeat, clock=time.perf_counter if args.wall else time.process_time)
        return
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(args.repeat):
            client.get(args.path)
    print(f"{(time.perf_counter() - started) / args.repeat * 1000:.1f} ms a request (in-process, mean of {args.repeat})")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def report_time_a_request(client: Any, path: str, repeat: int, *, clock: Callable[[], float],
                          batches: int = 7) -> None:
    per_request = []
    for _ in range(batches):
        started = clock()
        for _ in range(repeat):
            client.get(path)
        per_request.append((clock() - started) / repeat * 1000)
    per_request.sort()
    kind = "Wall-clock" if clock is time.perf_counter else "CPU"
    print(f"{kind} time a request: least {per_request[0]:.2f} ms, median {per_request[batches // 2]:.2f} ms "
          f"({batches} batches of {repeat})")


if __name__ == "__main__":
    main()
