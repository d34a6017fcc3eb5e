"""A national-scale data set built from the real models, the same for the same seed.

Rows go in by bulk insert (the workflow service would take hours for a million events), but they
are the rows the service would write: each review's history is a valid hash chain ending at the
review's `event_head_hash`, so `flask dhr verify-audit` passes on the result.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_migrate import upgrade

from ssgp_dhr import create_app
from ssgp_dhr.accounts.models import Role, RoleAssignment, User
from ssgp_dhr.accounts.passwords import hash_password
from ssgp_dhr.action_plan.models import ProgressUpdate, Recommendation, RecommendationLevel
from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.history import GENESIS_HASH, event_hash
from ssgp_dhr.cases.models import (
    CaseEvent,
    DeadlineKind,
    DecisionResponse,
    DecisionResponseOutcome,
    DelayCause,
    DelayNotice,
    EventKind,
    HoldReason,
    PanelMembership,
    PanelRole,
    QAOutcome,
    QARound,
    Review,
    ReviewHold,
)
from ssgp_dhr.cases.services import make_reference
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion, ProtectiveMarking
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind
from ssgp_dhr.panel.models import AgencyRequest, RequestKind, RequestStatus
from ssgp_dhr.publication.models import PublicationForm, PublicationRecord
from ssgp_dhr.reminders.models import Reminder

BENCH_PASSWORD = "bench password for fictional accounts"  # noqa: S105 - fictional benchmark accounts only
TODAY = date(2026, 11, 1)  # fixed, so the same seed gives the same rows on any day
HEAVY_EVENTS = 150  # the case page measured has at least this many history events
CHUNK = 5_000

# Share of reviews per stage: most are historical, as in a mature national service.
STATUS_MIX = (
    ("closed", 38), ("published", 14), ("summary_only", 4), ("not_commissioned", 10), ("notified", 3),
    ("commissioned", 5), ("panel", 12), ("on_hold", 4), ("home_office_review", 4), ("revising", 2), ("approved", 4),
)
PATHS = {
    "notified": [], "not_commissioned": ["decline"], "commissioned": ["commission"],
    "panel": ["commission", "convene_panel"], "on_hold": ["commission", "convene_panel", "pause"],
    "home_office_review": ["commission", "convene_panel", "submit"],
    "revising": ["commission", "convene_panel", "submit", "request_revisions"],
    "approved": ["commission", "convene_panel", "submit", "approve"],
    "published": ["commission", "convene_panel", "submit", "approve", "publish"],
    "summary_only": ["commission", "convene_panel", "submit", "approve", "publish_summary"],
    "closed": ["commission", "convene_panel", "submit", "approve", "publish", "close"],
}
DESTINATIONS = {"commission": "commissioned", "decline": "not_commissioned", "convene_panel": "panel", "pause": "on_hold",
                "submit": "home_office_review", "request_revisions": "revising", "approve": "approved",
                "publish": "published", "publish_summary": "summary_only", "close": "closed"}
CHANGED_FIELDS = ("press_contact", "circumstances", "notified_by", "chair_name", "victim_name", "victim_address")


@dataclass(frozen=True)
class Sizes:
    reviews: int = 10_000
    events: int = 1_000_000
    users: int = 5_000
    partnerships: int = 300
    agencies: int = 60
    documents: int = 50_000
    simulated_users: int = 4


@dataclass
class Manifest:
    """What the load driver needs: who signs in (with their authenticator secret) and which cases to open."""

    password: str
    national_reader: dict[str, str]
    coordinators: list[dict[str, Any]] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def reset_database(url: str) -> None:
    """An empty database at `url` (the benchmark's own: everything in it is dropped)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    _create_postgres_database(url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _create_postgres_database(url: str) -> None:
    """Create the database `url` names if the server has none by that name (a fresh machine has only its defaults)."""
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": target.database})
        if not exists:
            # An identifier cannot be a bound parameter: quote it as PostgreSQL's own rules say.
            quoted = connection.dialect.identifier_preparer.quote(target.database)
            connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
    admin.dispose()


def build(url: str, seed: int = 2026, sizes: Sizes | None = None) -> Manifest:
    """Empty the database at `url`, migrate it, and fill it with the data set for `seed`."""
    sizes = sizes or Sizes()
    reset_database(url)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
    with app.app_context():
        upgrade()
        manifest = _Generator(random.Random(seed), sizes).fill()
        db.session.remove()
        db.engine.dispose()
    settle(url)
    return manifest


def settle(url: str) -> None:
    """Planner statistics (and, on PostgreSQL, no dead row versions from the head-hash update), as a
    database in service has them from autovacuum; a freshly bulk-loaded one has neither."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")  # VACUUM cannot run in a transaction
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE" if url.startswith("sqlite") else "VACUUM ANALYZE"))
    engine.dispose()


def _secret(rng: random.Random) -> str:
    return base64.b32encode(rng.randbytes(20)).decode()


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC) + timedelta(seconds=rng.randrange(10 * 3600))


class _Generator:
    def __init__(self, rng: random.Random, sizes: Sizes) -> None:
        self.rng, self.sizes = rng, sizes
        self.counts: dict[str, int] = {}

    def _insert(self, model: type, rows: list[dict[str, Any]]) -> None:
        # An executemany needs the same keys in every row: a stage's unset dates are NULL.
        keys = {key for row in rows for key in row}
        rows = [row if len(row) == len(keys) else {key: row.get(key) for key in keys} for row in rows]
        for start in range(0, len(rows), CHUNK):
            # Core inserts of the mapped table: the ORM's per-row bookkeeping would triple the time.
            db.session.execute(model.__table__.insert(), rows[start:start + CHUNK])
        self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)

    def fill(self) -> Manifest:
        partnerships, agencies = self._organisations()
        users = self._users(partnerships, agencies)
        reviews = self._reviews(partnerships, users)
        self._panels(reviews, users, agencies)
        self._history(reviews, users)
        self._documents(reviews, users)
        self._panel_work(reviews, agencies)
        self._publication(reviews, agencies, users)
        self._home_office(reviews, users)
        self._reminders(reviews, users)
        db.session.commit()
        return self._manifest(partnerships, reviews, users)

    # --- organisations and people -------------------------------------------------------------

    def _organisations(self) -> tuple[list[int], list[int]]:
        rows = [{"id": n, "name": f"Community Safety Partnership {n:03d} (bench)", "short_name": f"CSP{n:03d}",
                 "kind": OrganisationKind.PARTNERSHIP} for n in range(1, self.sizes.partnerships + 1)]
        first_agency = self.sizes.partnerships + 1
        rows += [{"id": n, "name": f"Agency {n:03d} (bench)", "short_name": f"AG{n:03d}", "kind": OrganisationKind.AGENCY}
                 for n in range(first_agency, first_agency + self.sizes.agencies)]
        self._insert(Organisation, rows)
        return list(range(1, first_agency)), list(range(first_agency, first_agency + self.sizes.agencies))

    def _users(self, partnerships: list[int], agencies: list[int]) -> dict[str, Any]:
        password_hash = hash_password(BENCH_PASSWORD)  # one hash: argon2 per row would take minutes
        confirmed = datetime(2026, 1, 1, tzinfo=UTC)
        rows, roles = [], []
        coordinators: dict[int, list[int]] = {}
        panel_members: list[int] = []

        def person(role: Role, organisation_id: int, partnership_ids: list[int]) -> int:
            user_id = len(rows) + 1
            rows.append({"id": user_id, "email": f"{role.value}{user_id}@bench.example", "full_name": f"Person {user_id} (bench)",
                         "organisation_id": organisation_id, "password_hash": password_hash,
                         "session_token": f"bench-{user_id}-{self.rng.getrandbits(64):016x}",
                         "totp_secret": _secret(self.rng), "totp_confirmed_at": confirmed})
            roles.extend({"user_id": user_id, "role": role, "partnership_id": p} for p in partnership_ids)
            return user_id

        national = person(Role.MANAGER, partnerships[0], partnerships)  # reads every review: the whole list
        for p in partnerships:
            coordinators[p] = [person(Role.COORDINATOR, p, [p]) for _ in range(2)]
            person(Role.MANAGER, p, [p])
        while len(rows) < self.sizes.users:
            home = self.rng.sample(partnerships, 2)
            panel_members.append(person(Role.PANEL_MEMBER, self.rng.choice(agencies), home))
        self._insert(User, rows)
        self._insert(RoleAssignment, roles)
        return {"rows": rows, "coordinators": coordinators, "panel_members": panel_members, "national": national}

    # --- reviews ------------------------------------------------------------------------------

    def _reviews(self, partnerships: list[int], users: dict[str, Any]) -> list[dict[str, Any]]:
        # Sizes skewed as real areas are: the first partnerships hold several hundred reviews each.
        weights = [1 / (rank + 3) for rank in range(len(partnerships))]
        leads = self.rng.choices(partnerships, weights=weights, k=self.sizes.reviews)
        statuses = self.rng.choices([s for s, _ in STATUS_MIX], weights=[w for _, w in STATUS_MIX], k=self.sizes.reviews)
        # The busiest partnership's simulated coordinators each move one review on the panel stage.
        for n in range(self.sizes.simulated_users):
            leads[n], statuses[n] = partnerships[0], "panel"
        # ...and the long histories opened on the case page are theirs to read.
        for n in range(self.sizes.simulated_users, min(self.sizes.reviews, self.sizes.simulated_users + 20)):
            leads[n] = partnerships[0]
        numbers: dict[tuple[int, int], int] = {}
        reviews, holds, rounds = [], [], []
        for n in range(self.sizes.reviews):
            review_id, lead, status = n + 1, leads[n], statuses[n]
            died = TODAY - timedelta(days=self.rng.randrange(40, 3000) if status != "notified" else self.rng.randrange(5, 60))
            notified = died + timedelta(days=self.rng.randrange(2, 10))
            year = notified.year
            numbers[lead, year] = number = numbers.get((lead, year), 0) + 1
            joint = self.rng.choice(partnerships) if self.rng.random() < 0.1 else None
            row: dict[str, Any] = {
                "id": review_id, "reference": make_reference(f"CSP{lead:03d}", year, number), "ref_year": year,
                "ref_number": number, "review_type": "Domestic Homicide Review", "lead_partnership_id": lead,
                "joint_partnership_id": joint if joint != lead else None, "status": status, "status_before_hold": None,
                "version": 1 + len(PATHS[status]), "pseudonym": f"Pseudonym {review_id}",
                "victim_name": f"Victim {review_id} (fictional)", "victim_date_of_birth": None, "victim_address": None,
                "victim_age": self.rng.randrange(16, 90), "perpetrator_name": f"Perpetrator {review_id} (fictional)",
                "date_of_death": died, "notified_on": notified, "notified_by": "Police major crime team (bench)",
                "circumstances": "Fictional benchmark case.", "press_contact": None,
                "recorded_on": notified, "created_at": _at(notified, self.rng), "updated_at": _at(notified, self.rng),
            }
            self._stage_fields(row, review_id, status, holds, rounds)
            row["next_deadline_kind"], row["next_deadline_on"] = self._next_deadline(row, rounds)
            reviews.append(row)
        self._reviews_rows = reviews
        # Events and head hashes are filled in by _history; insert the reviews first for the foreign keys.
        for row in reviews:
            row["event_head_hash"], row["event_count"] = None, 0
        self._insert(Review, reviews)
        self._insert(ReviewHold, holds)
        self._insert(QARound, rounds)
        return reviews

    @staticmethod
    def _next_deadline(row: dict[str, Any], rounds: list[dict[str, Any]]) -> tuple[Any, Any]:
        """The review's stored next deadline, by the pages' own rule (the ORM writes it for every other writer)."""
        has_round = bool(rounds) and rounds[-1]["review_id"] == row["id"]
        return deadlines.stored_values(SimpleNamespace(
            status=row["status"], notified_on=row["notified_on"], decision_on=row.get("decision_on"),
            recorded_on=row["recorded_on"], qa_rounds=[SimpleNamespace(submitted_on=None)] if has_round else []))

    def _stage_fields(self, row: dict[str, Any], review_id: int, status: str, holds: list, rounds: list) -> None:
        n = row["notified_on"]
        path = PATHS[status]
        if path[:1] in (["commission"], ["decline"]):
            row["decision_on"], row["home_office_told_on"] = n + timedelta(days=20), n + timedelta(days=22)
        if "decline" in path:
            row["decline_reasons"] = "The criteria are not met (bench)."
        if "convene_panel" in path:
            row.update(chair_name="Independent Chair (bench)", chair_appointed_on=n + timedelta(days=40),
                       terms_of_reference_agreed_on=n + timedelta(days=50))
        if "pause" in path:
            row["status_before_hold"] = "panel"
            holds.append({"review_id": review_id, "reason": HoldReason.CRIMINAL_PROCEEDINGS, "details": "Trial listed (bench).",
                          "started_on": n + timedelta(days=60), "expected_end_on": n + timedelta(days=240),
                          "first_expected_end_on": n + timedelta(days=240), "ended_on": None})
        if "submit" in path:
            row.update({f: n + timedelta(days=230) for f in (
                "overview_report_completed_on", "executive_summary_completed_on", "action_plan_completed_on",
                "panel_signed_off_on", "partnership_signed_off_on")})
            qa = {"review_id": review_id, "number": 1, "submitted_on": n + timedelta(days=240), "panel_meeting_on": None,
                  "letter_on": None, "outcome": None, "changes_requested": None}
            if "request_revisions" in path:
                qa.update(letter_on=n + timedelta(days=290), outcome=QAOutcome.REVISE, changes_requested="More analysis (bench).")
            if "approve" in path:
                qa.update(letter_on=n + timedelta(days=290), outcome=QAOutcome.PUBLISH)
            rounds.append(qa)
        if "publish" in path or "publish_summary" in path:
            row.update(published_on=n + timedelta(days=330), publication_url=f"https://www.example.org/dhr/{review_id}",
                       published_documents="overview_report,executive_summary")
        if "publish_summary" in path:
            row.update(summary_only_reason="Harm to surviving children (bench).", published_documents=None,
                       family_agreed_summary_on=n + timedelta(days=300), home_office_agreed_summary_on=n + timedelta(days=310))
        if "close" in path:
            row["closed_on"] = n + timedelta(days=700)

    def _panels(self, reviews: list[dict[str, Any]], users: dict[str, Any], agencies: list[int]) -> None:
        rows = []
        for review in reviews:
            if review["status"] in ("notified", "not_commissioned", "commissioned"):
                continue
            seats = self.rng.sample(users["panel_members"], 4)
            for i, user_id in enumerate(seats):
                rows.append({"review_id": review["id"], "user_id": user_id, "agency_id": self.rng.choice(agencies),
                             "panel_role": PanelRole.INDEPENDENT_CHAIR if i == 0 else PanelRole.AGENCY_REPRESENTATIVE,
                             "started_on": review["notified_on"] + timedelta(days=50),
                             "ended_on": None if review["status"] not in ("closed",) else review["closed_on"]})
        self._insert(PanelMembership, rows)

    # --- history ------------------------------------------------------------------------------

    def _event_counts(self, reviews: list[dict[str, Any]]) -> list[int]:
        """How many events each review gets, adding up to the target exactly; a few reviews are long."""
        floor = [1 + len(PATHS[r["status"]]) for r in reviews]
        total = self.sizes.events
        counts = [max(f, self.rng.randrange(20, 180)) for f in floor]
        for n in range(min(len(reviews), self.sizes.simulated_users + 20)):
            counts[n] = max(counts[n], HEAVY_EVENTS + n)
        excess = sum(counts) - total
        step = 0
        while excess != 0:  # spread the difference over the ordinary reviews
            i = self.sizes.simulated_users + 20 + step % max(1, len(reviews) - self.sizes.simulated_users - 20)
            i = min(i, len(reviews) - 1)
            if excess > 0 and counts[i] > max(floor[i], 20):
                counts[i] -= 1
                excess -= 1
            elif excess < 0:
                counts[i] += 1
                excess += 1
            step += 1
            if step > 50 * total:
                break
        return counts

    def _history(self, reviews: list[dict[str, Any]], users: dict[str, Any]) -> None:
        counts = self._event_counts(reviews)
        batch: list[dict[str, Any]] = []
        heads = []
        for review, count in zip(reviews, counts, strict=True):
            actors = users["coordinators"][review["lead_partnership_id"]]
            prev = GENESIS_HASH
            for event in self._events_for(review, count, actors):
                event["prev_hash"] = prev
                event["hash"] = prev = event_hash(prev, SimpleNamespace(**event))
                batch.append(event)
            heads.append({"b_id": review["id"], "head": prev, "count": count})
            if len(batch) >= 50_000:
                self._insert(CaseEvent, batch)
                batch = []
        self._insert(CaseEvent, batch)
        reviews_table = Review.__table__
        statement = reviews_table.update().where(reviews_table.c.id == sa.bindparam("b_id")).values(
            event_head_hash=sa.bindparam("head"), event_count=sa.bindparam("count"))
        for start in range(0, len(heads), CHUNK):
            db.session.execute(statement, heads[start:start + CHUNK])

    def _events_for(self, review: dict[str, Any], count: int, actors: list[int]) -> Iterator[dict[str, Any]]:
        path = PATHS[review["status"]]
        moment = review["created_at"]
        seq, status, version = 1, "notified", 0
        changes = count - 1 - len(path)
        # Changes fall between the transitions; the transitions keep their workflow order.
        slots = sorted(self.rng.randrange(len(path) + 1) for _ in range(changes))
        yield self._event(review, 1, actors[0], moment, "created", None, "status", None, "notified", 0,
                          {"reference": review["reference"]})
        for position in range(len(path) + 1):
            for _ in range(slots.count(position)):
                seq += 1
                moment += timedelta(minutes=self.rng.randrange(5, 600))
                name = self.rng.choice(CHANGED_FIELDS)
                yield self._event(review, seq, self.rng.choice(actors), moment, "change", None, name,
                                  f"Old {name} {seq}", f"New {name} {seq}", version, {})
            if position < len(path):
                trigger = path[position]
                seq += 1
                version += 1
                moment += timedelta(hours=self.rng.randrange(1, 200))
                destination = DESTINATIONS[trigger]
                yield self._event(review, seq, self.rng.choice(actors), moment, "transition", trigger, "status",
                                  status, destination, version, {})
                status = destination

    @staticmethod
    def _event(review: dict[str, Any], seq: int, actor: int, moment: datetime, kind: str, trigger: str | None,
               field_name: str | None, from_value: str | None, to_value: str | None, version: int,
               payload: dict) -> dict[str, Any]:
        return {"review_id": review["id"], "seq": seq, "actor_id": actor, "occurred_at": moment, "kind": EventKind(kind),
                "trigger": trigger, "field": field_name, "from_value": from_value, "to_value": to_value, "reason": None,
                "payload": payload, "based_on_version": version}

    # --- documents, panel work, publication, reminders ----------------------------------------

    def _documents(self, reviews: list[dict[str, Any]], users: dict[str, Any]) -> None:
        """`sizes.documents` documents, more on later stages, a fifth with a second version.

        Metadata rows only: the files themselves are not written (no page measured reads them;
        a download would answer 404 from the document store).
        """
        weights = [1 + len(PATHS[r["status"]]) for r in reviews]
        owners = self.rng.choices(range(len(reviews)), weights=weights, k=self.sizes.documents)
        types = list(DocumentType)
        documents, versions = [], []
        for n, index in enumerate(sorted(owners)):
            review = reviews[index]
            published = review["status"] in ("published", "summary_only", "closed") and self.rng.random() < 0.3
            created = _at(review["notified_on"] + timedelta(days=self.rng.randrange(1, 300)), self.rng)
            documents.append({
                "id": n + 1, "review_id": review["id"], "document_type": self.rng.choice(types),
                "title": f"Document {n + 1} (bench)", "created_at": created,
                "marking": ProtectiveMarking.PUBLISHED if published else ProtectiveMarking.OFFICIAL_SENSITIVE,
                "published_at": created + timedelta(days=30) if published else None})
            uploader = self.rng.choice(users["coordinators"][review["lead_partnership_id"]])
            for number in range(1, 3 if self.rng.random() < 0.2 else 2):
                versions.append({
                    "document_id": n + 1, "number": number, "stored_name": f"{self.rng.getrandbits(256):064x}",
                    "original_filename": f"document-{n + 1}-v{number}.pdf", "file_kind": "pdf",
                    "content_type": "application/pdf", "size_bytes": self.rng.randrange(20_000, 4_000_000),
                    "sha256": f"{self.rng.getrandbits(256):064x}", "uploaded_by_id": uploader,
                    "uploaded_at": created + timedelta(days=7 * (number - 1))})
        self._insert(Document, documents)
        self._insert(DocumentVersion, versions)

    def _panel_work(self, reviews: list[dict[str, Any]], agencies: list[int]) -> None:
        """Agency requests (scoping and IMRs) on every convened panel; open panels have some overdue."""
        rows = []
        for review in reviews:
            if "convene_panel" not in PATHS[review["status"]]:
                continue
            asked = review["notified_on"] + timedelta(days=55)
            still_open = review["status"] in ("panel", "on_hold")
            for agency in self.rng.sample(agencies, 3):
                for kind in (RequestKind.SCOPING, RequestKind.IMR):
                    outstanding = still_open and kind is RequestKind.IMR and self.rng.random() < 0.5
                    rows.append({"review_id": review["id"], "agency_id": agency, "kind": kind,
                                 "status": RequestStatus.REQUESTED if outstanding else RequestStatus.ACCEPTED,
                                 "requested_on": asked, "due_on": asked + timedelta(days=42),
                                 "received_on": None if outstanding else asked + timedelta(days=40),
                                 "responsible_id": None, "note": None})
        self._insert(AgencyRequest, rows)

    def _publication(self, reviews: list[dict[str, Any]], agencies: list[int], users: dict[str, Any]) -> None:
        """A publication record and a three-recommendation action plan for every approved review onwards, with
        the progress posted on each (none on some; a few proposed as complete)."""
        records, recommendations, progress = [], [], []
        for review in reviews:
            path = PATHS[review["status"]]
            if "approve" not in path:
                continue
            n = review["notified_on"]
            if review.get("published_on"):
                summary_only = "publish_summary" in path
                records.append({"review_id": review["id"], "decided_on": n + timedelta(days=320),
                                "form": PublicationForm.SUMMARY_ONLY if summary_only else PublicationForm.FULL,
                                "public_summary": "A fictional benchmark review (bench).",
                                "learning_summary": "Fictional learning (bench)." if summary_only else None})
            author = users["coordinators"][review["lead_partnership_id"]][0]
            for number in range(1, 4):
                done = "close" in path or self.rng.random() < 0.4
                added = n + timedelta(days=300)
                recommendation_id = len(recommendations) + 1
                recommendations.append({
                    "id": recommendation_id, "review_id": review["id"], "reference": f"R{number}",
                    "text": f"Recommendation {number} (bench).", "level": RecommendationLevel.SINGLE_AGENCY,
                    "owning_agency_id": self.rng.choice(agencies), "actions": "Fictional actions (bench).",
                    "target_on": n + timedelta(days=self.rng.randrange(400, 900)),
                    "completed_on": n + timedelta(days=650) if done else None,
                    "completion_proposed_on": None if done or self.rng.random() < 0.9 else TODAY,
                    "created_at": _at(added, self.rng)})
                last = min(n + timedelta(days=650) if done else TODAY, TODAY)
                for _ in range(self.rng.randrange(0 if not done else 1, 4)):
                    if last <= added:
                        break
                    progress.append({"recommendation_id": recommendation_id, "author_id": author,
                                     "text": "Fictional progress (bench).",
                                     "posted_at": _at(added + timedelta(days=self.rng.randrange((last - added).days)),
                                                      self.rng)})
        self._insert(PublicationRecord, records)
        self._insert(Recommendation, recommendations)
        self._insert(ProgressUpdate, progress)

    def _home_office(self, reviews: list[dict[str, Any]], users: dict[str, Any]) -> None:
        """What the Home Office was told of late decisions and reports, and its answers to decisions: most
        late reports explained (some with a date since passed), some late decisions, most declines answered."""
        notices, answers = [], []
        for review in reviews:
            status, n, decided = review["status"], review["notified_on"], review.get("decision_on")
            recorder = users["coordinators"][review["lead_partnership_id"]][0]
            owed = (DeadlineKind.DECISION, n) if status == "notified" else (
                (DeadlineKind.REPORT, decided) if status in ("commissioned", "panel", "on_hold") else None)
            if owed and (TODAY - owed[1]).days > (31 if owed[0] is DeadlineKind.DECISION else 183) \
                    and self.rng.random() < 0.6:
                told = owed[1] + timedelta(days=self.rng.randrange(30, 200))
                told = min(told, TODAY)
                cause = self.rng.choice(DelayCause.delaying(owed[0]))
                notices.append({"review_id": review["id"], "deadline": owed[0], "told_on": told, "cause": cause,
                                "explanation": "Fictional delay (bench).", "recorded_by_id": recorder,
                                "expected_on": told + timedelta(days=self.rng.randrange(30, 240)),
                                "recorded_at": _at(told, self.rng)})
            if decided and self.rng.random() < (0.8 if status == "not_commissioned" else 0.3):
                outcome = (DecisionResponseOutcome.ACKNOWLEDGED if status != "not_commissioned" else
                           self.rng.choice([DecisionResponseOutcome.AGREED] * 4 + [DecisionResponseOutcome.REVIEW_ADVISED]))
                received = review["home_office_told_on"] + timedelta(days=self.rng.randrange(20, 90))
                if received > TODAY:
                    continue
                answers.append({"review_id": review["id"], "decision_on": decided,
                                "review_held": status != "not_commissioned", "received_on": received,
                                "outcome": outcome, "notes": "Fictional answer (bench).", "recorded_by_id": recorder,
                                "recorded_at": _at(received, self.rng)})
        self._insert(DelayNotice, notices)
        self._insert(DecisionResponse, answers)

    def _reminders(self, reviews: list[dict[str, Any]], users: dict[str, Any]) -> None:
        """A decision-due notification per undecided review for each lead coordinator, some read."""
        rows = []
        for review in reviews:
            if review["status"] != "notified":
                continue
            due = review["notified_on"] + timedelta(days=30)
            for recipient in users["coordinators"][review["lead_partnership_id"]]:
                created = _at(due - timedelta(days=7), self.rng)
                rows.append({"recipient_id": recipient, "review_id": review["id"], "kind": "decision_due",
                             "item": f"review:{review['id']}:decision", "due_on": due, "occasion": "due_soon",
                             "subject": f"Decision due for {review['reference']}", "body": "Fictional reminder (bench).",
                             "link_path": f"/cases/{review['reference']}", "created_at": created,
                             "read_at": created + timedelta(days=1) if self.rng.random() < 0.5 else None})
        self._insert(Reminder, rows)

    def _manifest(self, partnerships: list[int], reviews: list[dict[str, Any]], users: dict[str, Any]) -> Manifest:
        by_id = {row["id"]: row for row in users["rows"]}
        national = by_id[users["national"]]
        busiest = partnerships[0]
        heavy = [r["reference"] for r in reviews[self.sizes.simulated_users:self.sizes.simulated_users + 20]
                 if r["lead_partnership_id"] == busiest or r["joint_partnership_id"] == busiest]
        heavy = heavy or [reviews[0]["reference"]]
        coordinator_ids = users["coordinators"][busiest] * self.sizes.simulated_users
        coordinators = []
        for n in range(self.sizes.simulated_users):
            # One account per simulated user: a code is accepted once per account.
            user_id = coordinator_ids[n] if n < 2 else self._extra_coordinator(busiest, users, n)
            coordinators.append({"email": by_id[user_id]["email"], "totp_secret": by_id[user_id]["totp_secret"],
                                 "transition_review": reviews[n]["reference"], "case_page": heavy[n % len(heavy)]})
        return Manifest(password=BENCH_PASSWORD,
                        national_reader={"email": national["email"], "totp_secret": national["totp_secret"]},
                        coordinators=coordinators, sizes=asdict(self.sizes), counts=self.counts)

    def _extra_coordinator(self, partnership: int, users: dict[str, Any], n: int) -> int:
        """A further coordinator of the busiest partnership, made a coordinator there now."""
        user_id = users["panel_members"][n]
        db.session.execute(sa.insert(RoleAssignment), [{"user_id": user_id, "role": Role.COORDINATOR,
                                                         "partnership_id": partnership}])
        db.session.commit()
        return user_id
