"""The real names recorded on a review: THE list every anonymisation check and every masking reads.

The victim's and the other person's names are the review's own fields; other areas add the people
they record with a real name (the panel adds the family contacts) by registering a source here, so
a new kind of named person is covered by the check and the masking at once.

Each name has a stable `key` (what a stored check or decision refers to, never the name itself) and
a `role` that anyone who may see the review may read ("Victim", "Family contact (sister)"); the
name itself is for those who may see real names only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ssgp_dhr.cases.models import Review


@dataclass(frozen=True)
class RestrictedName:
    key: str  # "victim_name", "perpetrator_name", "family_contact:12"
    role: str  # who the person is, without naming them
    name: str  # the real name as recorded


NameSource = Callable[[Review], Iterable[RestrictedName]]
_sources: dict[str, NameSource] = {}


def register_name_source(key: str, source: NameSource) -> None:
    """Add the named people an area records; `key` makes registering twice harmless."""
    _sources[key] = source


def perpetrator_role(review: Review) -> str:
    """How the person recorded in `perpetrator_name` is described: as the review's kind of death calls them
    (after a suicide, the person alleged to have caused harm)."""
    return review.wording.other_person_key


def _review_names(review: Review) -> Iterable[RestrictedName]:
    if review.victim_name and review.victim_name.strip():
        yield RestrictedName("victim_name", "Victim", review.victim_name)
    if review.perpetrator_name and review.perpetrator_name.strip():
        yield RestrictedName("perpetrator_name", perpetrator_role(review), review.perpetrator_name)


def restricted_names(review: Review) -> list[RestrictedName]:
    """Every real name recorded on the review, the review's own first, then each area's."""
    names = list(_review_names(review))
    if review.id is not None:
        for source in _sources.values():
            names.extend(n for n in source(review) if n.name and n.name.strip())
    return names


def role_of(review: Review, key: str | None) -> str:
    """The role recorded under `key`, as it is now (a name removed since is described by its kind)."""
    for name in restricted_names(review):
        if name.key == key:
            return name.role
    return {"victim_name": "Victim", "perpetrator_name": perpetrator_role(review)}.get(
        key or "", (key or "").split(":")[0].replace("_", " ").capitalize())
