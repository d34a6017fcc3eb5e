"""Factories for the domain: partnerships, agencies, people with roles, reviews at any stage."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, RoleAssignment, User
from ssgp_dhr.accounts.passwords import hash_password
from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import PanelMembership, PanelRole, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import services as document_services
from ssgp_dhr.documents.models import DocumentType, DocumentVersion
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_PASSWORD_HASH: str | None = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def organisation(short_name: str, name: str | None = None, kind: OrganisationKind = OrganisationKind.AGENCY) -> Organisation:
    found = db.session.scalar(sa.select(Organisation).where(Organisation.short_name == short_name))
    if found:
        return found
    org = Organisation(name=name or short_name, short_name=short_name, kind=kind)
    db.session.add(org)
    db.session.commit()
    return org


def ssgp() -> Organisation:
    return organisation("SSGP", "Stronger Safer Gloucester Partnership", OrganisationKind.PARTNERSHIP)


def safer_glos() -> Organisation:
    return organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)


def user(*roles: tuple[Role, Organisation] | Role, email: str | None = None, organisation_: Organisation | None = None,
         **fields: Any) -> User:
    """A person holding `roles`; a bare Role is held for the SSGP."""
    n = next(_counter)
    person = User(
        email=email or f"person{n}@example.org", full_name=fields.pop("full_name", f"Person {n}"),
        organisation=organisation_ or ssgp(), password_hash=_password_hash(), **fields,
    )
    person.roles = [
        RoleAssignment(role=r, partnership=ssgp()) if isinstance(r, Role) else RoleAssignment(role=r[0], partnership=r[1])
        for r in roles
    ]
    db.session.add(person)
    db.session.commit()
    return person


def coordinator(partnership: Organisation | None = None) -> User:
    return user((Role.COORDINATOR, partnership or ssgp()))


def manager(partnership: Organisation | None = None) -> User:
    return user((Role.MANAGER, partnership or ssgp()))


def panel_member(partnership: Organisation | None = None) -> User:
    return user((Role.PANEL_MEMBER, partnership or ssgp()))


def notified_review(by: User | None = None, *, lead: Organisation | None = None, joint: Organisation | None = None,
                    notified_on: date | None = None, **fields: Any) -> Review:
    lead = lead or ssgp()
    by = by or coordinator(lead)
    notified_on = notified_on or today_uk() - timedelta(days=10)
    values = {
        "pseudonym": "Scott", "victim_name": "Victoria Realname", "perpetrator_name": "Peter Realname",
        "victim_age": 40, "date_of_death": notified_on - timedelta(days=3), "notified_on": notified_on,
        "notified_by": "Gloucestershire Constabulary", "circumstances": "Test case.",
    }
    values.update(fields)
    # Recorded when the police notified the partnership, as a review entered at the time is, unless a
    # test gives another day (a review entered after the event).
    values.setdefault("recorded_on", min(values["notified_on"], today_uk()))
    return services.record_notification(
        by, lead_partnership_id=lead.id, review_type="Domestic Homicide Review",
        joint_partnership_id=joint.id if joint else None, **values,
    )


# The data each trigger needs, relative to a review's notification date.
def trigger_data(review: Review, trigger: str) -> dict[str, Any]:
    n = review.notified_on
    last_round = review.current_qa_round
    after_submission = (last_round.submitted_on if last_round else n) + timedelta(days=1)
    return {
        "commission": {"decision_on": n + timedelta(days=1), "home_office_told_on": n + timedelta(days=2)},
        "decline": {"decision_on": n + timedelta(days=1), "home_office_told_on": n + timedelta(days=2),
                    "decline_reasons": "Criteria not met."},
        "reopen": {"reopen_reason": "The Home Office QA Panel disagreed.", "decision_on": n + timedelta(days=3),
                   "home_office_told_on": n + timedelta(days=3)},
        # The chair is chosen from the panel: the one seated, if any.
        "convene_panel": {"chair_name": next((m.user.full_name for m in review.panel
                                              if m.panel_role is PanelRole.INDEPENDENT_CHAIR), "Independent Chair"),
                          "chair_appointed_on": n + timedelta(days=3),
                          "terms_of_reference_agreed_on": n + timedelta(days=4)},
        "pause": {"hold_reason": "inquest", "hold_details": "Inquest opened.", "hold_started_on": n + timedelta(days=4),
                  "hold_expected_end_on": n + timedelta(days=60)},
        "resume": {"hold_ended_on": n + timedelta(days=5)},
        "submit": {"overview_report_completed_on": n + timedelta(days=4), "executive_summary_completed_on": n + timedelta(days=4),
                   "action_plan_completed_on": n + timedelta(days=4), "panel_signed_off_on": n + timedelta(days=4),
                   "partnership_signed_off_on": n + timedelta(days=4), "submitted_on": n + timedelta(days=5)},
        "request_revisions": {"letter_on": after_submission, "changes_requested": "More on agency contact."},
        "resubmit": {"submitted_on": (last_round.letter_on if last_round and last_round.letter_on else n) + timedelta(days=1)},
        "approve": {"letter_on": after_submission, "qa_outcome": "publish"},
        "publish": {"published_on": after_submission + timedelta(days=1), "publication_url": "https://example.org/dhr",
                    "published_documents": ["overview_report", "executive_summary"]},
        "publish_summary": {"summary_only_reason": "Harm to surviving children.", "family_agreed_summary_on": after_submission,
                            "home_office_agreed_summary_on": after_submission, "published_on": after_submission},
        "close": {"closed_on": after_submission + timedelta(days=2)},
    }[trigger]


PATHS = {
    "notified": [],
    "not_commissioned": ["decline"],
    "commissioned": ["commission"],
    "panel": ["commission", "convene_panel"],
    "on_hold": ["commission", "convene_panel", "pause"],
    "home_office_review": ["commission", "convene_panel", "submit"],
    "revising": ["commission", "convene_panel", "submit", "request_revisions"],
    "approved": ["commission", "convene_panel", "submit", "approve"],
    "published": ["commission", "convene_panel", "submit", "approve", "publish"],
    "summary_only": ["commission", "convene_panel", "submit", "approve", "publish_summary"],
    "closed": ["commission", "convene_panel", "submit", "approve", "publish", "close"],
}


# The documents each trigger's requirements ask for (ssgp_dhr.documents.services).
DOCUMENTS_NEEDED = {
    "convene_panel": (DocumentType.TERMS_OF_REFERENCE,),
    "submit": (DocumentType.OVERVIEW_REPORT, DocumentType.EXECUTIVE_SUMMARY, DocumentType.ACTION_PLAN),
}


def document(review: Review, by: User | None = None, document_type: DocumentType = DocumentType.OTHER,
             title: str | None = None, content: bytes = b"Fictional test document.\n", filename: str = "notes.txt",
             ) -> DocumentVersion:
    """A document uploaded to `review` through the real service (by a coordinator of its lead partnership)."""
    by = by or coordinator(review.lead_partnership)
    return document_services.upload_document(review, by, document_type=document_type,
                                             title=title or document_type.label, stream=io.BytesIO(content),
                                             filename=filename)


def provide_documents(review: Review, trigger: str, by: User | None = None) -> None:
    """Upload the documents `trigger` needs that `review` does not have yet."""
    for document_type in DOCUMENTS_NEEDED.get(trigger, ()):
        if not document_services.has_document(review, document_type):
            document(review, by, document_type)


def ready_for(review: Review, trigger: str, by: User | None = None) -> None:
    """Everything `trigger` needs beyond its form: the panel's records and the documents."""
    prepare_panel(review, trigger)
    provide_documents(review, trigger, by)
    prepare_publication(review, trigger, by or coordinator(review.lead_partnership))


