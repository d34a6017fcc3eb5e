"""Pages for the panel's work on a review: membership, agency requests, meetings, the input log
and the family's involvement. The case page shows each section (panel/_*.html); these are the
forms that add and change them. Views stay thin: panel.services does every write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from ssgp_dhr.cases import areas, history, names
from ssgp_dhr.cases.forms import error_list
from ssgp_dhr.cases.models import PanelRole, Review
from ssgp_dhr.cases.routes import part_of_review_or_404, review_rule
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import forms as document_forms
from ssgp_dhr.organisations import services as organisations
from ssgp_dhr.panel import forms, policy, requirements, services
from ssgp_dhr.panel.models import (
    OUTSTANDING,
    AgencyRequest,
    FamilyEventKind,
    InputEntry,
    InputKind,
    PanelMeeting,
    PublicationConsent,
    RequestKind,
    RequestStatus,
)
from ssgp_dhr.presentation import uk_date

panel = Blueprint("panel", __name__, template_folder="templates")


def _case(review: Review, section: str) -> str:
    return areas.section_url(review.reference, section)


def _form_page(review: Review, form: FlaskForm, *, title: str, section: str, act: Callable[[], Any], done: str,
               intro: str | None = None, **context: Any) -> Any:
    """Show `form`; on a valid submit run `act` and go back to the case, else show the errors and what was typed."""
    errors: list[dict[str, str]] = []
    status = 200
    if form.validate_on_submit():
        try:
            act()
        except services.PanelError as refused:
            name = refused.field if refused.field and getattr(form, refused.field, None) is not None else None
            if name:
                field = getattr(form, name)
                field.errors = [*field.errors, str(refused)]
            errors = error_list(form) if name else [{"text": str(refused), "href": "#main-content"}]
            status = 403 if isinstance(refused, services.NotPermitted) else 400
        else:
            flash(done)
            return redirect(_case(review, section))
    elif form.errors:
        errors, status = error_list(form), 400
    return render_template("panel/form.html", review=review, form=form, title=title, intro=intro, errors=errors,
                           back=_case(review, section), **context), status


def _agency_choices(blank: str) -> list[SelectChoice]:
    agencies = organisations.offered()  # for a new membership or request: no organisation marked inactive
    return [SelectChoice("", blank)] + [SelectChoice(str(a.id), a.name) for a in agencies]


def _date_of(form: FlaskForm, name: str) -> Any:
    return getattr(form, name).data


# --- Membership -------------------------------------------------------------------------------

@panel.route("/cases/<reference>/panel/new", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def add_member(review: Review):  # noqa: ANN201
    form = forms.MemberForm()
    form.user_id.choices = [SelectChoice("", "Choose a person")] + [
        SelectChoice(str(u.id), f"{u.full_name} ({u.organisation.name})") for u in services.panel_candidates(review)]
    form.agency_id.choices = _agency_choices("Choose an agency")
    if not form.is_submitted() and request.args.get("role") in set(PanelRole):
        form.panel_role.data = request.args["role"]  # from "Add the independent chair to the panel"
    return _form_page(
        review, form, title="Add a panel member", section="panel", done="Panel member added",
        act=lambda: services.add_member(
            review, current_user, user_id=int(form.user_id.data), agency_id=int(form.agency_id.data),
            panel_role=PanelRole(form.panel_role.data), started_on=form.started_on.data, ended_on=form.ended_on.data))


@panel.route("/cases/<reference>/panel/<int:membership_id>/remove", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def remove_member(review: Review, membership_id: int):  # noqa: ANN201
    membership = next((m for m in review.panel if m.id == membership_id), None)
    if membership is None:
        abort(404)
    return _form_page(
        review, forms.ConfirmForm(), title=f"Remove {membership.user.full_name} from the panel", section="panel",
        intro="Their access to this review ends at once. The membership stays in the panel's record.",
        done=f"{membership.user.full_name} removed from the panel",
        act=lambda: services.end_membership(review, current_user, membership.id))


# --- Agency requests --------------------------------------------------------------------------

@panel.route("/cases/<reference>/requests/new", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def new_request(review: Review):  # noqa: ANN201
    form = forms.RequestForm()
    form.agency_id.choices = _agency_choices("Choose an agency")
    form.responsible_id.choices = forms.member_choices(
        [m for m in review.panel if m.is_active_on(today_uk())], "Nobody yet")
    return _form_page(
        review, form, title="Request from an agency", section="agency-requests", done="Request recorded",
        act=lambda: services.record_request(
            review, current_user, agency_id=int(form.agency_id.data), kind=RequestKind(form.kind.data),
            requested_on=form.requested_on.data, due_on=form.due_on.data,
            responsible_id=forms.optional_int(form.responsible_id.data), note=form.note.data or None))


@panel.route("/cases/<reference>/requests/<int:request_id>", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def edit_request(review: Review, request_id: int):  # noqa: ANN201
    agency_request = part_of_review_or_404(review, AgencyRequest, request_id)
    form = forms.RequestUpdateForm(obj=agency_request)
    if not form.is_submitted():
        form.status.data = agency_request.status.value
        form.responsible_id.data = str(agency_request.responsible_id or "")
    form.responsible_id.choices = forms.member_choices(review.panel, "Nobody")
    return _form_page(
        review, form, title=f"{agency_request.kind.label} from {agency_request.agency.name}", section="agency-requests",
        done="Request updated",
        act=lambda: services.update_request(
            review, current_user, agency_request.id, status=RequestStatus(form.status.data), due_on=form.due_on.data,
            received_on=form.received_on.data, responsible_id=forms.optional_int(form.responsible_id.data),
            note=form.note.data or None))


# --- What agencies deliver ----------------------------------------------------------------------

def _delivery_page(review: Review, agency_request: AgencyRequest, form: FlaskForm, template: str, status: int,
                   errors: list[dict[str, str]] | None = None) -> tuple[str, int]:
    document = agency_request.document
    if isinstance(form, forms.DeliveryForm):
        form.file.description = document_forms.file_hint(current_app.config["MAX_UPLOAD_MB"])
    return render_template(
        template, review=review, agency_request=agency_request, form=form, errors=errors or error_list(form),
        versions=list(reversed(document.versions)) if document else [], today=today_uk()), status


@panel.route("/cases/<reference>/requests/<int:request_id>/deliver", methods=["GET", "POST"])
@review_rule(policy.can_see_panel_work)
def deliver(review: Review, request_id: int):  # noqa: ANN201
    """The agency's panel member uploads its response to the request (from My work's "Asked of you")."""
    agency_request = part_of_review_or_404(review, AgencyRequest, request_id)
    if not policy.can_deliver(current_user, review, agency_request):
        abort(403)
    form = forms.DeliveryForm()
    if not form.validate_on_submit():
        return _delivery_page(review, agency_request, form, "panel/deliver.html", 400 if form.errors else 200)
    try:
        version = services.deliver(review, current_user, agency_request.id, stream=form.file.data.stream,
                                   filename=form.file.data.filename)
    except services.PanelError as refused:
        form.file.errors = [*form.file.errors, str(refused)]
        status = 403 if isinstance(refused, services.NotPermitted) else 400
        return _delivery_page(review, agency_request, form, "panel/deliver.html", status)
    flash(f"{agency_request.kind.label} delivered as version {version.number}. The coordinators will accept it "
          "or say what is missing")
    return redirect(url_for("my_work.dashboard"))


@panel.route("/cases/<reference>/requests/<int:request_id>/decide", methods=["GET", "POST"])
@review_rule(policy.can_take_delivery)
def decide_delivery(review: Review, request_id: int):  # noqa: ANN201
    """The coordinator or chair accepts what the agency delivered, or returns it with what is missing."""
    agency_request = part_of_review_or_404(review, AgencyRequest, request_id)
    if agency_request.status is not RequestStatus.RECEIVED or agency_request.document is None:
        abort(404)
    form = forms.DeliveryDecisionForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == "accept":
                services.accept_delivery(review, current_user, agency_request.id)
                done = f"{agency_request.kind.label} from {agency_request.agency.name} accepted"
            else:
                services.return_delivery(review, current_user, agency_request.id, missing=form.missing.data or "",
                                         due_on=form.due_on.data)
                done = f"{agency_request.kind.label} returned to {agency_request.agency.name} with what is missing"
        except services.PanelError as refused:
            name = refused.field if refused.field and hasattr(form, refused.field) else None
            if name:
                getattr(form, name).errors = [*getattr(form, name).errors, str(refused)]
            errors = error_list(form) if name else [{"text": str(refused), "href": "#main-content"}]
            return _delivery_page(review, agency_request, form, "panel/decide_delivery.html", 400, errors)
        flash(done)
        return redirect(_case(review, "agency-requests"))
    return _delivery_page(review, agency_request, form, "panel/decide_delivery.html", 400 if form.errors else 200)


# --- Meetings ---------------------------------------------------------------------------------

def _meeting_form(review: Review, meeting: PanelMeeting | None) -> forms.MeetingForm:
    form = forms.MeetingForm(obj=meeting)
    choices = [(m.id, f"{m.user.full_name} ({m.agency.name})") for m in review.panel]
    form.attendee_ids.choices = choices
    form.apology_ids.choices = choices
    if meeting is not None and not form.is_submitted():
        form.attendee_ids.data = [m.id for m in meeting.attendees]
        form.apology_ids.data = [m.id for m in meeting.apologies]
    return form


@panel.route("/cases/<reference>/meetings/new", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def new_meeting(review: Review):  # noqa: ANN201
    form = _meeting_form(review, None)
    return _form_page(
        review, form, title="Record a panel meeting", section="panel-meetings", done="Meeting recorded",
        act=lambda: services.record_meeting(
            review, current_user, held_on=form.held_on.data, agenda=form.agenda.data, minutes=form.minutes.data or None,
            attendee_ids=form.attendee_ids.data or [], apology_ids=form.apology_ids.data or []))


@panel.route("/cases/<reference>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def edit_meeting(review: Review, meeting_id: int):  # noqa: ANN201
    meeting = part_of_review_or_404(review, PanelMeeting, meeting_id)
    form = _meeting_form(review, meeting)
    return _form_page(
        review, form, title="Change the panel meeting", section="panel-meetings", done="Meeting saved",
        act=lambda: services.update_meeting(
            review, current_user, meeting.id, held_on=form.held_on.data, agenda=form.agenda.data,
            minutes=form.minutes.data or None, attendee_ids=form.attendee_ids.data or [],
            apology_ids=form.apology_ids.data or []))


@panel.route("/cases/<reference>/meetings/<int:meeting_id>/actions/new", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def new_meeting_action(review: Review, meeting_id: int):  # noqa: ANN201
    meeting = part_of_review_or_404(review, PanelMeeting, meeting_id)
    form = forms.MeetingActionForm()
    form.owner_id.choices = forms.member_choices([m for m in review.panel if m.is_active_on(today_uk())],
                                                 "Choose a panel member")
    return _form_page(
        review, form, title="Add an action arising", section="panel-meetings", done="Action added",
        intro=f"From the panel meeting of {meeting.held_on:%-d %B %Y}.",
        act=lambda: services.add_meeting_action(
            review, current_user, meeting.id, description=form.description.data,
            owner_id=forms.optional_int(form.owner_id.data), due_on=form.due_on.data))


# --- The input log ----------------------------------------------------------------------------

@panel.route("/cases/<reference>/input/new", methods=["GET", "POST"])
@review_rule(policy.can_post_input)
def new_input(review: Review):  # noqa: ANN201
    form = forms.InputForm()
    drafts = services.draft_versions(review)
    form.document_version_id.choices = [SelectChoice("", "Not about a draft")] + [
        SelectChoice(str(v.id), f"{v.document.title}, version {v.number} ({uk_date(v.uploaded_at)})") for v in drafts]
    if not drafts:
        del form.document_version_id
    elif not form.is_submitted() and request.args.get("kind") == InputKind.DRAFT_COMMENT:
        form.kind.data = InputKind.DRAFT_COMMENT.value  # from "Comment on this draft"
        form.document_version_id.data = request.args.get("version", "")
    return _form_page(
        review, form, title="Add to the input log", section="input-log", done="Your contribution was posted",
        act=lambda: services.post_input(
            review, current_user, kind=InputKind(form.kind.data), text=form.text.data,
            document_version_id=forms.optional_int(form.document_version_id.data) if drafts else None))


@panel.route("/cases/<reference>/input/<int:entry_id>/edit", methods=["GET", "POST"])
@review_rule(policy.can_see_panel_work)
def edit_input(review: Review, entry_id: int):  # noqa: ANN201
    entry = part_of_review_or_404(review, InputEntry, entry_id)
    if not policy.can_edit_input(current_user, review, entry.author_id) or entry.is_retracted:
        abort(403)
    form = forms.EditInputForm(obj=entry)
    return _form_page(
        review, form, title="Edit your contribution", section="input-log", done="Your contribution was changed",
        act=lambda: services.edit_input(review, current_user, entry.id, text=form.text.data))


@panel.route("/cases/<reference>/input/<int:entry_id>/retract", methods=["GET", "POST"])
@review_rule(policy.can_see_panel_work)
def retract_input(review: Review, entry_id: int):  # noqa: ANN201
    entry = part_of_review_or_404(review, InputEntry, entry_id)
    if not policy.can_retract_input(current_user, review, entry.author_id) or entry.is_retracted:
        abort(403)
    form = forms.RetractForm()
    return _form_page(
        review, form, title="Retract an entry", section="input-log", done="The entry was retracted",
        act=lambda: services.retract_input(review, current_user, entry.id, reason=form.reason.data))


@panel.get("/cases/<reference>/input/<int:entry_id>")
@review_rule(policy.can_see_panel_work)
def input_history(review: Review, entry_id: int):  # noqa: ANN201
    entry = part_of_review_or_404(review, InputEntry, entry_id)
    return render_template("panel/input_history.html", review=review, entry=entry)


# --- Family involvement -----------------------------------------------------------------------

@panel.route("/cases/<reference>/family", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def edit_family(review: Review):  # noqa: ANN201
    family = services.family_of(review)
    form = forms.FamilyForm(obj=family)
    if not form.is_submitted():
        form.publication_consent.data = (family.publication_consent if family else PublicationConsent.NOT_ASKED).value

    def save() -> None:
        services.update_family(review, current_user, **{
            name: (getattr(form, name).data or None) if name != "publication_consent"
            else PublicationConsent(form.publication_consent.data) for name in services.FAMILY_FIELDS})

    return _form_page(review, form, title="Family involvement", section="family", done="Family involvement saved", act=save)


@panel.route("/cases/<reference>/family/contacts/new", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def new_family_contact(review: Review):  # noqa: ANN201
    form = forms.FamilyContactForm()
    return _form_page(
        review, form, title="Add a family contact", section="family", done="Family contact added",
        intro="Family contacts are restricted: only those who may see real names see them.",
        act=lambda: services.add_family_contact(
            review, current_user, name=form.name.data.strip(), relationship_to_victim=form.relationship_to_victim.data.strip(),
            contact_details=form.contact_details.data or None))


@panel.route("/cases/<reference>/family/dates/new", methods=["GET", "POST"])
@review_rule(policy.can_manage_panel)
def new_family_event(review: Review):  # noqa: ANN201
    form = forms.FamilyEventForm()
    return _form_page(
        review, form, title="Record a contact or meeting with the family", section="family", done="Recorded",
        act=lambda: services.add_family_event(
            review, current_user, kind=FamilyEventKind(form.kind.data), occurred_on=form.occurred_on.data,
            summary=form.summary.data or None))


def _panel_work(review: Review) -> services.PanelWork:
    """What the current user may see of the review's panel work, loaded once per request."""
    cache = g.setdefault("panel_work", {})
    if review.id not in cache:
        cache[review.id] = services.panel_work(review, current_user)
    return cache[review.id]


