"""The columns of a partnership's spreadsheet of reviews: one per field, each with its heading, hint and
the values it allows. The template, the reading of a file, the import and the export all use these.

The Reviews sheet has one row per review. What a review can have several of has its own sheet, each row
naming its review by the partnership's reference: the Home Office rounds, the holds and the delay
notices. A CSV file holds the Reviews sheet only."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cached_property

from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.forms import PUBLISHED_DOCUMENTS
from ssgp_dhr.cases.models import DeadlineKind, DelayCause, HoldReason, QAOutcome
from ssgp_dhr.cases.stages import Stage


class Kind(enum.Enum):
    TEXT = "text"
    LONG_TEXT = "long text"
    DATE = "date"
    NUMBER = "number"
    CHOICE = "choice"
    LIST = "list"


class HowPublished(enum.StrEnum):
    FULL_REPORT = "full_report"
    LEARNING_SUMMARY = "learning_summary"

    @property
    def label(self) -> str:
        return {"full_report": "Full report", "learning_summary": "Learning summary only"}[self.value]


@dataclass(frozen=True)
class Column:
    key: str  # the review's field (or the action's) the column records
    heading: str
    kind: Kind
    hint: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a choice or a list
    longest: int = 200
    most: int = 130  # the largest number a number column takes (an age in years, by default)


def _choices(kinds: type[enum.Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((k.value, k.label) for k in kinds)


DATE_HINT = "A date, like 21/03/2024"
COLUMNS: tuple[Column, ...] = (
    Column("partnership_reference", "Partnership reference", Kind.TEXT,
           "Your own reference for the review, kept beside the tracker's", required=True, longest=60),
    Column("pseudonym", "Pseudonym", Kind.TEXT, "The name the review uses in place of the real one",
           required=True, longest=80),
    Column("victim_name", "Name of the person who died", Kind.TEXT, "Their real name: seen only by those allowed",
           required=True),
    Column("perpetrator_name", "Name of the other person", Kind.TEXT,
           "Their real name, if any: seen only by those allowed"),
    Column("victim_age", "Age", Kind.NUMBER, "Their age when they died, in years"),
    Column("death_kind", "Kind of death", Kind.CHOICE, "Blank for a domestic homicide", choices=_choices(DeathKind)),
    Column("date_of_death", "Date of death", Kind.DATE, DATE_HINT, required=True),
    Column("notified_on", "Date notified", Kind.DATE, "The day the partnership was told of the death", required=True),
    Column("notified_by", "Notified by", Kind.TEXT, "The service or officer who told the partnership", required=True),
    Column("stage", "Stage", Kind.CHOICE,
           "The stage the review has reached (if it is on hold, the stage it left: the hold is on the Holds sheet)",
           required=True,
           choices=tuple((s.value, s.label) for s in Stage if s is not Stage.ON_HOLD)),
    Column("decision_on", "Date of decision", Kind.DATE, "The decision whether to hold a review"),
    Column("home_office_told_on", "Date Home Office told", Kind.DATE, "The Home Office told of the decision"),
    Column("decline_reasons", "Reasons for not holding a review", Kind.LONG_TEXT, "When no review is held",
           longest=5_000),
    Column("chair_name", "Chair", Kind.TEXT, "The independent chair's name"),
    Column("chair_appointed_on", "Date chair appointed", Kind.DATE, DATE_HINT),
    Column("terms_of_reference_agreed_on", "Date terms of reference agreed", Kind.DATE,
           "With the chair appointed, the panel is convened"),
    Column("overview_report_completed_on", "Date overview report completed", Kind.DATE, DATE_HINT),
    Column("executive_summary_completed_on", "Date executive summary completed", Kind.DATE, DATE_HINT),
    Column("action_plan_completed_on", "Date action plan completed", Kind.DATE, DATE_HINT),
    Column("panel_signed_off_on", "Date panel signed off", Kind.DATE, DATE_HINT),
    Column("partnership_signed_off_on", "Date partnership signed off", Kind.DATE, DATE_HINT),
    Column("submitted_on", "Date submitted to the Home Office", Kind.DATE,
           "The first submission; later ones on the Home Office rounds sheet"),
    Column("letter_on", "Date of Home Office letter", Kind.DATE, "The Quality Assurance Panel's answer to the first"),
    Column("qa_outcome", "Home Office outcome", Kind.CHOICE, "What the first letter says",
           choices=_choices(QAOutcome)),
    Column("changes_requested", "Changes requested", Kind.LONG_TEXT, "The changes the first letter asks for",
           longest=5_000),
    Column("how_published", "How published", Kind.CHOICE, "Once published", choices=_choices(HowPublished)),
    Column("published_on", "Date published", Kind.DATE, DATE_HINT),
    Column("publication_url", "Web address of the publication", Kind.TEXT, "Like https://example.org/dhr",
           longest=500),
    Column("published_documents", "Documents published", Kind.LIST, "A full report's documents, separated by ;",
           choices=PUBLISHED_DOCUMENTS),
    Column("summary_only_reason", "Why only a learning summary", Kind.LONG_TEXT, "A learning summary only",
           longest=5_000),
    Column("family_agreed_summary_on", "Date family agreed to a learning summary", Kind.DATE, DATE_HINT),
    Column("home_office_agreed_summary_on", "Date Home Office agreed to a learning summary", Kind.DATE, DATE_HINT),
    Column("closed_on", "Date closed", Kind.DATE, "The day monitoring of the action plan ended"),
    Column("agencies", "Agencies", Kind.LIST, "The agencies involved, by name or short name, separated by ;"),
)
BY_KEY = {column.key: column for column in COLUMNS}

REFERENCE = Column("partnership_reference", "Partnership reference", Kind.TEXT,
                   "The review's reference, as on the Reviews sheet", required=True, longest=60)
ROUND_COLUMNS: tuple[Column, ...] = (
    REFERENCE,
    Column("round", "Round", Kind.NUMBER, "1 for the first submission, 2 for the next, and so on", required=True,
           most=50),
    Column("submitted_on", "Date submitted", Kind.DATE, "The day the report (or its revision) went to the Home Office",
           required=True),
    Column("panel_meeting_on", "Date of the Quality Assurance Panel meeting", Kind.DATE, "If known"),
    Column("letter_on", "Date of Home Office letter", Kind.DATE, "Blank while the Home Office has not answered"),
    Column("qa_outcome", "Home Office outcome", Kind.CHOICE, "What the letter says; blank is revise and resubmit",
           choices=_choices(QAOutcome)),
    Column("changes_requested", "Changes requested", Kind.LONG_TEXT, "The changes the letter asks for",
           longest=5_000),
)
HOLD_COLUMNS: tuple[Column, ...] = (
    REFERENCE,
    Column("hold_started_on", "Date put on hold", Kind.DATE, DATE_HINT, required=True),
    Column("hold_reason", "Waiting for", Kind.CHOICE, "The parallel proceedings", required=True,
           choices=_choices(HoldReason)),
    Column("hold_details", "Details of the proceedings", Kind.LONG_TEXT, "Such as the court and the charge",
           required=True, longest=5_000),
    Column("hold_expected_end_on", "Date expected to end", Kind.DATE, DATE_HINT, required=True),
    Column("inquest_on", "Date of the inquest", Kind.DATE, "A hold for an inquest, once it is listed"),
    Column("hold_ended_on", "Date resumed", Kind.DATE, "Blank while the review is still on hold"),
)
DELAY_COLUMNS: tuple[Column, ...] = (
    REFERENCE,
    Column("deadline", "What is late", Kind.CHOICE, "The decision whether to hold a review, or the report",
           required=True, choices=tuple((k.value, k.what.removeprefix("the ").capitalize()) for k in DeadlineKind)),
    Column("told_on", "Date Home Office told", Kind.DATE, "The day the Home Office was told of the delay",
           required=True),
    Column("cause", "Cause", Kind.CHOICE, "The main cause of the delay", required=True, choices=_choices(DelayCause)),
    Column("explanation", "Explanation", Kind.LONG_TEXT, "As the Home Office was told it", required=True,
           longest=5_000),
    Column("expected_on", "Date now expected", Kind.DATE, "When the Home Office was told to expect it",
           required=True),
)


def heading_key(heading: object) -> str:
    """A heading as it is matched: whatever its case and spacing (and "_" for a space)."""
    return " ".join(str(heading or "").replace("_", " ").lower().split())


@dataclass(frozen=True)
class SheetKind:
    """A sheet of the workbook: its name, the columns it takes, and what one of its rows is, for a sentence."""

    name: str
    columns: tuple[Column, ...]
    one: str  # "a hold"

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}

    @cached_property
    def matched(self) -> dict[str, Column]:
        return {heading_key(c.heading): c for c in self.columns} | {heading_key(c.key): c for c in self.columns}


REVIEWS = SheetKind("Reviews", COLUMNS, "a review")
ROUNDS = SheetKind("Home Office rounds", ROUND_COLUMNS, "a Home Office round")
HOLDS = SheetKind("Holds", HOLD_COLUMNS, "a hold")
DELAY_NOTICES = SheetKind("Delay notices", DELAY_COLUMNS, "a delay notice")
RELATED = (ROUNDS, HOLDS, DELAY_NOTICES)
"""The sheets of what a review has several of, in the order the template and the export give them."""

MATCHED = REVIEWS.matched
