"""The columns of a partnership's spreadsheet of reviews: one per field, each with its heading, hint and
the values it allows. The template, the reading of a file and the import all use these."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.forms import PUBLISHED_DOCUMENTS
from ssgp_dhr.cases.models import QAOutcome
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
    Column("stage", "Stage", Kind.CHOICE, "The stage the review has reached", required=True,
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
    Column("submitted_on", "Date submitted to the Home Office", Kind.DATE, DATE_HINT),
    Column("letter_on", "Date of Home Office letter", Kind.DATE, "The Quality Assurance Panel's answer"),
    Column("qa_outcome", "Home Office outcome", Kind.CHOICE, "What the letter says", choices=_choices(QAOutcome)),
    Column("changes_requested", "Changes requested", Kind.LONG_TEXT, "The changes the letter asks for",
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


def heading_key(heading: object) -> str:
    """A heading as it is matched: whatever its case and spacing (and "_" for a space)."""
    return " ".join(str(heading or "").replace("_", " ").lower().split())


MATCHED = {heading_key(c.heading): c for c in COLUMNS} | {heading_key(c.key): c for c in COLUMNS}
