"""The append-only, hash-chained history of each review.

Each event stores the hash of the event before it on the same review, and the review stores the
hash of its newest event, so an altered, removed or inserted event breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import death_kinds
from ssgp_dhr.cases.models import CaseEvent, EventKind, HoldReason, NotifierKind, QAOutcome, Review
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import recorded_value

GENESIS_HASH = "0" * 64


class CaseFileDisposed(RuntimeError):
    """Something tried to record on a review whose case file was disposed of (retention/)."""


# Events that record something done rather than one field's new value ("Overview report “Draft”,
# version 2 uploaded"; a recommendation's reference): the history titles them with what happened,
# where "<field> changed" would read "Documents changed" over an upload. The review's own are here;
# each area adds its own with register_titles.
EVENT_TITLES = {
    "delay_notice": "Delay reported to the Home Office",
    "delay_notice_corrected": "Delay report corrected",
    "decision_response": "Home Office response to the decision",
    "consideration_panel": "Consideration panel",
    "history_redaction": "Real names redacted from a history entry",
}

# A recorded fact whose column name does not read as words: "hold expected end on changed".
FIELD_NAMES = {
    "death_kind": "kind of death",
    "notifier_kind": "who notified the partnership",
    "notified_by": "service or officer who notified the partnership",
    "inquest_on": "date of the inquest",
    "coroner_request_received_on": "date of the coroner's request for the report",
    "coroner_request_details": "what the coroner asked for",
    "coroner_report_sent_on": "date the report was sent to the coroner",
    "hold_expected_end_on": "expected end of the hold",
    "joint_partnership": "joint partnership",
    "joint_review_kind": "joint review",
    "joint_review_with": "board or partnership sharing the review",
    "summary_only_reason": "reason for publishing only a learning summary",
    "family_agreed_summary_on": "date the family agreed to a learning summary",
    "home_office_agreed_summary_on": "date the Home Office agreed to a learning summary",
}
_QA_ROUND_FIELD = re.compile(r"qa_round_(\d+)_(panel_meeting_on|letter_on)")

# The fields that record a kind (an enum's value), with each value's label.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "qa_outcome": {k.value: k.label for k in QAOutcome},
    "hold_reason": {k.value: k.label for k in HoldReason},
    "death_kind": dict(death_kinds.choices()),
    "notifier_kind": {k.value: k.label for k in NotifierKind},
}


def register_titles(titles: Mapping[str, str], field_names: Mapping[str, str] | None = None) -> None:
    """An area's history entries: titles of the events it records, and its fields' names in words."""
    EVENT_TITLES.update(titles)
    FIELD_NAMES.update(field_names or {})


def register_value_labels(field: str, labels: Mapping[str, str]) -> None:
    """How the values of a field recording a kind read on a page: {'full': 'Full report', ...}."""
    VALUE_LABELS[field] = dict(labels)


def field_name(field: str | None, death_kind: str | None = None) -> str:
    """A changed field in words, lower case: 'expected end of the hold', 'date of death'; the other
    person's name as the review's kind of death calls them."""
    if field in death_kinds.field_names(death_kind):
        return death_kinds.field_names(death_kind)[field]
    if field and (round_field := _QA_ROUND_FIELD.fullmatch(field)):
        number, which = round_field.groups()
        what = "Quality Assurance Panel meeting" if which == "panel_meeting_on" else "Home Office letter"
        return f"date of the {what} (round {number})"
    return FIELD_NAMES.get(field or "", (field or "detail").replace("_", " "))


def value_in_words(field: str | None, value: Any) -> str:
    """A recorded value as a page shows it: a kind by its label ('Full report', not 'full'), dates in UK style."""
    labels = VALUE_LABELS.get(field or "")
    if labels is None:
        return recorded_value(value)
    if isinstance(value, list | tuple):
        return ", ".join(labels.get(str(item), recorded_value(item)) for item in value)
    return labels.get(str(value), recorded_value(value)) if value is not None else ""


def as_text(value: Any) -> str | None:
    """How a value is written into the history: dates as ISO dates, enums by value."""
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(getattr(value, "value", value))


def text_digest(salt: str, path: str, text: str) -> str:
    """The salted digest of one free text of an entry, which the entry's hash commits to."""
    return hashlib.sha256(f"{salt}\x1f{path}\x1f{text}".encode()).hexdigest()


