"""The real names recorded on a review: THE list every anonymisation check and every masking reads.

The victim's and the other person's names are the review's own fields; other areas add the people
they record with a real name (the panel adds the family contacts) by registering a source here, so
a new kind of named person is covered by the check and the masking at once.

Each name has a stable `key` (what a stored check or decision refers to, never the name itself) and
a `role` that anyone who may see the review may read ("Victim", "Family contact (sister)"); the
name itself is for those who may see real names only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import sqlalchemy as sa

from ssgp_dhr.cases.models import Review


@dataclass(frozen=True)
class RestrictedName:
    key: str  # "victim_name", "perpetrator_name", "family_contact:12"
    role: str  # who the person is, without naming them
    name: str  # the real name as recorded


# Frequent surnames and given names that are also ordinary words: the check marks a finding of one as
# possibly someone or something else, and masking hides one only where it is written as a name.
COMMON_WORDS = frozenset("""
smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson thompson wright walker
white edwards hughes green hall lewis harris clarke patel jackson wood turner martin cooper hill ward morris
moore clark king baker harrison morgan allen james scott phillips watson davis parker price bennett young
griffiths mitchell kelly cook carter richardson bailey collins bell shaw murphy miller richards khan marshall
anderson simpson ellis adams singh begum wilkinson foster chapman powell webb rogers gray grey mason hunt
hussain campbell matthews owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens
jenkins murray dixon harvey long field page
grace hope faith rose mark will joy dawn june summer amber ruby pearl holly iris ivy lily daisy heather
victoria april august autumn bill frank jack ray rich sky robin hazel violet crystal angel skye
""".split())  # noqa: SIM905 - a word list reads better as text

# Parts of a name not looked for alone: they join names rather than name anyone.
PARTICLES = frozenset({"de", "da", "di", "del", "der", "den", "la", "le", "van", "von", "bin", "ibn", "al", "el"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
WITHHELD = "[name withheld]"


def fold(text: str) -> str:
    """Text as names are compared: accents dropped, apostrophes straight, case folded."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_parts(name: str) -> list[str]:
    """The parts of a name, folded: "Anne-Marie O'Neil (née Smith)" gives anne, marie, o'neil, nee, smith."""
    return [p for p in (w.strip(".'") for w in re.split(r"[\s,()\-]+", fold(name))) if p]


def searched_parts(name: str, pseudonym: str | None) -> list[str]:
    """The parts of a recorded name looked for alone: not one letter, a particle or a word of the pseudonym."""
    safe = set(name_parts(pseudonym or "")) | PARTICLES
    return [p for p in name_parts(re.sub(r"\(.*?\)", " ", name)) if len(p) >= 2 and p not in safe]


NameSource = Callable[[Review], Iterable[RestrictedName]]
# The same for many reviews at once (a list, a CSV): review id -> names, in one query.
ManyNameSource = Callable[[Sequence[Review]], Mapping[int, Iterable[RestrictedName]]]
_sources: dict[str, NameSource] = {}
_many_sources: dict[str, ManyNameSource] = {}


def register_name_source(key: str, source: NameSource, many: ManyNameSource | None = None) -> None:
    """Add the named people an area records (`many`: for many reviews in one query); `key` makes
    registering twice harmless."""
    _sources[key] = source
    if many is not None:
        _many_sources[key] = many


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
    """Every real name recorded on the review, the review's own first, then each area's; none once its
    case file is disposed of (the names were destroyed: what the fields hold then says so)."""
    if review.disposed_on is not None:
        return []
    names = list(_review_names(review))
    if review.is_written:
        for source in _sources.values():
            names.extend(n for n in source(review) if n.name and n.name.strip())
    return names


def restricted_names_of(reviews: Sequence[Review]) -> dict[int, list[RestrictedName]]:
    """restricted_names for many reviews, by review id, in a query per area rather than per review."""
    found = {review.id: list(_review_names(review)) if review.disposed_on is None else [] for review in reviews}
    for key, source in _sources.items():
        kept = [review for review in reviews if review.disposed_on is None]
        if key in _many_sources:
            for review_id, named in _many_sources[key](kept).items():
                found[review_id].extend(n for n in named if n.name and n.name.strip())
        else:
            for review in kept:
                found[review.id].extend(n for n in source(review) if n.name and n.name.strip())
    return found


def role_of(review: Review, key: str | None) -> str:
    """The role recorded under `key`, as it is now (a name removed since is described by its kind)."""
    for name in restricted_names(review):
        if name.key == key:
            return name.role
    return {"victim_name": "Victim", "perpetrator_name": perpetrator_role(review)}.get(
        key or "", (key or "").split(":")[0].replace("_", " ").capitalize())


# --- Masking: real names typed into free text, for those who may not see them --------------------

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_JOINED = re.compile(r"[\s\-.]*")  # what may stand between two parts of one name


def _name_words(text: str, parts: Container[str]) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, part, word as written) of each word of `text` that is one of the folded name `parts`:
    whole, whatever its case and accents, with a possessive or plural (`end` before a possessive), never
    inside another word. The one rule masking and every search for a person's name follow."""
    # Apostrophes made straight first (one character for one, so the positions hold): "O’Neil" is one word.
    for match in _WORD.finditer(text.translate(_APOSTROPHES)):
        word = match.group()
        folded = fold(word)
        possessive = folded.endswith("'s")
        base = folded[:-2] if possessive else folded
        base = base if base in parts or not base.endswith("s") else base[:-1]
        if base in parts:
            yield match.start(), match.end() - (2 if possessive else 0), base, word


