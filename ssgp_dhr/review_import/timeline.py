"""What happened to one review, in the order it happened: the workflow's steps its row's dates give, its Home
Office rounds, its holds and the delays the Home Office was told of, each step dated, so that the import
records them through the services in that order (a hold is put on a review at the stage it had then, a delay
notice is given while the decision or the report was owed).

Each step knows the sheet and row it comes from, so a refusal names them. The checks here are those of the
sheets' rows against each other (rounds numbered in turn, holds that do not overlap); the workflow and the
services judge each step itself.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ssgp_dhr.cases import workflow
from ssgp_dhr.cases.models import QAOutcome
from ssgp_dhr.cases.stages import WITH_OR_PAST_HOME_OFFICE, Stage
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.review_import.columns import REVIEWS, HowPublished, SheetKind

# The workflow's path to each stage a spreadsheet can name, with one round at the Home Office.
PATHS: dict[Stage, tuple[str, ...]] = {
    Stage.NOTIFIED: (),
    Stage.NOT_COMMISSIONED: ("decline",),
    Stage.COMMISSIONED: ("commission",),
    Stage.PANEL: ("commission", "convene_panel"),
    Stage.HOME_OFFICE_REVIEW: ("commission", "convene_panel", "submit"),
    Stage.REVISING: ("commission", "convene_panel", "submit", "request_revisions"),
    Stage.APPROVED: ("commission", "convene_panel", "submit", "approve"),
    Stage.PUBLISHED: ("commission", "convene_panel", "submit", "approve", "publish"),
    Stage.SUMMARY_ONLY: ("commission", "convene_panel", "submit", "approve", "publish_summary"),
}
# The date on the row each step of the main path happened on.
STEP_DATES = {"commission": "decision_on", "decline": "decision_on", "convene_panel": "terms_of_reference_agreed_on",
              "publish": "published_on", "publish_summary": "published_on", "close": "closed_on"}
ROUND_FIELDS = ("submitted_on", "panel_meeting_on", "letter_on", "qa_outcome", "changes_requested")
# A round's fields the Reviews sheet gives for the first round.
FIRST_ROUND_ON_REVIEWS = ("submitted_on", "letter_on", "qa_outcome", "changes_requested")
DELAY = "delay_notice"  # a step that is a delay notice, not a workflow trigger
# Steps on the same day: a hold ends before the day's other steps, and starts after them; a notice of a
# delay comes before the step it delays.
_RESUME, _NOTICE, _STEP, _LATE_NOTICE, _PAUSE = range(5)


@dataclass
class Problem:
    column: str  # the column's heading, or "" for the row as a whole
    reason: str
    sheet: str | None = None  # another sheet than the row's own: Home Office rounds, Holds or Delay notices
    row: int | None = None  # that sheet's row

    @property
    def place(self) -> str:
        """Where the problem is, for a sentence: the column, after the sheet and row if on another sheet."""
        where = f"{self.sheet}, row {self.row}" if self.sheet else ""
        return ": ".join(part for part in (where, self.column) if part)


@dataclass
class SheetRow:
    """A row of a sheet of rounds, holds or delay notices, read as its columns' kinds."""

    kind: SheetKind
    number: int
    values: dict[str, Any]

    def problem(self, key: str, reason: str) -> Problem:
        column = self.kind.by_key.get(key)
        return Problem(column.heading if column else "", reason, self.kind.name, self.number)


@dataclass(eq=False)  # each step is itself: the import keeps sets of those already recorded
class Step:
    on: date | None
    trigger: str  # a workflow trigger, or DELAY
    data: dict[str, Any]
    origin: SheetRow | None = None  # the row of another sheet it comes from; None: the review's own row
    order: int = _STEP
    round: int | None = None  # the Home Office round (from 0) a submission or a letter belongs to
    recorded: Any = None  # the hold or notice the tracker already holds for it

    def problem(self, key: str, reason: str) -> Problem:
        """A refusal of `key`, shown against the column of the sheet that gave it."""
        if self.origin is not None and key in self.origin.kind.by_key:
            return self.origin.problem(key, reason)
        if self.origin is not None and not key:
            return self.origin.problem("", reason)
        column = REVIEWS.by_key.get(key)
        return Problem(column.heading if column else "", reason)


