"""`python -m bench.profile URL PATH [--as EMAIL]`: where one page's time goes, on the benchmark data.

Runs the page in-process under pyinstrument (after a warm-up) and counts its SQL statements, e.g.
    python -m bench.profile sqlite:///bench/out/bench.sqlite3 /cases --as manager1@bench.example
"""

from __future__ import annotations

import argparse
import time

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
    args = parser.parse_args()

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_ENABLED": False})
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
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(args.repeat):
            client.get(args.path)
    print(f"{(time.perf_counter() - started) / args.repeat * 1000:.1f} ms a request (in-process, mean of {args.repeat})")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