def map_texts(value: Any, change: Callable[[str, str], Any], path: str) -> Any:
    """`value` (a text, or a payload of dicts and lists) with each text at `path`... replaced by `change(path, text)`."""
    if isinstance(value, str):
        return change(path, value)
    if isinstance(value, dict):
        return {key: map_texts(item, change, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [map_texts(item, change, f"{path}.{n}") for n, item in enumerate(value)]
    return value


def entry_texts(event: CaseEvent) -> dict[str, str]:
    """Every free text of an entry by its path: from, to, reason, payload.<key>..."""
    found: dict[str, str] = {}

    def collect(path: str, text: str) -> str:
        found[path] = text
        return text
    for path, value in (("from", event.from_value), ("to", event.to_value), ("reason", event.reason),
                        ("payload", event.payload or {})):
        map_texts(value, collect, path)
    return found


def canonical_json(event: CaseEvent) -> str:
    occurred = event.occurred_at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    body = {
        "review_id": event.review_id,
        "seq": event.seq,
        "actor_id": event.actor_id,
        "occurred_at": occurred,
        "kind": str(event.kind),
        "trigger": event.trigger,
        "field": event.field,
        "from": event.from_value,
        "to": event.to_value,
        "reason": event.reason,
        "payload": event.payload or {},
        "based_on_version": event.based_on_version,
    }
    salt = getattr(event, "salt", None)
    if salt:
        # The texts' digests, and for a redacted text its original's digest: redacting keeps the hash.
        redacted = getattr(event, "redacted", None) or {}

        def digest(path: str, text: str) -> str:
            return "sha256:" + (redacted[path]["sha256"] if path in redacted else text_digest(salt, path, text))
        body.update({key: map_texts(body[key], digest, path) for key, path in (
            ("from", "from"), ("to", "to"), ("reason", "reason"), ("payload", "payload"))})
        body["salt"] = salt
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: CaseEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


def append_event(
    review: Review,
    actor: User | None,
    kind: EventKind,
    *,
    based_on_version: int,
    trigger: str | None = None,
    field: str | None = None,
    from_value: Any = None,
    to_value: Any = None,
    reason: str | None = None,
    payload: dict | None = None,
) -> CaseEvent:
    """Add the next event to the review's chain (in the caller's transaction)."""
    if review.disposed_on is not None:
        # Every area's services refuse first, with a sentence; this holds for any that forgot.
        raise CaseFileDisposed(f"review {review.reference}: its case file was disposed of")
    if review.id is None:
        db.session.flush()
    prev_hash = review.event_head_hash or GENESIS_HASH
    event = CaseEvent(
        review_id=review.id,
        seq=review.event_count + 1,
        actor_id=actor.id if actor else None,
        occurred_at=utcnow(),
        kind=kind,
        trigger=trigger,
        field=field,
        from_value=as_text(from_value),
        to_value=as_text(to_value),
        reason=reason,
        payload=payload or {},
        based_on_version=based_on_version,
        prev_hash=prev_hash,
        salt=secrets.token_hex(16),
    )
    event.hash = event_hash(prev_hash, event)
    review.event_count = event.seq
    review.event_head_hash = event.hash
    db.session.add(event)
    return event


# The parts of a review the history can be narrowed to, each by the fields its entries record; changes
# to the review's own facts (anything not listed) are "details", always last. Areas add theirs with
# register_topic.
HISTORY_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "stages": ("Stage changes", ()),
    "home_office": ("The Home Office", ("delay_notice", "delay_notice_corrected", "decision_response",
                                        "hold_expected_end_on")),
    "details": ("Case details", ()),
}


@dataclass(frozen=True)
class Withheld:
    """A topic only some may read: `may_read(user, review)`, and what the others are told instead."""

    may_read: Callable[[User, Review], bool]
    note: str


WITHHELD: dict[str, Withheld] = {}


def register_topic(key: str, label: str, fields: tuple[str, ...], *, withheld: Withheld | None = None) -> None:
    """A part of the review the history can be narrowed to (before "Case details"), by the fields its
    entries record. Two areas may share a topic ("Publication and action plan"): the second adds its
    fields to it. With `withheld`, only those it allows read these entries' content."""
    if key in HISTORY_TOPICS:
        known_label, known = HISTORY_TOPICS[key]
        HISTORY_TOPICS[key] = (known_label, tuple(dict.fromkeys(known + fields)))
    else:
        details = HISTORY_TOPICS.pop("details")
        HISTORY_TOPICS[key] = (label, fields)
        HISTORY_TOPICS["details"] = details
    if withheld is not None:
        WITHHELD[key] = withheld


def withheld_from(user: User, review: Review) -> dict[str, str]:
    """The fields whose entries `user` may not read on `review`, each with what they are told instead."""
    return {field: rule.note for key, rule in WITHHELD.items() if not rule.may_read(user, review)
            for field in HISTORY_TOPICS[key][1]}


def topics_for(user: User, review: Review) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The topics `user` may narrow the review's history to."""
    return {key: topic for key, topic in HISTORY_TOPICS.items()
            if key not in WITHHELD or WITHHELD[key].may_read(user, review)}


def topic_clause(topic: str) -> sa.ColumnElement[bool]:
    """The review's history entries about `topic` (a key of HISTORY_TOPICS)."""
    if topic == "stages":
        return CaseEvent.kind.in_((EventKind.TRANSITION, EventKind.CREATED))
    if topic == "details":
        listed = [field for _label, fields in HISTORY_TOPICS.values() for field in fields]
        return sa.and_(CaseEvent.kind == EventKind.CHANGE, CaseEvent.field.not_in(listed),
                       ~CaseEvent.field.like("qa_round_%"))
    clause = CaseEvent.field.in_(HISTORY_TOPICS[topic][1])
    return sa.or_(clause, CaseEvent.field.like("qa_round_%")) if topic == "home_office" else clause


def topic_count(review: Review, topic: str) -> int:
    """How many of the review's history entries are about `topic`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)
                             .where(CaseEvent.review_id == review.id, topic_clause(topic)))


def topic_events(review: Review, topic: str, *, skip: int, limit: int) -> list[CaseEvent]:
    """A page of the review's entries about `topic`, newest first."""
    return list(db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.review_id == review.id, topic_clause(topic))
        .order_by(CaseEvent.seq.desc()).offset(skip).limit(limit)))


