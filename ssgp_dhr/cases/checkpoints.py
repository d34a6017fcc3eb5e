"""Signed checkpoints of the history: an anchor kept outside the database.

The hash chain shows that an entry was changed, unless whoever changed it also recomputed every hash
after it and the review's head, which anyone able to write to the database can do. A checkpoint
records, for every review, how many entries its history had and the hash of the newest, signed with
an Ed25519 key kept away from the database; the public key alone checks it later. Because each hash
covers every entry before it, an entry removed or rewritten since the checkpoint changes the hash
found at the checkpoint's position, however carefully the chain was rehashed afterwards.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ssgp_dhr.cases.history import GENESIS_HASH, chain_breaks
from ssgp_dhr.cases.models import CaseEvent, Review
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db

FORMAT = "ssgp-dhr-history-checkpoint/1"


class CheckpointRefused(Exception):
    """A checkpoint that cannot be taken or trusted; the message says why in one sentence."""


@dataclass(frozen=True)
class CheckpointFinding:
    review_reference: str
    problem: str

    def __str__(self) -> str:
        return f"review {self.review_reference}: {self.problem}"


def write_signing_key(path: Path) -> Path:
    """Make a new signing key at `path` (readable by its owner only) and its public key beside it."""
    public_path = path.with_name(path.name + ".pub")
    if path.exists() or public_path.exists():
        raise CheckpointRefused(f"{path} or {public_path} already exists: a key is never overwritten")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private_pem)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return public_path


def read_signing_key(path: Path) -> Ed25519PrivateKey:
    key = _read_pem(path, serialization.load_pem_private_key)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointRefused(f"{path} is not an Ed25519 private key")
    return key


def read_public_key(path: Path) -> Ed25519PublicKey:
    """The key that checks checkpoints: a public key file, or the public half of a signing key."""
    try:
        key: Any = _read_pem(path, serialization.load_pem_public_key)
    except CheckpointRefused:
        key = read_signing_key(path).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointRefused(f"{path} is not an Ed25519 public key")
    return key


def _read_pem(path: Path, load: Any) -> Any:
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise CheckpointRefused(f"cannot read {path}: {problem.strerror}") from None
    try:
        return load(data, password=None) if load is serialization.load_pem_private_key else load(data)
    except (ValueError, TypeError):
        raise CheckpointRefused(f"{path} is not a key in PEM form") from None


def take_checkpoint(key: Ed25519PrivateKey) -> dict[str, Any]:
    """The signed state of every review's history now; refused while any chain is broken.

    Signing a broken chain would vouch for whatever broke it, so the chains are verified first.
    """
    checked, breaks = chain_breaks()
    if breaks:
        raise CheckpointRefused(f"the history does not verify ({len(breaks)} break(s), first: {breaks[0]}): "
                                "run verify-audit; no checkpoint was written")
    rows = db.session.execute(sa.select(Review.id, Review.reference, Review.event_count, Review.event_head_hash)
                              .order_by(Review.id)).all()
    body = {
        "format": FORMAT,
        "taken_at": utcnow().isoformat(timespec="seconds"),
        "entries_checked": checked,
        "reviews": [{"id": row.id, "reference": row.reference, "entries": row.event_count,
                     "newest_hash": row.event_head_hash or GENESIS_HASH} for row in rows],
    }
    return {**body, "signature": base64.b64encode(key.sign(_signed_bytes(body))).decode("ascii")}


def write_checkpoint(path: Path, key: Ed25519PrivateKey) -> dict[str, Any]:
    checkpoint = take_checkpoint(key)
    path.write_text(json.dumps(checkpoint, indent=1) + "\n", encoding="utf-8")
    return checkpoint


def read_checkpoint(path: Path, key: Ed25519PublicKey) -> dict[str, Any]:
    """The checkpoint in `path`, once its signature is checked against `key`."""
    try:
        checkpoint = json.loads(path.read_text(encoding="utf-8"))
        body = {name: value for name, value in checkpoint.items() if name != "signature"}
        if body.get("format") != FORMAT:
            raise CheckpointRefused(f"{path} is not a history checkpoint")
        key.verify(base64.b64decode(checkpoint["signature"], validate=True), _signed_bytes(body))
    except InvalidSignature:
        raise CheckpointRefused(f"{path}'s signature does not match the key: it was altered or signed "
                                "with another key") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise CheckpointRefused(f"{path} cannot be read as a history checkpoint") from None
    return checkpoint


def taken_at(checkpoint: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(checkpoint["taken_at"])


def findings_against(checkpoint: dict[str, Any]) -> list[CheckpointFinding]:
    """Each review whose history lost or changed entries that the checkpoint recorded."""
    findings = []
    for recorded in checkpoint["reviews"]:
        review = db.session.get(Review, recorded["id"])
        problem = _compare(review, recorded["entries"], recorded["newest_hash"])
        if problem:
            findings.append(CheckpointFinding(recorded["reference"], problem))
    return findings


def _compare(review: Review | None, entries: int, newest_hash: str) -> str | None:
    if review is None:
        return "the review is gone from the database"
    if entries == 0:
        return None
    if review.disposed_on is not None:
        return _compare_disposed(review, entries, newest_hash)
    hash_then = db.session.scalar(sa.select(CaseEvent.hash).where(CaseEvent.review_id == review.id,
                                                                 CaseEvent.seq == entries))
    if hash_then is None:
        return (f"the checkpoint recorded {entries} entries and entry {entries} is gone: "
                f"entries were removed (the history now has {review.event_count})")
    if hash_then != newest_hash:
        return f"entry {entries} or one before it was rewritten since the checkpoint (its hash differs)"
    return None


def _compare_disposed(review: Review, entries: int, newest_hash: str) -> str | None:
    """A disposal destroys the history under the retention schedule and records what it destroyed."""
    disposal = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.review_id == review.id,
                                                            CaseEvent.seq == 1))
    payload = (disposal.payload if disposal else None) or {}
    destroyed = payload.get("history_entries")
    if not isinstance(destroyed, int) or destroyed < entries:
        return "the case file's disposal does not account for the entries the checkpoint recorded"
    if destroyed == entries and payload.get("history_head_hash") != newest_hash:
        return "the history destroyed at disposal differs from the one the checkpoint recorded"
    return None


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
