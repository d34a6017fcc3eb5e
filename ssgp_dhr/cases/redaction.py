"""Redacting a real name typed into a history entry, keeping the chain.

An entry's hash commits to a salted digest of each of its free texts (history.canonical_json), so a
text can be replaced and the hash still verifies. A coordinator of the lead partnership redacts, with
a reason: every recorded real name in the entry's texts is replaced as masking replaces it (the
victim's by the pseudonym, anyone else's by "[name withheld]"); the entry keeps the original texts'
digests in `redacted`, and a new entry records the redaction (which entry, which texts, the digest
of each text put in their place, the reason), so `dhr verify-audit` can tell a redaction from an
alteration and reports each one. On PostgreSQL the change goes through `redact_case_event`, which
runs as the table's owner; the trigger still refuses every other change (migration 0037).
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.history import REDACTION_FIELD, append_event, entry_texts, map_texts, text_digest
from ssgp_dhr.cases.models import CaseEvent, EventKind, Review
from ssgp_dhr.cases.names import mask, restricted_names
from ssgp_dhr.cases.policy import can_advance
from ssgp_dhr.cases.services import NotPermitted, WorkflowError, commit_once
from ssgp_dhr.extensions import db


def may_redact(user: User | None, review: Review) -> bool:
    """A coordinator of the review's lead partnership (not of a joint one)."""
    return can_advance(user, review) and (Role.COORDINATOR, review.lead_partnership_id) in user.grants


def redacted_texts(review: Review, event: CaseEvent) -> dict[str, tuple[str, str]]:
    """{path: (text, text redacted)} for each text of the entry holding a recorded real name."""
    names = restricted_names(review)
    found = {}
    for path, text in entry_texts(event).items():
        replaced = mask(text, review, names)
        if replaced != text:
            found[path] = (text, replaced)
    return found


def redact_entry(review: Review, actor: User, event: CaseEvent, reason: str | None) -> CaseEvent:
    """Redact every recorded real name from `event`'s texts; returns the entry recording the redaction."""
    if not may_redact(actor, review):
        raise NotPermitted("Only a coordinator of the review's lead partnership can redact its history")
    if event.review_id != review.id:
        raise WorkflowError("That entry is not in this review's history")
    if not event.salt:
        raise WorkflowError("This entry was recorded before entries could be redacted: its texts are part of its hash")
    if not (reason or "").strip():
        raise WorkflowError("Give the reason for the redaction")
    changes = redacted_texts(review, event)
    if not changes:
        raise WorkflowError("There is no recorded real name in this entry")
    record = append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field=REDACTION_FIELD,
                          reason=reason.strip(), payload={"entry": event.seq, "fields": {
                              path: text_digest(event.salt, path, new) for path, (_old, new) in sorted(changes.items())}})
    marks = dict(event.redacted or {})
    for path, (old, _new) in changes.items():
        # A text redacted twice keeps its first original's digest: that is what the hash commits to.
        marks[path] = {**marks.get(path, {"sha256": text_digest(event.salt, path, old)}), "entry": record.seq}
    _write(event, {path: new for path, (_old, new) in changes.items()}, marks)
    commit_once()
    return record


def _write(event: CaseEvent, new_texts: dict[str, str], marks: dict) -> None:
    def replaced(path: str, text: str) -> str:
        return new_texts.get(path, text)
    values = {"from_value": map_texts(event.from_value, replaced, "from"),
              "to_value": map_texts(event.to_value, replaced, "to"),
              "reason": map_texts(event.reason, replaced, "reason"),
              "payload": map_texts(event.payload or {}, replaced, "payload"), "redacted": marks}
    if db.engine.dialect.name == "postgresql":
        # The service's role may not change the history: this function, run as its owner, may (0037).
        db.session.flush()
        db.session.execute(sa.select(sa.func.redact_case_event(
            event.id, values["from_value"], values["to_value"], values["reason"], json.dumps(values["payload"]),
            json.dumps(marks))))
        db.session.expire(event)
    else:
        for column, value in values.items():
            setattr(event, column, value)
