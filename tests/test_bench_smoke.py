"""The benchmark cannot rot: a 100-review version of `make bench` runs with every test run.

It builds the data set with the generator, serves the app and both references under gunicorn,
signs simulated people in with their second factor and drives every page briefly.
"""

from __future__ import annotations

import re

import pytest

# The benchmark's own packages come with requirements-bench.txt (`make test` installs them); without
# them the smoke run is skipped, saying so, rather than failing to collect.
for _package in ("flask_admin", "httpx", "psutil", "pyinstrument"):
    pytest.importorskip(_package, reason="the benchmark's packages are not installed: pip install -r requirements-bench.txt")

from bench import retention  # noqa: E402
from bench.dataset import Manifest, Sizes  # noqa: E402
from bench.run import run  # noqa: E402
from ssgp_dhr import create_app  # noqa: E402
from ssgp_dhr.cases import history  # noqa: E402
from ssgp_dhr.extensions import db  # noqa: E402
from tests.conftest import on_postgres, postgres_scratch_url  # noqa: E402

SMALL = Sizes(reviews=100, events=6_000, users=60, partnerships=3, agencies=5, documents=500, simulated_users=2)


def _scratch_url(tmp_path) -> str:
    """A database that does not exist yet, as on a fresh machine: the benchmark creates it."""
    if not on_postgres():
        return f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    return postgres_scratch_url("bench_smoke", create=False)


def test_the_benchmark_measures_every_page_without_errors(tmp_path):
    url = _scratch_url(tmp_path)
    result = run("postgresql" if on_postgres() else "sqlite", url, reuse=False, sizes=SMALL, seed=7,
                 requests=4, seconds=1, clients=2, out=tmp_path)

    assert result["data_set"]["reviews"] == 100
    assert result["data_set"]["case_events"] == 6_000
    assert result["data_set"]["documents"] == 500 and result["data_set"]["document_versions"] > 500
    measured = [row for row in result["pages"] + result["references"] if row.get("note") != "not yet built"]
    assert len(measured) >= 11  # seven pages, the transition, the ceiling, Flask-Admin bare and signed in
    for row in measured:
        assert row["error_count"] == 0, row
        assert row["single_requests"] == 4 or "Transition" in row["page"], row
        assert row["single_p95_ms"] > 0 and row["rps"] > 0, row
    assert len(result["sign_in"]["security_code_ms"]) == 3  # two coordinators and the national reader, once each
    assert len(result["worker_rss_mb"]) == 2 and all(mb > 0 for mb in result["worker_rss_mb"])

    # Keeping case files at this scale: due ones counted and listed, two disposed of.
    lines = retention.measure(url, Manifest.load(tmp_path / f"{result['database']}-manifest.json"), years=1,
                              disposals=2, repeat=1)
    assert [line.split(" (")[0].split(":")[0] for line in lines[:2]] == ["Case files due, counted for My work",
                                                                       "Case files page"]
    assert len(lines) == 4 and all(line.startswith("Disposal of ") for line in lines[2:]), lines

    # The generated history, the events the transitions appended and the disposals' restarted histories
    # form intact chains.
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        checked, broken = history.verify_all()
        db.session.remove()
        db.engine.dispose()
    assert broken is None
    destroyed = sum(int(re.search(r"\((\d+) history entries", line).group(1)) for line in lines[2:])
    assert checked > 6_000 - destroyed
