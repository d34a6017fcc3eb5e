"""`python -m bench.review_import [URL] [--rows N]`: a partnership's 10,000-review spreadsheet brought in.

Makes a new database at URL (default: a new SQLite file), a partnership with its coordinator and an
agency, and an .xlsx workbook of N reviews (seed 2026) at every stage the import reads, from notified to
closed, with its sheets of Home Office rounds, holds and delay notices (a third of the reviews that went to
the Home Office took two rounds, a third of those that reached the panel were on hold, one on four was late
and the Home Office told); then times the preview, the confirmed import (one transaction) and the same file
again (which changes nothing), and checks every history chain. A benchmark, not a test: the numbers are in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from flask_migrate import upgrade

from ssgp_dhr import create_app
from ssgp_dhr.accounts.models import Role, RoleAssignment, User
from ssgp_dhr.cases.history import verify_all
from ssgp_dhr.cases.models import CaseEvent, DelayNotice, QARound, Review, ReviewHold
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind
from ssgp_dhr.review_import.columns import COLUMNS, DELAY_NOTICES, HOLDS, RELATED, ROUNDS
from ssgp_dhr.review_import.services import Outcome, import_reviews

STAGES = ("Notified", "Not commissioned", "Commissioned", "Panel", "With the Home Office", "Revising", "Approved",
          "Published", "Learning summary published", "Closed")


def _row(n: int, rng: random.Random) -> dict[str, list[dict[str, object]]]:
    """Review n's row on the Reviews sheet, and its rows on the sheets of rounds, holds and delay notices."""
    death = date(2012, 1, 1) + timedelta(days=rng.randrange(4_000))
    stage = STAGES[n % len(STAGES)]
    day = iter(death + timedelta(days=10 * k) for k in range(1, 60))
    reference = f"OLD/{n:05d}"
    row: dict[str, object] = {
        "Partnership reference": reference, "Pseudonym": f"Person {n}", "Name of the person who died": f"Name {n}",
        "Age": 20 + n % 60, "Date of death": death, "Date notified": next(day), "Notified by": "Police",
        "Stage": stage, "Agencies": "GP",
    }
    related: dict[str, list[dict[str, object]]] = {kind.name: [] for kind in RELATED}
    decided = next(day)
    late = n % 4 == 0
    if stage == "Notified" and late:
        related[DELAY_NOTICES.name].append(_delay(reference, "Decision", row["Date notified"]))
    if stage == "Not commissioned":
        row |= {"Date of decision": decided, "Date Home Office told": next(day),
                "Reasons for not holding a review": "The criteria are not met"}
    elif stage != "Notified":
        row |= {"Date of decision": decided, "Date Home Office told": next(day)}
        if late:
            related[DELAY_NOTICES.name].append(_delay(reference, "Report", decided))
    later = STAGES.index(stage)
    if later >= STAGES.index("Panel"):
        row |= {"Chair": "A Chair", "Date chair appointed": next(day), "Date terms of reference agreed": next(day)}
        if n % 3 == 0:
            ends = stage == "Panel"  # a review with the panel that is still on hold, or one that resumed
            related[HOLDS.name].append(_hold(reference, next(day), None if ends else next(day)))
    if later >= STAGES.index("With the Home Office"):
        done = next(day)
        row |= {"Date overview report completed": done, "Date executive summary completed": done,
                "Date action plan completed": done, "Date panel signed off": next(day),
                "Date partnership signed off": next(day), "Date submitted to the Home Office": next(day)}
    if stage == "Revising":
        row |= {"Date of Home Office letter": next(day), "Changes requested": "Say more about the GP's contact"}
    elif later >= STAGES.index("Approved") and n % 3 == 0:
        row |= {"Date of Home Office letter": next(day), "Changes requested": "Say more about the GP's contact"}
        related[ROUNDS.name] += [
            {"Partnership reference": reference, "Round": 1, "Date submitted": row["Date submitted to the Home Office"],
             "Date of Home Office letter": row["Date of Home Office letter"]},
            {"Partnership reference": reference, "Round": 2, "Date submitted": next(day),
             "Date of Home Office letter": next(day), "Home Office outcome": "Content to publish"}]
    elif later >= STAGES.index("Approved"):
        row |= {"Date of Home Office letter": next(day), "Home Office outcome": "Content to publish"}
    if stage in ("Published", "Closed"):
        row |= {"How published": "Full report", "Date published": next(day),
                "Web address of the publication": f"https://example.org/dhr/{n}",
                "Documents published": "Overview report; Executive summary"}
    elif stage == "Learning summary published":
        row |= {"How published": "Learning summary only", "Why only a learning summary": "The family asked",
                "Date family agreed to a learning summary": next(day),
                "Date Home Office agreed to a learning summary": next(day), "Date published": next(day)}
    if stage == "Closed":
        row["Date closed"] = next(day)
    return {"Reviews": [row], **related}