def newest_events(review: Review, *, skip: int = 0, limit: int) -> list[CaseEvent]:
    """Up to `limit` of the review's events, newest first, after the newest `skip`.

    The entries are numbered 1 to event_count with no gaps (the chain checks it), so a page is a
    range of numbers on the (review, seq) index: as cheap at the oldest page as at the newest.
    """
    newest = review.event_count - skip
    return list(db.session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.review_id == review.id, CaseEvent.seq <= newest, CaseEvent.seq > newest - limit)
        .order_by(CaseEvent.seq.desc())
    ))


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    review_reference: str
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id} (review {self.review_reference}, entry {self.seq})" if self.event_id \
            else f"review {self.review_reference}"
        return f"{where}: {self.problem}"


def verify_review_chain(review: Review, events: list[CaseEvent]) -> ChainBreak | None:
    """The first break in one review's chain, or None when it verifies."""
    return next(iter(review_chain_breaks(review, events)), None)


def review_chain_breaks(review: Review, events: list[CaseEvent]) -> list[ChainBreak]:
    """Every break in one review's chain, oldest first.

    After a break the check carries on from the entry as stored, so a second alteration further on
    is reported too, not hidden behind the first.
    """
    breaks: list[ChainBreak] = []
    prev_hash = GENESIS_HASH
    expected_seq = 1
    by_seq = {event.seq: event for event in events}
    for event in events:
        if event.seq != expected_seq:
            breaks.append(ChainBreak(event.id, review.reference, event.seq,
                                     f"expected entry {expected_seq}: an event is missing"))
            expected_seq = event.seq  # one gap is one break, not one for every entry after it
        elif event.prev_hash != prev_hash:
            breaks.append(ChainBreak(event.id, review.reference, event.seq, "does not follow the event before it"))
        elif event_hash(prev_hash, event) != event.hash:
            breaks.append(ChainBreak(event.id, review.reference, event.seq, "its content does not match its hash"))
        elif event.redacted and (problem := _redaction_problem(event, by_seq)):
            breaks.append(ChainBreak(event.id, review.reference, event.seq, problem))
        prev_hash = event.hash
        expected_seq += 1
    if len(events) != review.event_count or (review.event_head_hash or GENESIS_HASH) != prev_hash:
        last = events[-1] if events else None
        breaks.append(ChainBreak(last.id if last else None, review.reference, last.seq if last else None,
                                 "the newest event does not match the review's record: events were removed or added"))
    return breaks