@dataclass
class Rounds:
    """A review's Home Office rounds: the first from its row on the Reviews sheet and the rounds sheet, the
    rest from the rounds sheet. Each is the round's values, with the rounds sheet's row it comes from."""

    values: list[dict[str, Any]] = field(default_factory=list)
    origins: list[SheetRow | None] = field(default_factory=list)


def path(stage: Stage, how_published: HowPublished | None, rounds: int) -> tuple[str, ...]:
    """The workflow's triggers from notified to `stage`, with `rounds` submissions to the Home Office."""
    if stage is Stage.CLOSED:
        published = "publish_summary" if how_published is HowPublished.LEARNING_SUMMARY else "publish"
        base = (*PATHS[Stage.PUBLISHED][:-1], published, "close")
    else:
        base = PATHS[stage]
    if stage not in WITH_OR_PAST_HOME_OFFICE or rounds <= 1:
        return base
    after_submit = base.index("submit") + 1
    return base[:after_submit] + ("request_revisions", "resubmit") * (rounds - 1) + base[after_submit:]


def rounds_of(values: dict[str, Any], rows: list[SheetRow]) -> tuple[Rounds, list[Problem]]:
    """The review's rounds, and the problems of the rounds sheet's rows with each other and with the row."""
    problems: list[Problem] = []
    by_number: dict[int, SheetRow] = {}
    for row in sorted(rows, key=lambda r: r.values["round"]):
        number = row.values["round"]
        if number in by_number:
            problems.append(row.problem("round", f"Round {number} of this review is also on row "
                                                 f"{by_number[number].number}"))
        else:
            by_number[number] = row
    first = {key: values.get(key) for key in FIRST_ROUND_ON_REVIEWS}
    rounds = Rounds()
    if any(first.values()) or by_number:
        rounds.values.append(first)
        rounds.origins.append(None)
    if 1 in by_number:
        row = by_number[1]
        for key in ROUND_FIELDS:
            given, on_row = row.values.get(key), first.get(key)
            if given is not None and on_row is not None and given != on_row:
                problems.append(row.problem(key, f"The Reviews sheet gives {_shown(on_row)} for the first round"))
            elif given is not None:
                first[key] = given
        rounds.origins[0] = row
    for number in sorted(by_number):
        if number == 1:
            continue
        if number != len(rounds.values) + 1:
            problems.append(by_number[number].problem(
                "round", f"Round {number} follows round {len(rounds.values)}: give round {len(rounds.values) + 1} "
                         "first, or number the rounds in turn"))
            continue
        rounds.values.append({key: by_number[number].values.get(key) for key in ROUND_FIELDS})
        rounds.origins.append(by_number[number])
    return rounds, problems + _round_order_problems(rounds, values["stage"])


def _round_order_problems(rounds: Rounds, stage: Stage) -> list[Problem]:
    problems = []
    last = len(rounds.values) - 1
    for number, (values, origin) in enumerate(zip(rounds.values, rounds.origins, strict=True)):
        step = Step(None, "", {}, origin)
        submitted, letter = values.get("submitted_on"), values.get("letter_on")
        if submitted and letter and letter < submitted:
            problems.append(step.problem("letter_on", f"The letter ({uk_date(letter)}) is dated before the submission "
                                                      f"({uk_date(submitted)})"))
        if number < last:
            following = rounds.values[number + 1].get("submitted_on")
            if letter is None:
                problems.append(step.problem("letter_on", f"Round {number + 2} follows: give the date of the letter "
                                                          "that asked for revisions"))
            elif following and following < letter:
                problems.append(rounds_step(rounds, number + 1).problem(
                    "submitted_on", f"Round {number + 2} is dated ({uk_date(following)}) before the letter on round "
                                    f"{number + 1} ({uk_date(letter)})"))
            if values.get("qa_outcome") not in (None, QAOutcome.REVISE):
                problems.append(step.problem("qa_outcome", f"Round {number + 2} follows, so this letter asked for "
                                                           "revisions: leave the outcome blank or choose revise"))
        elif origin is not None and stage is Stage.HOME_OFFICE_REVIEW and letter is not None:
            problems.append(step.problem("letter_on", "The review is with the Home Office, so its latest round has "
                                                      "no letter yet: choose the stage the letter gives"))
        if origin is not None and stage not in WITH_OR_PAST_HOME_OFFICE:
            problems.append(step.problem("round", f"A review at the stage {stage.label} has not gone to the Home "
                                                  "Office"))
    return problems