def _delay(reference: str, late: str, since: date) -> dict[str, object]:
    return {"Partnership reference": reference, "What is late": late, "Date Home Office told": since + timedelta(days=5),
            "Cause": "Waiting for agencies' information (IMRs, chronologies)",
            "Explanation": "The police chronology is late", "Date now expected": since + timedelta(days=200)}


def _hold(reference: str, started: date, ended: date | None) -> dict[str, object]:
    return {"Partnership reference": reference, "Date put on hold": started, "Waiting for": "Criminal investigation "
            "or trial", "Details of the proceedings": "The trial at the Crown Court",
            "Date expected to end": started + timedelta(days=180), "Date resumed": ended}


def workbook(rows: int, seed: int = 2026) -> bytes:
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheets = {"Reviews": COLUMNS, **{kind.name: kind.columns for kind in RELATED}}
    written = {}
    for name, columns in sheets.items():
        written[name] = book.create_sheet(name)
        written[name].append([c.heading for c in columns])
    for n in range(rows):
        for name, found in _row(n, rng).items():
            headings = [c.heading for c in sheets[name]]
            for row in found:
                written[name].append([row.get(h) for h in headings])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _timed(label: str, work):  # noqa: ANN001, ANN202
    """Run `work`, printing the time it took and this process's CPU time in it: on a shared machine the two
    part, and the CPU time says what the work itself costs."""
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"{label}: {time.perf_counter() - started:.1f} s (CPU {time.process_time() - cpu:.1f} s)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.review_import")
    parser.add_argument("database_url", nargs="?")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--workbook", type=Path, help="import this workbook instead of writing one (to compare "
                                                       "versions on the same file)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-import-')) / 'import.sqlite3'}"
    content = (args.workbook.read_bytes() if args.workbook else
               _timed(f"Workbook of {args.rows:,} reviews written", lambda: workbook(args.rows)))
    print(f"  {len(content) / 1024 / 1024:.1f} MB")
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "TESTING": False,
                              "DOCUMENT_STORE_PATH": tempfile.mkdtemp(prefix="bench-import-store-")})
    with app.app_context():
        upgrade()
        partnership = Organisation(name="Bench Partnership", short_name="BENCH", kind=OrganisationKind.PARTNERSHIP)
        db.session.add_all([partnership, Organisation(name="GP practices", short_name="GP",
                                                      kind=OrganisationKind.AGENCY)])
        never_signs_in = "-"
        coordinator = User(email="coordinator@bench.example", full_name="Bench Coordinator", organisation=partnership,
                           password_hash=never_signs_in,
                           roles=[RoleAssignment(role=Role.COORDINATOR, partnership=partnership)])
        db.session.add(coordinator)
        db.session.commit()

        def run(confirm: bool):  # noqa: ANN202
            return import_reviews(content, "reviews.xlsx", partnership, coordinator, confirm=confirm)

        preview = _timed("Preview (nothing saved)", lambda: run(False))
        print(f"  {preview.count(Outcome.CREATED):,} created, {len(preview.refused)} refused")
        for row in preview.refused[:5]:
            print(f"  refused: {row.sheet or 'Reviews'} row {row.number}: {[(p.place, p.reason) for p in row.problems]}")
        saved = _timed("Import, confirmed (one transaction)", lambda: run(True))
        counted = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                   for model in (Review, QARound, ReviewHold, DelayNotice, CaseEvent)}
        print(f"  saved: {saved.saved}; {counted['Review']:,} reviews, {counted['QARound']:,} Home Office rounds, "
              f"{counted['ReviewHold']:,} holds, {counted['DelayNotice']:,} delay notices, "
              f"{counted['CaseEvent']:,} history entries")
        again = _timed("The same file again", lambda: run(True))
        print(f"  {again.count(Outcome.UNCHANGED):,} unchanged")
        checked, broken = _timed("Every chain verified", verify_all)
        print(f"  {checked:,} entries, break: {broken}")


if __name__ == "__main__":
    main()