def prepare_panel(review: Review, trigger: str) -> None:
    """Record what the panel's requirements need before `trigger`: an independent chair seated on the
    panel before it is convened, and the date the draft was shared with the family before submission.

    Written directly, like seat_on_panel, so a test's history holds only the transitions it made."""
    from ssgp_dhr.panel.models import FamilyInvolvement

    today = today_uk()
    if trigger == "convene_panel" and not any(
            m.panel_role is PanelRole.INDEPENDENT_CHAIR and m.is_active_on(today) for m in review.panel):
        seat_on_panel(review, panel_member(review.lead_partnership), PanelRole.INDEPENDENT_CHAIR)
    if trigger == "submit":
        family = db.session.scalar(sa.select(FamilyInvolvement).where(FamilyInvolvement.review_id == review.id))
        if family is None:
            family = FamilyInvolvement(review_id=review.id)
            db.session.add(family)
        if family.draft_shared_on is None and not family.draft_not_shared_reason:
            family.draft_shared_on = review.notified_on + timedelta(days=4)
        db.session.commit()


def prepare_publication(review: Review, trigger: str, by: User) -> None:
    """What a trigger needs besides its own data: for publishing, the decision, the public summary and
    a passing anonymisation check on clean documents."""
    from ssgp_dhr.publication import services as publication

    if trigger not in ("publish", "publish_summary") or review.status != "approved":
        return
    summary = trigger == "publish_summary"
    data = trigger_data(review, trigger)
    publication.record_decision(
        review, by, review.version, form="summary_only" if summary else "full",
        decided_on=review.current_qa_round.letter_on,
        **({k: data[k] for k in ("summary_only_reason", "family_agreed_summary_on", "home_office_agreed_summary_on")}
           if summary else {}))
    publication.record_details(review, by, review.version, {
        "public_summary": f"{review.pseudonym} died after years of abuse by a former partner.",
        "learning_summary": "Agencies should share information sooner." if summary else None})
    kinds = ["learning_summary"] if summary else data["published_documents"]
    for kind in kinds:  # the stored documents to be published, clean
        if publication.current_document(review, kind) is None:
            document(review, by, DocumentType(kind), content=b"An anonymised report about " + review.pseudonym.encode())
    publication.run_check(review, by, kinds)


