"""The one workflow every review follows, defined once and shared by the code, the CLI and the docs.

A single `transitions.Machine` (not one per row) drives the `status` column of every Review.
Guards are *requirements*: named conditions with the sentence a coordinator needs when one is not met.
Later features add requirements with `@requires(...)` without touching the machine's wiring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from transitions import EventData, Machine

from ssgp_dhr.cases.models import HoldReason, QAOutcome, Review
from ssgp_dhr.cases.stages import OPEN_STAGES, PAUSABLE, Stage

STAGES: tuple[Stage, ...] = tuple(Stage)
# The machine's states are the plain values: given Enum members, `transitions` would write members into
# Review.status rather than the strings the column stores.
STATES = tuple(stage.value for stage in Stage)
STAGE_BY_NAME: dict[str, Stage] = {stage.value: stage for stage in Stage}
INITIAL_STATE = Stage.NOTIFIED.value
OPEN_STATES = OPEN_STAGES


@dataclass(frozen=True)
class Action:
    trigger: str
    label: str
    fields: tuple[str, ...]  # the data the action takes; each is a Review column or hold/QA data


ACTIONS: dict[str, Action] = {a.trigger: a for a in (
    Action("commission", "Commission a review", ("decision_on", "home_office_told_on")),
    Action("decline", "Decide not to hold a review", ("decision_on", "home_office_told_on", "decline_reasons")),
    Action("reopen", "Reopen: a review is required", ("reopen_reason", "decision_on", "home_office_told_on")),
    Action("convene_panel", "Convene the panel", ("chair_name", "chair_appointed_on", "terms_of_reference_agreed_on")),
    Action("pause", "Put on hold", ("hold_reason", "hold_details", "hold_started_on", "hold_expected_end_on",
                                    "inquest_on")),
    Action("resume", "Resume the review", ("hold_ended_on",)),
    Action("submit", "Submit to the Home Office", (
        "overview_report_completed_on", "executive_summary_completed_on", "action_plan_completed_on",
        "panel_signed_off_on", "partnership_signed_off_on", "submitted_on")),
    Action("request_revisions", "Record a request for revisions", ("panel_meeting_on", "letter_on", "changes_requested")),
    Action("resubmit", "Resubmit to the Home Office", ("submitted_on",)),
    Action("approve", "Record Home Office approval", ("panel_meeting_on", "letter_on", "qa_outcome", "changes_requested")),
    Action("publish", "Record publication", ("published_on", "publication_url", "published_documents")),
    Action("publish_summary", "Record a learning summary publication", (
        "summary_only_reason", "family_agreed_summary_on", "home_office_agreed_summary_on", "published_on",
        "publication_url")),
    Action("close", "Close the review", ("closed_on",)),
)}
TRIGGERS = tuple(ACTIONS)

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "commission", "source": Stage.NOTIFIED, "dest": Stage.COMMISSIONED},
    {"trigger": "decline", "source": Stage.NOTIFIED, "dest": Stage.NOT_COMMISSIONED},
    {"trigger": "reopen", "source": Stage.NOT_COMMISSIONED, "dest": Stage.COMMISSIONED},
    {"trigger": "convene_panel", "source": Stage.COMMISSIONED, "dest": Stage.PANEL},
    {"trigger": "pause", "source": list(PAUSABLE), "dest": Stage.ON_HOLD},
    *({"trigger": "resume", "source": Stage.ON_HOLD, "dest": stage, "conditions": [f"paused_from_{stage.value}"]}
      for stage in PAUSABLE),
    {"trigger": "submit", "source": Stage.PANEL, "dest": Stage.HOME_OFFICE_REVIEW},
    {"trigger": "request_revisions", "source": Stage.HOME_OFFICE_REVIEW, "dest": Stage.REVISING},
    {"trigger": "resubmit", "source": Stage.REVISING, "dest": Stage.HOME_OFFICE_REVIEW},
    {"trigger": "approve", "source": Stage.HOME_OFFICE_REVIEW, "dest": Stage.APPROVED},
    {"trigger": "publish", "source": Stage.APPROVED, "dest": Stage.PUBLISHED},
    {"trigger": "publish_summary", "source": Stage.APPROVED, "dest": Stage.SUMMARY_ONLY},
    {"trigger": "close", "source": [Stage.PUBLISHED, Stage.SUMMARY_ONLY], "dest": Stage.CLOSED},
]


class Facts(Mapping[str, Any]):
    """What a review would look like with the submitted data applied: what the requirements judge."""

    def __init__(self, review: Review, data: Mapping[str, Any]) -> None:
        self.review = review
        self.data = {k: v for k, v in data.items() if v not in (None, "")}
        # What the requirements have read of the review's other records, by what it is: several
        # requirements judge the same rows (each document to upload), read once per judgement.
        self.read: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self.data:
            return self.data[key]
        return getattr(self.review, key, None)

    def __iter__(self):  # noqa: ANN204
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Requirement:
    """A condition an action needs, with the sentence shown when it is not met.

    `field` is the action's form field the sentence is shown against. A requirement with `done_at` is
    met outside the action's form (a document uploaded, the chair seated on the panel): `done_at(review)`
    is the address where it is done, and the review's page lists it, done or to do, before the action is
    chosen. One with `task` is a detail the form itself asks for. The rest are checks of what was typed
    (a date not before another), shown only when they fail.
    """

    trigger: str
    reason: str
    is_met: Callable[[Facts], bool]
    field: str
    done_at: Callable[[Review], str] | None = None
    task: bool = False

    @property
    def is_prerequisite(self) -> bool:
        return self.done_at is not None


_REQUIREMENTS: dict[str, dict[str, Requirement]] = defaultdict(dict)


def requires(trigger: str, reason: str, *, field: str | None = None, done_at: Callable[[Review], str] | None = None,
             task: bool = False) -> Callable[[Callable[[Facts], bool]], Callable[[Facts], bool]]:
    """Register a condition `trigger` needs, with the sentence shown when it is not met (see Requirement).

    Registering the same sentence for the same action again replaces it, so an area registering its
    requirements each time an application is built does not add them twice.
    """
    if trigger not in ACTIONS:
        raise ValueError(f"unknown trigger {trigger!r}")
    fields = ACTIONS[trigger].fields
    if field is not None and field not in fields:
        raise ValueError(f"{trigger!r} has no field {field!r}")

    def register(predicate: Callable[[Facts], bool]) -> Callable[[Facts], bool]:
        _REQUIREMENTS[trigger][reason] = Requirement(trigger, reason, predicate, field or fields[0], done_at, task)
        return predicate

    return register


def require_fields(trigger: str, *pairs: tuple[str, str]) -> None:
    for field, reason in pairs:
        requires(trigger, reason, field=field, task=True)(lambda facts, field=field: facts[field] is not None)


def require_submitted(trigger: str, *pairs: tuple[str, str]) -> None:
    """Like require_fields, but the value must come with this action: one already recorded does not count."""
    for field, reason in pairs:
        requires(trigger, reason, field=field, task=True)(lambda facts, field=field: facts.data.get(field) is not None)


def requirements_of(trigger: str) -> list[Requirement]:
    """What `trigger` needs, in the order registered."""
    return list(_REQUIREMENTS[trigger].values())


def requirement_field(trigger: str, reason: str) -> str:
    """The form field the sentence `reason` of `trigger` is shown against."""
    found = _REQUIREMENTS[trigger].get(reason)
    return found.field if found else ACTIONS[trigger].fields[0]


# Passed to the machine with an action recorded after the event (see unmet_requirements).
AFTER_THE_EVENT = "_after_the_event"
# Passed to the machine by a caller that has just judged the requirements itself (see fire).
JUDGED = "_judged"


def unmet_requirements(review: Review, trigger: str, data: Mapping[str, Any], *,
                       after_the_event: bool = False) -> list[str]:
    """The reasons `trigger` cannot happen now with this data, in words a coordinator understands.

    An action `after_the_event` happened before the tracker held the review (brought in from the
    partnership's spreadsheet): what was done outside the form then (a document uploaded, the chair
    seated on the panel) was done elsewhere and is not asked for; the data given is judged as always.
    """
    facts = Facts(review, data)
    return [req.reason for req in _REQUIREMENTS[trigger].values()
            if not (after_the_event and req.is_prerequisite) and not req.is_met(facts)]


def prerequisites(review: Review, trigger: str) -> list[tuple[Requirement, bool]]:
    """What `trigger` needs done outside its form, each with whether it is done: the task list a page
    shows before the action is chosen. The guard judges the same predicates."""
    facts = Facts(review, {})
    return [(req, bool(req.is_met(facts))) for req in _REQUIREMENTS[trigger].values() if req.is_prerequisite]


def _requirements_met(event: EventData) -> bool:
    if event.kwargs.get(JUDGED):
        return True  # judged by the caller against this review and this data, just before (see fire)
    data = {k: v for k, v in event.kwargs.items() if k not in (AFTER_THE_EVENT, JUDGED)}
    return not unmet_requirements(event.model, event.event.name, data,
                                  after_the_event=bool(event.kwargs.get(AFTER_THE_EVENT)))


def _paused_from(state: str) -> Callable[[EventData], bool]:
    return lambda event: event.model.status_before_hold == state


def sources_of(spec: dict[str, Any]) -> list[Stage]:
    """The stages a transition leaves from."""
    return spec["source"] if isinstance(spec["source"], list) else [spec["source"]]


def _build_machine() -> Machine:
    transitions = []
    for spec in TRANSITIONS:
        spec = dict(spec)
        conditions = [_paused_from(c.removeprefix("paused_from_")) for c in spec.pop("conditions", [])]
        transitions.append({**spec, "source": [s.value for s in sources_of(spec)], "dest": spec["dest"].value,
                            "conditions": [*conditions, _requirements_met]})
    return Machine(
        model=None,
        states=list(STATES),
        transitions=transitions,
        initial=INITIAL_STATE,
        model_attribute="status",
        auto_transitions=False,
        send_event=True,
    )


MACHINE = _build_machine()


def available_triggers(status: str) -> list[str]:
    """The triggers the workflow defines from `status`, in the order of ACTIONS."""
    possible = set(MACHINE.get_triggers(str(status)))
    return [t for t in TRIGGERS if t in possible]


def fire(review: Review, trigger: str, data: Mapping[str, Any], *, after_the_event: bool = False,
         judged: bool = False) -> bool:
    """Run the machine for one review without registering it (the machine holds no per-row state).

    `judged`: the caller has just found unmet_requirements empty for this review and this data, with nothing
    changed since, so the guard does not judge them again (the stage and the hold's conditions still are).
    """
    flags = {AFTER_THE_EVENT: True} if after_the_event else {}
    if judged:
        flags[JUDGED] = True
    return MACHINE.events[trigger].trigger(review, **data, **flags)


def mermaid_diagram() -> str:
    """The workflow as a mermaid stateDiagram-v2, drawn from TRANSITIONS."""
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATE}"]
    for stage in Stage:
        lines.append(f"    {stage.value} : {stage.label}")
    for spec in TRANSITIONS:
        for source in sources_of(spec):
            lines.append(f"    {source.value} --> {spec['dest'].value} : {spec['trigger']}")
    lines.append(f"    {Stage.CLOSED.value} --> [*]")
    return "\n".join(lines) + "\n"


# --- What each transition needs ---------------------------------------------------------------

def _not_before(later: str, earlier: str, *, submitted_only: bool = False) -> Callable[[Facts], bool]:
    def check(facts: Facts) -> bool:
        values = facts.data if submitted_only else facts
        a, b = values.get(later), values.get(earlier)
        return a is None or b is None or a >= b
    return check


def _not_future(field: str) -> Callable[[Facts], bool]:
    from ssgp_dhr.clock import today_uk

    return lambda facts: facts[field] is None or facts[field] <= today_uk()


_DOING = {"commission": "commissioning", "decline": "declining", "reopen": "reopening"}
for _trigger in ("commission", "decline", "reopen"):
    # Reopening is a new decision: the dates recorded when the review was declined do not count for it.
    (require_submitted if _trigger == "reopen" else require_fields)(
        _trigger,
        ("decision_on", "Record the date of the decision"),
        ("home_office_told_on", f"Record the date the Home Office was told before {_DOING[_trigger]}"),
    )
    requires(_trigger, "The decision date cannot be before the notification", field="decision_on")(
        _not_before("decision_on", "notified_on"))
    requires(_trigger, "The decision date cannot be in the future", field="decision_on")(_not_future("decision_on"))
    requires(_trigger, "The Home Office cannot have been told before the decision", field="home_office_told_on")(
        _not_before("home_office_told_on", "decision_on", submitted_only=_trigger == "reopen"))

require_fields("decline", ("decline_reasons", "Give the reasons for not holding a review"))
requires("reopen", "The decision to hold a review cannot be before the decision not to hold one", field="decision_on")(
    lambda f: f.data.get("decision_on") is None or f.review.decision_on is None or f.data["decision_on"] >= f.review.decision_on)
require_fields("reopen", ("reopen_reason", "Say why the review is now required (Home Office, QA Panel or Home Secretary)"))

require_fields(
    "convene_panel",
    ("chair_name", "Appoint an independent chair before convening the panel"),
    ("chair_appointed_on", "Record the date the independent chair was appointed"),
    ("terms_of_reference_agreed_on", "Agree the terms of reference before convening the panel"),
)

require_fields(
    "pause",
    ("hold_reason", "Choose what the review is waiting for"),
    ("hold_details", "Describe the parallel proceedings"),
    ("hold_started_on", "Record the date the hold started"),
    ("hold_expected_end_on", "Give the date the hold is expected to end"),
)
# Choices come from a form, but the CLI passes text: an unknown one is a reason, not a crash.
requires("pause", "Choose what the review is waiting for from the list", field="hold_reason")(
    lambda f: f["hold_reason"] is None or f["hold_reason"] in set(HoldReason))
requires("pause", "The expected end of the hold must be after its start", field="hold_expected_end_on")(
    lambda f: f["hold_expected_end_on"] is None or f["hold_started_on"] is None
    or f["hold_expected_end_on"] >= f["hold_started_on"])
requires("pause", "An inquest's date is for a hold waiting for an inquest: clear it, or choose the inquest",
         field="inquest_on")(lambda f: f["inquest_on"] is None or f["hold_reason"] == HoldReason.INQUEST)
require_fields("resume", ("hold_ended_on", "Record the date the hold ended"))
requires("resume", "The hold cannot end before it started", field="hold_ended_on")(
    lambda f: f["hold_ended_on"] is None or f.review.current_hold is None
    or f["hold_ended_on"] >= f.review.current_hold.started_on)

require_fields(
    "submit",
    ("overview_report_completed_on", "Record the date the overview report was completed"),
    ("executive_summary_completed_on", "Record the date the executive summary was completed"),
    ("action_plan_completed_on", "Record the date the action plan was completed"),
    ("panel_signed_off_on", "Record the date the panel signed the report off"),
    ("partnership_signed_off_on", "Record the date the partnership signed the report off"),
    ("submitted_on", "Record the date the report went to the Home Office"),
)
requires("submit", "The partnership signs off after the panel", field="partnership_signed_off_on")(
    _not_before("partnership_signed_off_on", "panel_signed_off_on"))
requires("submit", "The report cannot go to the Home Office before the partnership signed it off",
         field="submitted_on")(
    _not_before("submitted_on", "partnership_signed_off_on"))

require_fields(
    "request_revisions",
    ("letter_on", "Record the date of the Home Office letter"),
    ("changes_requested", "List the changes the QA Panel asked for"),
)
require_fields("resubmit", ("submitted_on", "Record the date the revised report went to the Home Office"))
require_fields(
    "approve",
    ("letter_on", "Record the date of the Home Office letter"),
    ("qa_outcome", "Record what the Home Office letter says about publication"),
)
requires("approve", "Approval needs a letter that allows publication: otherwise record a request for revisions",
         field="qa_outcome")(
    lambda f: f["qa_outcome"] is None or f["qa_outcome"] in {QAOutcome.PUBLISH, QAOutcome.PUBLISH_AFTER_CHANGES})
requires("approve", "Record the final changes the Home Office listed", field="changes_requested")(
    lambda f: f["qa_outcome"] != "publish_after_changes" or f["changes_requested"] is not None)
for _trigger in ("request_revisions", "approve"):
    requires(_trigger, "The Home Office letter cannot be dated before the submission", field="letter_on")(
        lambda f: f["letter_on"] is None or f.review.current_qa_round is None
        or f["letter_on"] >= f.review.current_qa_round.submitted_on)

require_fields(
    "publish",
    ("published_on", "Record the publication date"),
    ("publication_url", "Record the web address where the report is published"),
    ("published_documents", "Record which documents were published"),
)
require_fields(
    "publish_summary",
    ("summary_only_reason", "Give the reason only a learning summary is published"),
    ("family_agreed_summary_on", "Record the date the family agreed to a learning summary"),
    ("home_office_agreed_summary_on", "Record the date the Home Office agreed to a learning summary"),
    ("published_on", "Record the publication date"),
)
require_fields("close", ("closed_on", "Record the date monitoring of the action plan ended"))