REDACTION_FIELD = "history_redaction"


def _redaction_problem(event: CaseEvent, by_seq: Mapping[int, CaseEvent]) -> str | None:
    """A redacted text must be named by a later redaction entry of the same chain, which records the
    digest of the text put in its place: else the text was changed, not redacted."""
    texts = entry_texts(event)
    for path, mark in (event.redacted or {}).items():
        entry = by_seq.get(mark.get("entry"))
        recorded = (entry.payload or {}).get("fields", {}) if entry is not None and entry.field == REDACTION_FIELD \
            and (entry.payload or {}).get("entry") == event.seq else {}
        if path not in recorded:
            return f"its {path} is marked redacted, but no redaction entry records it"
        if path in texts and text_digest(event.salt, path, texts[path]) != recorded[path]:
            return f"its {path} does not match the text its redaction recorded"
    return None


@dataclass(frozen=True)
class Redaction:
    review_reference: str
    seq: int
    paths: tuple[str, ...]
    by_entry: int

    def __str__(self) -> str:
        return (f"review {self.review_reference}, entry {self.seq}: {', '.join(self.paths)} redacted "
                f"(recorded in entry {self.by_entry})")


def redactions() -> list[Redaction]:
    """Every redacted entry of every review, for verify-audit's report."""
    found = []
    for reference, seq, redacted in db.session.execute(
            sa.select(Review.reference, CaseEvent.seq, CaseEvent.redacted).join(Review, Review.id == CaseEvent.review_id)
            .where(CaseEvent.redacted.is_not(None)).order_by(Review.reference, CaseEvent.seq)):
        if redacted:
            entries = {mark.get("entry") for mark in redacted.values()}
            found.append(Redaction(reference, seq, tuple(sorted(redacted)), max(e for e in entries if e is not None)))
    return found


def chain_breaks() -> tuple[int, list[ChainBreak]]:
    """Walk every review's chain; return the number of events checked and every break found."""
    checked, breaks = 0, []
    for review, events in _events_by_review():
        breaks.extend(review_chain_breaks(review, events))
        checked += len(events)
    return checked, breaks


def verify_all() -> tuple[int, ChainBreak | None]:
    """Walk every review's chain; return the number of events checked and the first break, if any."""
    checked, breaks = chain_breaks()
    return checked, (breaks[0] if breaks else None)


def _events_by_review() -> Iterator[tuple[Review, list[CaseEvent]]]:
    reviews = db.session.scalars(sa.select(Review).order_by(Review.id)).all()
    for review in reviews:
        events = db.session.scalars(
            sa.select(CaseEvent).where(CaseEvent.review_id == review.id).order_by(CaseEvent.seq)
        ).all()
        yield review, list(events)