@panel.app_context_processor
def panel_sections() -> dict[str, Any]:
    """The review's panel partials ask for `panel_work(review)`: loaded once per page."""
    return {"panel_work": _panel_work}


def asks_on_overview(review: Review, user: Any) -> dict[str, Any] | None:
    """The panel's part of a review's overview: what this person's agency owes, and what they may accept."""
    if review.disposed_on is not None or not policy.can_see_panel_work(user, review):
        return None
    requests = _panel_work(review).requests
    to_deliver = [r for r in requests if r.status in OUTSTANDING and policy.speaks_for_agency(user, review, r)]
    to_take = ([r for r in requests if r.status is RequestStatus.RECEIVED and r.document_id is not None]
               if policy.can_take_delivery(user, review) else [])
    if not to_deliver and not to_take:
        return None
    return {"to_deliver": to_deliver, "to_take": to_take, "today": today_uk()}


def init_app(app: Flask) -> None:
    """What the panel adds to a review: its sections, its requirements, its history and its reminders."""
    from ssgp_dhr.panel import reminders  # noqa: F401 - registers the panel's reminder sources

    requirements.register()
    areas.register_sub_page(app, areas.SubPage("panel", "Panel and agencies", order=10))
    areas.register_overview_panel(app, areas.OverviewPanel("panel-asks", "panel/_overview_asks.html", order=10,
                                                           context=asks_on_overview))
    names.register_name_source("family_contacts", services.family_contact_names, services.family_contact_names_of)
    for order, (section_id, label, template, shown) in enumerate((
            ("panel", "Panel", "panel/_panel_members.html", areas.always),
            ("agency-requests", "Agency requests", "panel/_agency_requests.html", areas.always),
            ("panel-meetings", "Panel meetings", "panel/_panel_meetings.html", areas.always),
            ("input-log", "Input log", "panel/_input_log.html", _not_disposed),
            ("family", "Family involvement", "panel/_family.html", _not_disposed)), start=20):
        areas.register_section(app, areas.Section(section_id, label, template, page="panel", order=order, shown=shown))
    history.register_titles({
        "panel_membership": "Panel membership",
        "agency_request": "Agency requests",
        "panel_meeting": "Panel meetings",
        "input_log": "Panel input log",
        "family_involvement": "Family involvement",
        "family_contact": "Family involvement",
    })
    history.register_topic("panel", "Panel, agencies and family", (
        "consideration_panel", "panel_membership", "agency_request", "panel_meeting", "input_log",
        "family_involvement", "family_contact"))


def _not_disposed(review: Review, _user: Any) -> bool:
    return review.disposed_on is None