def review_at(status: str, by: User | None = None, **fields: Any) -> Review:
    """A review taken through the real workflow to `status`, with the documents each step needs."""
    lead = fields.pop("lead", None) or ssgp()
    by = by or coordinator(lead)
    review = notified_review(by, lead=lead, notified_on=today_uk() - timedelta(days=200), **fields)
    for trigger in PATHS[status]:
        ready_for(review, trigger, by)
        services.advance(review, trigger, by, review.version, **trigger_data(review, trigger))
    assert review.status == status
    return review


def seat_on_panel(review: Review, person: User, role: PanelRole = PanelRole.AGENCY_REPRESENTATIVE,
                  agency: Organisation | None = None, **fields: Any) -> PanelMembership:
    membership = PanelMembership(review=review, user=person, agency=agency or organisation("Constabulary"),
                                 panel_role=role, started_on=fields.pop("started_on", review.notified_on), **fields)
    db.session.add(membership)
    db.session.commit()
    return membership


def recommendation(review: Review, by: User, reference: str, *, target_on: date, agency: Organisation | None = None,
                   level: str = "single_agency", text: str | None = None) -> Any:
    """A recommendation added to `review`'s action plan through the service, as its coordinator `by` would."""
    from ssgp_dhr.action_plan import services as action_plan

    return action_plan.add_recommendation(
        review, by, review.version, reference=reference, text=text or f"Recommendation {reference}.", level=level,
        owning_agency_id=(agency or organisation("Constabulary")).id, actions="", target_on=target_on)


# The workflow as issue 3 states it, written out independently of workflow.TRANSITIONS so the tests
# check the definition rather than repeat it: (from, trigger) -> destination. `resume` goes back to
# the stage the review was paused from, given here as None.
EXPECTED_MOVES: dict[tuple[str, str], str | None] = {
    ("notified", "commission"): "commissioned",
    ("notified", "decline"): "not_commissioned",
    ("not_commissioned", "reopen"): "commissioned",
    ("commissioned", "convene_panel"): "panel",
    ("commissioned", "pause"): "on_hold",
    ("panel", "pause"): "on_hold",
    ("revising", "pause"): "on_hold",
    ("on_hold", "resume"): None,
    ("panel", "submit"): "home_office_review",
    ("home_office_review", "request_revisions"): "revising",
    ("home_office_review", "approve"): "approved",
    ("revising", "resubmit"): "home_office_review",
    ("approved", "publish"): "published",
    ("approved", "publish_summary"): "summary_only",
    ("published", "close"): "closed",
    ("summary_only", "close"): "closed",
}