def names_person(text: str | None, name: str) -> bool:
    """Whether `text` names the person called `name`: every part of the name, in order, each a whole word
    (whatever its case and accents, a possessive allowed), joined only by spaces, hyphens or full stops.
    "John Smith" is in "a letter to JOHN SMITH's sister", not in "Johnson Smithers" nor in "Smith, John"."""
    parts = name_parts(re.sub(r"\(.*?\)", " ", name))
    if not text or not parts or not _may_hold(text, parts[-1]):
        return False
    found = list(_name_words(text, set(parts)))
    for at in range(len(found) - len(parts) + 1):
        run = found[at:at + len(parts)]
        if [base for _, _, base, _ in run] == parts and all(
                _JOINED.fullmatch(text[before[1]:after[0]]) for before, after in pairwise(run)):
            return True
    return False


def _may_hold(text: str, part: str) -> bool:
    # Most texts are plain ASCII: a substring test rules most of them out before the words are read.
    return part in (text.casefold() if text.isascii() and "`" not in text else fold(text))


def mask(text: str | None, review: Review, names: list[RestrictedName] | None = None) -> str | None:
    """`text` with each recorded real name in it replaced: the victim's by the pseudonym, anyone
    else's (or a part several people share, a family surname) by "[name withheld]". A whole part of
    a name counts, whatever its case and accents and with a possessive or plural, never inside
    another word; a part that is also a common word ("Mark", "June") only where it is written with a
    capital. The parts of one person's name written together are replaced once."""
    if not text:
        return text
    names = restricted_names(review) if names is None else names
    whose: dict[str, set[str]] = {}
    for name in names:
        for part in searched_parts(name.name, review.pseudonym):
            whose.setdefault(part, set()).add(name.key)
    if not whose:
        return text
    spans: list[tuple[int, int, set[str]]] = []
    for start, end, base, word in _name_words(text, whose):
        if base in COMMON_WORDS and not word[:1].isupper():
            continue
        keys = whose[base]
        if spans and spans[-1][2] & keys and _JOINED.fullmatch(text[spans[-1][1]:start]):
            spans[-1] = (spans[-1][0], end, spans[-1][2] & keys)  # the next part of the same person's name
        else:
            spans.append((start, end, keys))
    out, at = [], 0
    for start, end, keys in spans:
        out += [text[at:start], review.pseudonym if keys == {"victim_name"} else WITHHELD]
        at = end
    return "".join([*out, text[at:]])


def masked_for(user: object, review: Review, text: str | None) -> str | None:
    """`text` as `user` may read it: unchanged for those who may see real names, masked for everyone else.

    THE function every page, CSV and e-mail showing free text about a review goes through (the
    `masked` template filter calls it); the names are read once per review and request.
    """
    from flask import g, has_request_context

    from ssgp_dhr.cases.policy import can_see_real_names

    if not text or (user is not None and can_see_real_names(user, review)):
        return text
    if not has_request_context():
        return mask(text, review)
    cache = g.setdefault("restricted_names", {})
    if review.id not in cache:
        cache[review.id] = restricted_names(review)
    return mask(text, review, cache[review.id])


def remember_names(reviews: Sequence[Review]) -> None:
    """Read the real names of `reviews` for masked_for in this request at once, a query per area rather than
    per review: for a download masking the text of many reviews."""
    from flask import g, has_request_context

    if has_request_context():
        cache = g.setdefault("restricted_names", {})
        cache.update(restricted_names_of([review for review in reviews if review.id not in cache]))


def masker(user: object, reviews: Iterable[Review]) -> Callable[[int, str | None], str | None]:
    """For rows about many reviews (a list, a CSV): `masked(review_id, text)`, masking each row's
    text as masked_for would, with the names read once for all the reviews."""
    from ssgp_dhr.cases.policy import can_see_real_names
    from ssgp_dhr.extensions import db

    hidden = [review for review in reviews if not can_see_real_names(user, review)]
    if hidden:  # the reviews may have been read without their names: read them all at once
        db.session.scalars(sa.select(Review).where(Review.id.in_([r.id for r in hidden]))).all()
    names = restricted_names_of(hidden)
    by_id = {review.id: review for review in hidden}
    return lambda review_id, text: mask(text, by_id[review_id], names[review_id]) if review_id in by_id else text


def masker_of(user: object, review_ids: Iterable[int]) -> Callable[[int, str | None], str | None]:
    """masker for the reviews with these ids: the reviews read with only what decides who may see
    their names (a reader who may see them never has them read), then the names of the others."""
    from sqlalchemy.orm import load_only, selectinload

    from ssgp_dhr.extensions import db

    ids = set(review_ids)
    reviews = db.session.scalars(sa.select(Review).where(Review.id.in_(ids)).options(
        load_only(Review.id, Review.lead_partnership_id, Review.joint_partnership_id, Review.pseudonym,
                  Review.disposed_on), selectinload(Review.panel))).all() if ids else []
    return masker(user, reviews)
