"""The kind of death a review is about, and the words that fit each: the one place they are written.

Reviews are held after killings and, as the statutory guidance has asked since 2016 and the Victims and
Prisoners Act 2024 makes plain with "Domestic Abuse Related Death Reviews", after suicides and other
unexpected deaths following domestic abuse. After a suicide there is no killer: the other person is
"the person alleged to have caused harm", often never charged. Pages, e-mails, CSVs and the feed take
their words from `wording(kind)`, never from conditionals of their own, so no page about a suicide calls
anyone a perpetrator or says the victim was killed.

The other person's real name is one stored field (`Review.perpetrator_name`) whatever the kind: it stays
restricted, and looked for by the anonymisation check, exactly as before; only its label changes.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class DeathKind(enum.StrEnum):
    DOMESTIC_HOMICIDE = "domestic_homicide"
    SUICIDE = "suicide"
    OTHER_UNEXPECTED_DEATH = "other_unexpected_death"

    @property
    def label(self) -> str:
        return wording(self).label

    @property
    def is_killing(self) -> bool:
        return self is DeathKind.DOMESTIC_HOMICIDE


@dataclass(frozen=True)
class Wording:
    """How pages speak of one kind of death."""

    label: str  # "Suicide or suspected suicide following domestic abuse": forms, case page, exports
    short_label: str  # for the columns and filters of lists: "Suicide"
    other_person: str  # the other person, mid-sentence: "the perpetrator"
    other_person_key: str  # the case page's row for their real name: "Perpetrator"
    other_person_name: str  # the form's label for their real name
    other_person_field: str  # their name's field in the history: "perpetrator's name"
    # The hold reasons offered, most likely first: after a suicide the inquest is the main parallel proceeding,
    # though criminal proceedings (for controlling or coercive behaviour, say) are possible too.
    hold_reasons_first: tuple[str, ...]


_WORDING = {
    DeathKind.DOMESTIC_HOMICIDE: Wording(
        label="Domestic homicide", short_label="Domestic homicide",
        other_person="the perpetrator", other_person_key="Perpetrator",
        other_person_name="Perpetrator's full name", other_person_field="perpetrator's name",
        hold_reasons_first=("criminal_proceedings", "inquest", "iopc", "other")),
    DeathKind.SUICIDE: Wording(
        label="Suicide or suspected suicide following domestic abuse", short_label="Suicide",
        other_person="the person alleged to have caused harm", other_person_key="Person alleged to have caused harm",
        other_person_name="Full name of the person alleged to have caused harm",
        other_person_field="name of the person alleged to have caused harm",
        hold_reasons_first=("inquest", "criminal_proceedings", "iopc", "other")),
    DeathKind.OTHER_UNEXPECTED_DEATH: Wording(
        label="Other unexpected death following domestic abuse", short_label="Other unexpected death",
        other_person="the person alleged to have caused harm", other_person_key="Person alleged to have caused harm",
        other_person_name="Full name of the person alleged to have caused harm",
        other_person_field="name of the person alleged to have caused harm",
        hold_reasons_first=("inquest", "criminal_proceedings", "iopc", "other")),
}

# Before the kind is chosen (the notification form, first shown): both words, so it fits whichever it is.
OTHER_PERSON_NAME_UNKNOWN_KIND = "Full name of the perpetrator, or of the person alleged to have caused harm"


def wording(kind: DeathKind | str | None) -> Wording:
    """The words for `kind` (a DeathKind or its stored value); a review from before kinds were recorded
    is a domestic homicide, as the migration made every one."""
    try:
        return _WORDING[DeathKind(kind)] if kind else _WORDING[DeathKind.DOMESTIC_HOMICIDE]
    except ValueError:
        return _WORDING[DeathKind.DOMESTIC_HOMICIDE]


def field_names(kind: DeathKind | str | None) -> dict[str, str]:
    """The review's fields whose names depend on the kind of death, in words for the history."""
    return {"perpetrator_name": wording(kind).other_person_field}


def choices() -> list[tuple[str, str]]:
    """(value, label) of each kind, for a form's radios or a list's filter."""
    return [(kind.value, kind.label) for kind in DeathKind]


# Words that say someone was killed, or call the other person the perpetrator: untrue of a death that was
# not a killing. A public text about such a review (its summaries) is refused while it uses one.
_KILLING_WORDS = re.compile(r"\b(killed|killing|killer|perpetrators?)\b", re.IGNORECASE)


def words_that_do_not_fit(kind: DeathKind | str | None, text: str | None) -> list[str]:
    """The words in `text` that do not fit `kind` of death, as typed, each once, in order."""
    if wording(kind) is _WORDING[DeathKind.DOMESTIC_HOMICIDE] or not text:
        return []
    return list(dict.fromkeys(match.group(0) for match in _KILLING_WORDS.finditer(text)))