# What a coordinator is told when a trigger's data leaves out a field: trigger -> field -> sentence.
MISSING_FIELD_REASONS: dict[str, dict[str, str]] = {
    "commission": {"decision_on": "Record the date of the decision",
                   "home_office_told_on": "Record the date the Home Office was told before commissioning"},
    "decline": {"decision_on": "Record the date of the decision",
                "home_office_told_on": "Record the date the Home Office was told before declining",
                "decline_reasons": "Give the reasons for not holding a review"},
    "reopen": {"decision_on": "Record the date of the decision",
               "home_office_told_on": "Record the date the Home Office was told before reopening",
               "reopen_reason": "Say why the review is now required (Home Office, QA Panel or Home Secretary)"},
    "convene_panel": {"chair_name": "Appoint an independent chair before convening the panel",
                      "chair_appointed_on": "Record the date the independent chair was appointed",
                      "terms_of_reference_agreed_on": "Agree the terms of reference before convening the panel"},
    "pause": {"hold_reason": "Choose what the review is waiting for",
              "hold_details": "Describe the parallel proceedings",
              "hold_started_on": "Record the date the hold started",
              "hold_expected_end_on": "Give the date the hold is expected to end"},
    "resume": {"hold_ended_on": "Record the date the hold ended"},
    "submit": {"overview_report_completed_on": "Record the date the overview report was completed",
               "executive_summary_completed_on": "Record the date the executive summary was completed",
               "action_plan_completed_on": "Record the date the action plan was completed",
               "panel_signed_off_on": "Record the date the panel signed the report off",
               "partnership_signed_off_on": "Record the date the partnership signed the report off",
               "submitted_on": "Record the date the report went to the Home Office"},
    "request_revisions": {"letter_on": "Record the date of the Home Office letter",
                          "changes_requested": "List the changes the QA Panel asked for"},
    "resubmit": {"submitted_on": "Record the date the revised report went to the Home Office"},
    "approve": {"letter_on": "Record the date of the Home Office letter",
                "qa_outcome": "Record what the Home Office letter says about publication"},
    "publish": {"published_on": "Record the publication date",
                "publication_url": "Record the web address where the report is published",
                "published_documents": "Record which documents were published"},
    "publish_summary": {"summary_only_reason": "Give the reason only a learning summary is published",
                        "family_agreed_summary_on": "Record the date the family agreed to a learning summary",
                        "home_office_agreed_summary_on": "Record the date the Home Office agreed to a learning summary",
                        "published_on": "Record the publication date"},
    "close": {"closed_on": "Record the date monitoring of the action plan ended"},
}


def event_count(review: Review) -> int:
    """History rows actually in the database for `review` (not the review's own counter)."""
    from ssgp_dhr.cases.models import CaseEvent

    return db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(CaseEvent.review_id == review.id))


def stored_state(review: Review) -> dict[str, Any]:
    """What the database holds for `review` now, re-read: to prove a refused action changed nothing."""
    from ssgp_dhr.cases.models import QARound, ReviewHold

    db.session.expire_all()
    fresh = db.session.get(Review, review.id)
    count = lambda model: db.session.scalar(  # noqa: E731
        sa.select(sa.func.count()).select_from(model).where(model.review_id == review.id))
    return {
        "status": fresh.status, "version": fresh.version, "event_count": fresh.event_count,
        "events": event_count(fresh), "holds": count(ReviewHold), "qa_rounds": count(QARound),
        "status_before_hold": fresh.status_before_hold, "decision_on": fresh.decision_on,
    }