def rounds_step(rounds: Rounds, number: int) -> Step:
    return Step(None, "", {}, rounds.origins[number])


def holds_of(rows: list[SheetRow]) -> list[Problem]:
    """The problems of a review's holds with each other: one hold at a time, the open one last."""
    problems = []
    ordered = sorted(rows, key=lambda r: r.values["hold_started_on"])
    for row in ordered:
        started, ended = row.values["hold_started_on"], row.values.get("hold_ended_on")
        if ended is not None and ended < started:
            problems.append(row.problem("hold_ended_on", f"The hold cannot end ({uk_date(ended)}) before it started "
                                                         f"({uk_date(started)})"))
    for earlier, later in itertools.pairwise(ordered):
        started, ended = later.values["hold_started_on"], earlier.values.get("hold_ended_on")
        if ended is None:
            problems.append(later.problem("hold_started_on", f"The hold on row {earlier.number} has not ended: "
                                                             "a review is on one hold at a time"))
        elif started < ended:
            problems.append(later.problem("hold_started_on", f"This hold starts ({uk_date(started)}) before the hold "
                                                             f"on row {earlier.number} ended ({uk_date(ended)})"))
    return problems


def delay_notices_of(rows: list[SheetRow]) -> list[Problem]:
    problems = []
    seen: dict[tuple[Any, date], int] = {}
    for row in rows:
        key = (row.values["deadline"], row.values["told_on"])
        if key in seen:
            problems.append(row.problem("told_on", f"The same delay notice is also on row {seen[key]}"))
        else:
            seen[key] = row.number
    return problems


def steps(values: dict[str, Any], rounds: Rounds, holds: list[SheetRow], notices: list[SheetRow]) -> list[Step]:
    """Every step of the review, in the order it happened."""
    main = _main_steps(values, rounds)
    commissioned = next((s.on for s in main if s.trigger == "commission"), None)
    found = list(main)
    for row in holds:
        hold = {k: row.values.get(k) for k in workflow.ACTIONS["pause"].fields}
        found.append(Step(row.values["hold_started_on"], "pause", hold, row, _PAUSE))
        ended = row.values.get("hold_ended_on")
        if ended is not None:
            # A hold that ends the day it starts ends after it starts.
            found.append(Step(ended, "resume", {"hold_ended_on": ended}, row,
                              _RESUME if ended > row.values["hold_started_on"] else _PAUSE))
    for row in notices:
        told = row.values["told_on"]
        # A report's delay told the day the review was commissioned was told once the report was owed.
        late = row.values["deadline"] == "report" and told == commissioned
        data = {k: row.values.get(k) for k in ("told_on", "cause", "explanation", "expected_on")}
        found.append(Step(told, DELAY, data, row, _LATE_NOTICE if late else _NOTICE))
    positions = {id(step): n for n, step in enumerate(found)}
    return sorted(found, key=lambda s: (s.on or date.min, s.order, positions[id(s)]))


def _main_steps(values: dict[str, Any], rounds: Rounds) -> list[Step]:
    found: list[Step] = []
    number = 0  # the round a Home Office step belongs to
    for trigger in path(values["stage"], values.get("how_published"), len(rounds.values)):
        fields = workflow.ACTIONS[trigger].fields
        data = {name: values.get(name) for name in fields if name not in ROUND_FIELDS}
        step = Step(None, trigger, data)
        if trigger in ("submit", "resubmit"):
            number += trigger == "resubmit"
            step = _round_step(step, rounds, number, ("submitted_on",))
        elif trigger in ("request_revisions", "approve"):
            step = _round_step(step, rounds, number, tuple(name for name in fields if name in ROUND_FIELDS))
        else:
            step.on = values.get(STEP_DATES[trigger])
        step.on = step.on or (found[-1].on if found else None)
        found.append(step)
    return found


def _round_step(step: Step, rounds: Rounds, number: int, fields: tuple[str, ...]) -> Step:
    given = rounds.values[number] if number < len(rounds.values) else {}
    step.data |= {name: given.get(name) for name in fields}
    step.on = given.get("letter_on" if "letter_on" in fields else "submitted_on")
    step.origin = rounds.origins[number] if number < len(rounds.values) else None
    step.round = number
    return step


def _shown(value: Any) -> str:
    if isinstance(value, date):
        return uk_date(value)
    return f"“{getattr(value, 'label', value)}”"

