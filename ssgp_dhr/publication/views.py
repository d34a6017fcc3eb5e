"""Pages for publishing reviews: the case-page actions, the public reviews page and its feed, and
the managers' publication board, statistics and exports. Thin: services.py does every write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from xml.etree import ElementTree

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ssgp_dhr import presentation
from ssgp_dhr.access import public, roles_required
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.cases import areas, death_kinds, history, workflow
from ssgp_dhr.cases import forms as case_forms
from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.models import QARound, Review
from ssgp_dhr.cases.names import masker_of, restricted_names
from ssgp_dhr.cases.policy import can_advance, can_see_real_names, coordinated_or_managed_reviews
from ssgp_dhr.cases.routes import part_of_review_or_404, review_rule
from ssgp_dhr.cases.services import InvalidChange, NotPermitted, StaleReview, WorkflowError
from ssgp_dhr.cases.stages import BEFORE_COMMISSIONING, PUBLISHED_STAGES, Stage
from ssgp_dhr.clock import today_uk
from ssgp_dhr.costs import services as cost_services
from ssgp_dhr.documents.models import Document
from ssgp_dhr.documents.views import send_version
from ssgp_dhr.extensions import db
from ssgp_dhr.hosts import external_url
from ssgp_dhr.inputs import has_control_characters, parse_id, query_page
from ssgp_dhr.organisations.models import Organisation, OrganisationKind
from ssgp_dhr.publication import copies, forms, name_decisions, services, statistics
from ssgp_dhr.publication.models import AnonymisationCheck, NameDecision, PublicationForm, PublicationRecord

publication = Blueprint("publication", __name__, template_folder="templates")

PUBLISHED_STATES = PUBLISHED_STAGES


def _version(form: case_forms.VersionedForm) -> int:
    return form.seen_version()


def _case(review: Review) -> Response:
    return redirect(url_for("cases.case_page", reference=review.reference))


def _restricted_text_errors(review: Review, form: case_forms.VersionedForm,
                            refused: services.RestrictedText) -> list[dict[str, str]]:
    """Each finding in the text typed, on its field and in the error summary: whose name it is (and
    the name, for those who may see real names) and which form of it was found."""
    names = can_see_real_names(current_user, review)
    errors = []
    for finding in refused.findings:
        whose = services.field_label(finding.field, review)
        name = services.finding_name(review, finding.field) if names else None
        text = (f"{services.PUBLIC_TEXT_LABELS.get(finding.document, finding.document)} contains a restricted detail: "
                f"{whose}{f' ({name})' if name else ''}, found as the "
                f"{finding.variant}. Change it, or ask for the name to be allowed for publication")
        field = getattr(form, finding.document, None)
        if field is not None:
            field.errors = [*field.errors, text]
        errors.append({"text": text, "href": f"#{finding.document}"})
    return errors


def _form_page(template: str, review: Review, form: case_forms.VersionedForm, save: Any, done: str,
               **context: Any) -> Any:
    """GET shows the form; POST validates it and calls `save(version)`; refusals return to the form,
    with what was typed."""
    if request.method == "GET":
        form.version.data = str(review.version)
    errors: list[dict[str, str]] = []
    status = 200
    if form.validate_on_submit():
        try:
            save(_version(form))
        except StaleReview as stale:
            errors = [{"text": "This case changed while you were working on it: check the page and save again",
                       "href": f"#{next(iter(form._fields))}"}]
            form.version.data = str(stale.review.version)
            status = 409
        except services.RestrictedText as refused:
            errors, status = _restricted_text_errors(review, form, refused), 400
            context["restricted"] = True
        except InvalidChange as invalid:  # each sentence on the field it is about (else the first)
            first = next(name for name in form._fields if name not in ("csrf_token", "version"))
            errors = case_forms.place_problems(form, [(name if name in form else first, sentence)
                                                      for name, sentence in invalid.problems])
            status = 400
        except WorkflowError as refused:
            first = next(name for name in form._fields if name not in ("csrf_token", "version"))
            errors, status = [{"text": str(refused), "href": f"#{first}"}], 400
        else:
            flash(done)
            if context.pop("to_names", False):
                return redirect(url_for("publication.names", reference=review.reference))
            return _case(review)
    elif form.errors:
        errors, status = case_forms.error_list(form), 400
    return render_template(template, review=review, form=form, errors=errors, **context), status


# --- On the case page -------------------------------------------------------------------------

def case_publication(review: Review) -> dict[str, Any]:
    """What the case page's publication section shows (a template global, so the case view stays as it is)."""
    record = services.publication_record(review)
    check = services.latest_check(review)
    names = can_see_real_names(current_user, review)
    status = services.check_status(review, check)
    return {"record": record, "check": check, "status": status,
            "current": status in (services.CHECK_PASSED, services.CHECK_FAILED),
            "removal_review_on": services.removal_review_due(review, record),
            "kinds": services.kinds_to_publish(review),
            "copies": copies.copy_lines(review) if copies.is_published(review) else [],
            "published": copies.is_published(review),
            "field_label": lambda field: services.field_label(field, review),
            # The recorded name a finding matched: only for those who may see real names.
            "name_of": (lambda field: services.finding_name(review, field)) if names else (lambda field: None),
            "may_confirm": name_decisions.may_confirm(current_user, review),
            "labels": services.DOCUMENT_LABELS}


@publication.route("/cases/<reference>/qa-round", methods=["GET", "POST"])
@review_rule(can_advance)
def qa_dates(review: Review):  # noqa: ANN201
    current = review.current_qa_round
    if current is None:
        abort(404)
    form = forms.QADatesForm(obj=current if request.method == "GET" else None)
    return _form_page("publication/qa_dates.html", review, form, lambda v: services.record_qa_dates(
        review, current_user, v, panel_meeting_on=form.panel_meeting_on.data, letter_on=form.letter_on.data),
        f"Dates saved for Home Office round {current.number}", qa_round=current)


@publication.route("/cases/<reference>/publication/decision", methods=["GET", "POST"])
@review_rule(can_advance)
def decision(review: Review):  # noqa: ANN201
    record = services.publication_record(review)
    form = forms.DecisionForm(obj=review if request.method == "GET" else None)
    if request.method == "GET" and record is not None:
        form.form.data = record.form.value if record.form else None
        form.decided_on.data = record.decided_on
    return _form_page("publication/decision.html", review, form, lambda v: services.record_decision(
        review, current_user, v, form=form.form.data, decided_on=form.decided_on.data,
        summary_only_reason=(form.summary_only_reason.data or "").strip() or None,
        family_agreed_summary_on=form.family_agreed_summary_on.data,
        home_office_agreed_summary_on=form.home_office_agreed_summary_on.data), "Publication decision recorded")


@publication.route("/cases/<reference>/publication/details", methods=["GET", "POST"])
@review_rule(can_advance)
def details(review: Review):  # noqa: ANN201
    form = forms.DetailsForm(obj=services.publication_record(review) if request.method == "GET" else None)

    def save(version: int) -> None:
        changes = {name: (v.strip() if isinstance(v := getattr(form, name).data, str) else v)
                   for name in services.DETAIL_FIELDS}
        services.record_details(review, current_user, version, changes)
    return _form_page("publication/details.html", review, form, save, "Publication details saved",
                      default_months=current_app.config["REMOVAL_REVIEW_MONTHS"])


# What the check is run on when the coordinator has not chosen yet: what the Home Office expects
# published with a full report.
DEFAULT_FULL_KINDS = ["overview_report", "executive_summary", "home_office_letter"]


@publication.route("/cases/<reference>/publication/check", methods=["GET", "POST"])
@review_rule(can_advance)
def anonymisation_check(review: Review):  # noqa: ANN201
    record = services.publication_record(review)
    summary_only = record is not None and record.form is PublicationForm.SUMMARY_ONLY
    form = forms.SummaryCheckForm() if summary_only else forms.CheckForm()
    if request.method == "GET" and not summary_only:
        form.documents.data = services.kinds_to_publish(review) or DEFAULT_FULL_KINDS
    offered = list(services.SUMMARY_KINDS if summary_only else services.FULL_REPORT_KINDS)
    stored = {kind: services.current_document(review, kind) for kind in offered}

    def save(version: int) -> None:
        check = services.run_check(review, current_user, None if summary_only else form.documents.data)
        if not check.passed:
            raise WorkflowError("The check found restricted details: see the findings on the case page, "
                                "upload corrected versions and check them again")
    return _form_page("publication/check.html", review, form, save, "The anonymisation check passed",
                      stored=stored, labels=services.DOCUMENT_LABELS)


# --- Names allowed for publication, and findings accepted as false positives --------------------

@publication.get("/cases/<reference>/publication/names")
@review_rule(name_decisions.may_see_decisions)
def names(review: Review):  # noqa: ANN201
    return _names_page(review)


def _names_page(review: Review, errors: list[dict[str, str]] | None = None, status: int = 200) -> Any:
    may_see = can_see_real_names(current_user, review)
    rows = []
    for decision in name_decisions.decisions(review):
        current = {n.key: n for n in restricted_names(review)}.get(decision.name_key)
        lapsed = current is None or name_decisions.name_digest(review, current.name) != decision.name_sha256
        rows.append({"decision": decision, "who": services.field_label(decision.name_key, review),
                     "name": current.name if current is not None and may_see else None, "lapsed": lapsed,
                     "may_confirm": not decision.in_effect and not lapsed and decision.recorded_by_id != current_user.id
                     and name_decisions.may_confirm(current_user, review)})
    return render_template("publication/names.html", review=review, rows=rows, form=forms.ConfirmDecisionForm(),
                           may_record=can_advance(current_user, review), errors=errors or []), status


@publication.route("/cases/<reference>/publication/names/allow", methods=["GET", "POST"])
@review_rule(can_advance)
def allow_name(review: Review):  # noqa: ANN201
    form = forms.AllowNameForm()
    # Only coordinators record these, and they may see the real names they choose between.
    form.name_key.choices = [(n.key, f"{n.role}: {n.name}") for n in restricted_names(review)]
    if request.method == "GET" and request.args.get("name") in {n.key for n in restricted_names(review)}:
        form.name_key.data = request.args["name"]
    return _form_page("publication/allow_name.html", review, form, lambda v: name_decisions.record_allowed_name(
        review, current_user, v, name_key=form.name_key.data, reason=form.reason.data,
        details=(form.details.data or "").strip() or None, family_agreed_on=form.family_agreed_on.data,
        home_office_agreed_on=form.home_office_agreed_on.data),
        "Decision recorded: it takes effect once a second person confirms it", to_names=True)


@publication.route("/cases/<reference>/publication/names/accept/<int:check_id>/<int:number>", methods=["GET", "POST"])
@review_rule(can_advance)
def accept_finding(review: Review, check_id: int, number: int):  # noqa: ANN201
    """Accept finding `number` (from 1) of check `check_id` as a false positive: a check never changes,
    so the finding is the one the coordinator chose, whatever was checked since."""
    check = part_of_review_or_404(review, AnonymisationCheck, check_id)
    findings = check.findings
    if not 1 <= number <= len(findings) or not findings[number - 1].get("field") or findings[number - 1].get("accepted"):
        abort(404)
    finding = findings[number - 1]
    sha = next((d.get("sha256") for d in check.documents if d.get("label") == finding["document"]), None)
    form = forms.AcceptFindingForm()
    return _form_page("publication/accept_finding.html", review, form, lambda v: name_decisions.record_accepted_finding(
        review, current_user, v, location=finding["document"], part=finding.get("part") or "text",
        field=finding["field"], variant=finding["variant"], content_sha256=sha,
        details=(form.details.data or "").strip() or None),
        "Decision recorded: it takes effect once a second person confirms it", to_names=True, finding=finding,
        who=services.field_label(finding["field"], review), name=services.finding_name(review, finding["field"]))


@publication.route("/cases/<reference>/publication/names/<int:decision_id>/confirm", methods=["GET", "POST"])
@review_rule(name_decisions.may_confirm)
def confirm_decision(review: Review, decision_id: int):  # noqa: ANN201
    """POST confirms (the button on the names page); GET goes to that page."""
    decision = part_of_review_or_404(review, NameDecision, decision_id)
    if request.method == "GET":
        return redirect(url_for("publication.names", reference=review.reference) + f"#decision-{decision.id}")
    form = forms.ConfirmDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        name_decisions.confirm(review, current_user, decision)
    except WorkflowError as refused:
        return _names_page(review, [{"text": str(refused), "href": f"#decision-{decision.id}"}],
                           403 if isinstance(refused, NotPermitted) else 400)
    flash("Decision confirmed: it is now in effect. Run the anonymisation check again")
    return redirect(url_for("publication.names", reference=review.reference))


@publication.route("/cases/<reference>/publication/copies", methods=["GET", "POST"])
@review_rule(can_advance)
def copy_sent(review: Review):  # noqa: ANN201
    if not copies.is_published(review) and request.method == "GET":
        abort(409)  # not published (any more): there is nothing to send copies of
    form = forms.CopySentForm()
    lines = copies.copy_lines(review)
    form.recipient_id.choices = [SelectChoice(str(line.recipient.id), line.recipient.name) for line in lines
                                 if line.recipient.retired_on is None]
    if request.method == "GET" and request.args.get("to") in {c.value for c in form.recipient_id.choices}:
        form.recipient_id.data = request.args["to"]
    return _form_page("publication/copy_sent.html", review, form, lambda v: copies.record_copy_sent(
        review, current_user, v, recipient_id=parse_id(form.recipient_id.data), sent_on=form.sent_on.data),
        "The copy sent is recorded", lines=lines)


# --- The public reviews page ------------------------------------------------------------------

PUBLIC_PAGE_SIZE = 20
FEED_SIZE = 50

_PUBLISHED = (Review.status.in_(PUBLISHED_STATES), Review.published_on.is_not(None))


def published_reviews(*, reference: str | None = None, limit: int | None = None, offset: int = 0,
                      partnership: Organisation | None = None) -> list[tuple[Review, PublicationRecord | None]]:
    """Reviews whose publication is recorded, newest first: the only reviews the public sees.

    A page of them (`limit`, `offset`) or the one with `reference`: never all of them at once, as a
    tracker serving many partnerships holds thousands.
    """
    # Both keys descending, so the database walks ix_reviews_published_on_reference backwards.
    query = (sa.select(Review, PublicationRecord).outerjoin(PublicationRecord, PublicationRecord.review_id == Review.id)
             .where(*_PUBLISHED).order_by(Review.published_on.desc(), Review.reference.desc()))
    if reference is not None:
        query = query.where(Review.reference == reference)
    if partnership is not None:
        query = query.where(_published_by(partnership))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [(review, record) for review, record in db.session.execute(query).all()]


def count_published_reviews(partnership: Organisation | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Review).where(*_PUBLISHED)
    if partnership is not None:
        query = query.where(_published_by(partnership))
    return db.session.scalar(query) or 0


def _published_by(partnership: Organisation) -> sa.ColumnElement[bool]:
    """The reviews a partnership published: those it led or held jointly."""
    return sa.or_(Review.lead_partnership_id == partnership.id, Review.joint_partnership_id == partnership.id)


def _public_partnership(short_name: str) -> Organisation | None:
    """The partnership a public address names by its short name (`?partnership=SG`); None for any other value."""
    if not short_name or len(short_name) > 40 or has_control_characters(short_name):
        return None
    return db.session.scalar(sa.select(Organisation).where(
        Organisation.short_name == short_name, Organisation.kind == OrganisationKind.PARTNERSHIP))


def is_summary_only(review: Review, record: PublicationRecord | None) -> bool:
    return review.status == Stage.SUMMARY_ONLY or (record is not None and record.form is PublicationForm.SUMMARY_ONLY)


def published_links(review: Review, documents: list[Document] | None = None) -> list[tuple[str, str, str | None]]:
    """(text, address, file name) of each published document of the review: THE source of the public page's links.

    The published report, executive summary and Home Office letter (or the learning summary), each
    through the public download route, which serves only the version marked published under the
    name the service made for it; then the recorded public address, if any. `documents` are the
    review's published documents when the caller has loaded them for a whole page.
    """
    links: list[tuple[str, str, str | None]] = [
        (services.DOCUMENT_LABELS.get(d.document_type.value, d.document_type.label), address, name)
        for d, address, name in published_files(review, documents)]
    if review.publication_url:
        links.append(("The review on the partnership's website", review.publication_url, None))
    return links


def published_files(review: Review, documents: list[Document] | None = None) -> list[tuple[Document, str, str]]:
    """(document, download address, download name) of each published document of the review."""
    if documents is None:
        documents = services.published_documents([review.id])[review.id]
    files = []
    for d in documents:
        name = services.public_file_name(review, d.document_type.value, d.public_version)
        files.append((d, url_for("publication.public_document", reference=review.reference, document_id=d.id,
                                 which="current"), name))
    return files


def _published_review_or_404(reference: str) -> Review:
    review = db.session.scalar(sa.select(Review).where(
        Review.reference == reference, Review.status.in_(PUBLISHED_STATES), Review.published_on.is_not(None)))
    if review is None:
        abort(404)
    return review


@publication.get("/reviews/<reference>/documents/<int:document_id>/<which>")
@public
def public_document(reference: str, document_id: int, which: str) -> Response:
    """A published document of a published review, for anyone: the version marked published ("current"
    or its number) and nothing else. Every other request is 404, revealing nothing about what exists."""
    document = part_of_review_or_404(_published_review_or_404(reference), Document, document_id)
    version = document.public_version
    if version is None or which not in ("current", str(version.number)):
        abort(404)
    return send_version(version, services.public_file_name(document.review, document.document_type.value, version))


def _public_entries(rows: list[tuple[Review, PublicationRecord | None]]) -> list[dict[str, Any]]:
    documents = services.published_documents(review.id for review, _ in rows)
    return [_public_entry(review, record, documents[review.id]) for review, record in rows]


def _public_entry(review: Review, record: PublicationRecord | None,
                  documents: list[Document] | None = None) -> dict[str, Any]:
    # Only these fields leave the service: never a real name, date of birth, address or case detail.
    return {"reference": review.reference, "pseudonym": review.pseudonym, "age": review.victim_age,
            "year": review.date_of_death.year, "published_on": review.published_on,
            "summary": record.public_summary if record else None,
            "summary_only": is_summary_only(review, record),
            "learning_summary": record.learning_summary if record else None,
            "summary_only_reason": review.summary_only_reason if is_summary_only(review, record) else None,
            "press_contact": review.press_contact or current_app.config["PUBLIC_CONTACT"],
            # Who published it: the lead partnership, with the joint one if any (their public names).
            "partnership": review.lead_partnership.name, "partnership_short": review.lead_partnership.short_name,
            "joint_partnership": review.joint_partnership.name if review.joint_partnership else None,
            "links": published_links(review, documents),
            "files": [(d.id, name) for d, _address, name in published_files(review, documents)]}


@publication.get("/reviews")
@public
def public_reviews():  # noqa: ANN201
    """Every published review, or one partnership's (`?partnership=SG`, under its own name)."""
    wanted = request.args.get("partnership", "")
    partnership = _public_partnership(wanted)
    if wanted and partnership is None:
        abort(404)
    total = count_published_reviews(partnership)
    pages = max(1, -(-total // PUBLIC_PAGE_SIZE))
    page = query_page()
    if page > pages:
        abort(404)
    rows = published_reviews(limit=PUBLIC_PAGE_SIZE, offset=(page - 1) * PUBLIC_PAGE_SIZE, partnership=partnership)
    by = {"partnership": partnership.short_name} if partnership else {}
    links = presentation.pagination(page, pages, lambda n: url_for("publication.public_reviews", page=n, **by),
                                    label="Pages of published reviews")
    return render_template("publication/public.html", entries=_public_entries(rows), page=page, pages=pages,
                           total=total, pagination=links, partnership=partnership)


@publication.get("/reviews/<reference>")
@public
def public_review(reference: str):  # noqa: ANN201
    entry = next((_public_entry(r, rec) for r, rec in published_reviews(reference=reference)), None)
    if entry is None:
        abort(404)
    return render_template("publication/public_review.html", entry=entry)


@publication.get("/reviews/feed.atom")
@public
def public_feed() -> Response:
    atom = "http://www.w3.org/2005/Atom"
    ElementTree.register_namespace("", atom)
    feed = ElementTree.Element(f"{{{atom}}}feed")
    entries = _public_entries(published_reviews(limit=FEED_SIZE))
    name = current_app.config["PARTNERSHIP_NAME"]

    def sub(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{atom}}}{tag}", attrs)
        element.text = text
        return element

    def stamp(day: Any) -> str:
        return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()

    sub(feed, "title", f"{name}: published {current_app.config['REVIEW_TYPE_NAME']}s")
    # From BASE_URL: a feed reader keeps these, and the request's Host header is whatever the sender chose.
    sub(feed, "id", external_url("publication.public_reviews"))
    sub(feed, "link", href=external_url("publication.public_feed"), rel="self")
    sub(feed, "link", href=external_url("publication.public_reviews"))
    sub(feed, "updated", stamp(entries[0]["published_on"]) if entries else "1970-01-01T00:00:00+00:00")
    sub(sub(feed, "author"), "name", name)
    for entry in entries:
        item = sub(feed, "entry")
        address = external_url("publication.public_review", reference=entry["reference"])
        sub(item, "title", f"{entry['pseudonym']}" + (" (learning summary)" if entry["summary_only"] else ""))
        sub(item, "id", address)
        sub(item, "link", href=address)
        sub(item, "updated", stamp(entry["published_on"]))
        sub(sub(item, "author"), "name", entry["partnership"])  # the partnership that published it
        sub(item, "summary", entry["summary"] or "")
        for document_id, file_name in entry["files"]:
            # Each published file, under the name the service made for it (never the uploaded one).
            sub(item, "link", rel="enclosure", title=file_name, href=external_url(
                "publication.public_document", reference=entry["reference"], document_id=document_id, which="current"))
    body = ElementTree.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


# --- Whom copies are sent to ---------------------------------------------------------------------

def _kept_lists() -> list[tuple[Organisation, bool]]:
    """The partnerships whose list of recipients the user sees, with whether they keep it (coordinate it)."""
    coordinated = set(current_user.partnerships_for(Role.COORDINATOR))
    shown = coordinated | set(current_user.partnerships_for(Role.MANAGER))
    return [(p, p.id in coordinated) for p in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(shown)).order_by(Organisation.name))]


@publication.get("/publication/copy-recipients")
@roles_required(Role.MANAGER, Role.COORDINATOR)
def copy_recipients():  # noqa: ANN201
    return _recipients_page()


def _recipients_page(errors: list[dict[str, str]] | None = None, typed: forms.RecipientForm | None = None,
                     partnership_id: int | None = None, status: int = 200) -> Any:
    lists = [(p, keeps, copies.recipients(p.id),
              typed if typed is not None and p.id == partnership_id else _recipient_form(p.id))
             for p, keeps in _kept_lists()]
    return render_template("publication/copy_recipients.html", lists=lists, errors=errors or [],
                           usual=copies.USUAL_RECIPIENTS), status


def _recipient_form(partnership_id: int) -> forms.RecipientForm:
    """One partnership's add form: its fields' names carry the partnership (one form each on the page), so its
    CSRF token is the page's own, checked for every POST by CSRFProtect."""
    return forms.RecipientForm(prefix=f"p{partnership_id}", meta={"csrf": False})


def _kept_or_404(partnership_id: int) -> Organisation:
    for partnership, keeps in _kept_lists():
        if partnership.id == partnership_id and keeps:
            return partnership
    abort(404)


@publication.post("/publication/copy-recipients/<int:partnership_id>")
@roles_required(Role.COORDINATOR)
def add_copy_recipient(partnership_id: int):  # noqa: ANN201
    partnership = _kept_or_404(partnership_id)
    form = _recipient_form(partnership.id)
    if form.validate_on_submit():
        try:
            recipient = copies.add_recipient(current_user, partnership.id, form.name.data)
        except WorkflowError as refused:
            problems = getattr(refused, "problems", [("name", str(refused))])
            return _recipients_page(case_forms.place_problems(form, problems), form, partnership.id, 400)
        flash(f"{recipient.name} is on {partnership.name}'s list")
        return redirect(url_for("publication.copy_recipients"))
    return _recipients_page(case_forms.error_list(form), form, partnership.id, 400)


@publication.post("/publication/copy-recipients/<int:partnership_id>/usual")
@roles_required(Role.COORDINATOR)
def add_usual_copy_recipients(partnership_id: int):  # noqa: ANN201
    partnership = _kept_or_404(partnership_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            copies.add_usual_recipients(current_user, partnership.id)
        except WorkflowError as refused:
            flash(str(refused))
        else:
            flash(f"{partnership.name}'s list starts with the usual recipients")
    return redirect(url_for("publication.copy_recipients"))


@publication.post("/publication/copy-recipients/<int:partnership_id>/<int:recipient_id>/retire")
@roles_required(Role.COORDINATOR)
def retire_copy_recipient(partnership_id: int, recipient_id: int):  # noqa: ANN201
    partnership = _kept_or_404(partnership_id)
    recipient = next((r for r in copies.recipients(partnership.id) if r.id == recipient_id), None)
    if recipient is None:
        abort(404)
    if forms.ConfirmForm().validate_on_submit():
        copies.retire_recipient(current_user, recipient)
        flash(f"{recipient.name} is no longer offered; the copies sent to it stay on record")
    return redirect(url_for("publication.copy_recipients"))


# --- For managers: the board, the statistics, the exports --------------------------------------

def _in_partnerships() -> sa.ColumnElement[bool]:
    """The reviews of the partnerships the user manages or coordinates, of the kind of death chosen (the
    `kind` filter of the board, the statistics and the exports), if one is."""
    kind = chosen_kind()
    clause = coordinated_or_managed_reviews(current_user)
    return sa.and_(clause, Review.death_kind == kind) if kind else clause


def chosen_kind() -> str:
    """The kind of death the page is filtered to ('' for every kind); a value that is none is ignored."""
    kind = request.args.get("kind", "")
    return kind if kind in set(DeathKind) else ""


def _kind_filter() -> dict[str, Any]:
    """What a page's kind-of-death filter shows: the kinds, the one chosen, and its words."""
    kind = chosen_kind()
    return {"kind": kind, "death_kinds": death_kinds.choices(),
            "kind_label": death_kinds.wording(kind).label if kind else None}


BOARD_SHOWN = 25  # reviews listed in each column of the publication board
# The colour of each anonymisation check's result, as publication/_check_tag.html shows it; any other, yellow.
CHECK_TAGS = {services.CHECK_PASSED: "govuk-tag--green", services.CHECK_FAILED: "govuk-tag--red",
              services.CHECK_NOT_RUN: "govuk-tag--grey"}
IN_PROGRESS = (Stage.HOME_OFFICE_REVIEW, Stage.REVISING, Stage.APPROVED)


@dataclass(frozen=True)
class BoardColumn:
    rows: list[dict[str, Any]]
    total: int  # how many belong in the column; at most BOARD_SHOWN are listed
    order: str = ""  # which are listed when not all are, e.g. "most recently published"

    @property
    def is_cut(self) -> bool:
        return self.total > len(self.rows)


def board_columns(in_partnership: sa.ColumnElement[bool]) -> dict[str, BoardColumn]:
    """The board's columns for the reviews matching `in_partnership`.

    At national scale a column can hold hundreds, so each lists at most BOARD_SHOWN, the most
    pressing first: those waiting longest on the Home Office or for publication, the most recently
    published, the longest overdue for a removal review; each heading counts them all. Which to list
    is worked out from rows of dates, and only the reviews listed are loaded whole.
    """
    today = today_uk()
    waiting_since: dict[int, tuple[str, date | None, str]] = {}
    for row in db.session.execute(
        sa.select(Review.id, Review.status, Review.reference, QARound.submitted_on, QARound.letter_on)
        .outerjoin(QARound, QARound.review_id == Review.id)
        .where(in_partnership, Review.status.in_(IN_PROGRESS)).order_by(Review.id, QARound.number)
    ):
        # In QA since the first submission; approved since the latest round's letter.
        if row.status == Stage.APPROVED or row.id not in waiting_since:
            since = row.letter_on if row.status == Stage.APPROVED else row.submitted_on
            waiting_since[row.id] = (row.status, since, row.reference)
    longest_first = sorted(waiting_since, key=lambda i: (waiting_since[i][1] is None, waiting_since[i][1] or today,
                                                         waiting_since[i][2]))
    with_home_office = [i for i in longest_first if waiting_since[i][0] != Stage.APPROVED]
    awaiting = [i for i in longest_first if waiting_since[i][0] == Stage.APPROVED]
    published = db.session.execute(
        sa.select(Review.id, Review.status, Review.published_on, PublicationRecord.form, PublicationRecord.removal_review_on)
        .outerjoin(PublicationRecord, PublicationRecord.review_id == Review.id)
        .where(in_partnership, Review.status.in_(PUBLISHED_STATES), Review.published_on.is_not(None))
        .order_by(Review.published_on.desc(), Review.reference)).all()
    summary_only = {row.id for row in published if row.status == Stage.SUMMARY_ONLY or row.form is PublicationForm.SUMMARY_ONLY}
    full = [row.id for row in published if row.id not in summary_only]
    brief = [row.id for row in published if row.id in summary_only]
    months = current_app.config["REMOVAL_REVIEW_MONTHS"]
    removal_on = {row.id: services.removal_review_on(row.published_on, row.removal_review_on, months) for row in published}
    due = sorted((i for i, on in removal_on.items() if on is not None and on <= today), key=lambda i: (removal_on[i], i))
    owing = set(db.session.scalars(sa.select(Review.id).where(
        in_partnership, Review.status.in_(PUBLISHED_STATES), Review.published_on.is_not(None), copies.owing_a_copy())))
    to_send_first = [row.id for row in reversed(published) if row.id in owing]  # published longest ago first

    # Submitted and not yet approved: with the QA Panel, or being revised at its request.
    lists = {"In Home Office QA": (with_home_office, "waiting longest"),
             "Awaiting publication": (awaiting, "waiting longest"),
             "Published": (full, "most recently published"), "Summary only": (brief, "most recently published"),
             "Copies still to send": (to_send_first, "published longest ago"),
             "Removal review due": (due, "longest overdue")}
    shown_ids = {i for ids, _ in lists.values() for i in ids[:BOARD_SHOWN]}
    # The dates were worked out above from the rows; only the columns a row shows are read now, as plain
    # rows (loading up to a hundred whole reviews was most of the page's time).
    shown = {row.id: row for row in db.session.execute(
        sa.select(Review.id, Review.reference, Review.pseudonym, Review.death_kind, Review.status,
                  Review.published_on, Review.lead_partnership_id).where(Review.id.in_(shown_ids)))} if shown_ids else {}
    to_send = copies.still_to_send(r for r in shown.values() if copies.is_published(r))
    kind_labels = {kind: death_kinds.wording(kind).short_label for kind in {row.death_kind for row in shown.values()}}
    rows = {i: {"reference": row.reference, "pseudonym": row.pseudonym,
                "kind": kind_labels[row.death_kind], "stage": workflow.STAGE_BY_NAME[row.status].label,
                "published_on": row.published_on, "since": waiting_since.get(i, (None, None, None))[1],
                "removal_review_on": removal_on.get(i), "to_send": to_send.get(i)} for i, row in shown.items()}
    # Awaiting publication: whether the check passed on what would be published now. The newest checks
    # of the reviews listed, with those reviews, are read in one statement; only a review that has one is read further.
    checks = services.latest_checks(awaiting[:BOARD_SHOWN])
    current = services.current_among({i: check for i, (check, _) in checks.items()},
                                     {i: review for i, (_, review) in checks.items()})
    for i in awaiting[:BOARD_SHOWN]:
        check, review = checks.get(i, (None, None))
        rows[i]["check"] = services.status_of_check(check, review, current=i in current)
    return {heading: BoardColumn([rows[i] for i in ids[:BOARD_SHOWN]], len(ids), order)
            for heading, (ids, order) in lists.items()}


def _records(reviews: list[Review]) -> dict[int, PublicationRecord]:
    ids = [r.id for r in reviews]
    return {rec.review_id: rec for rec in db.session.scalars(
        sa.select(PublicationRecord).where(PublicationRecord.review_id.in_(ids)))} if ids else {}


@publication.get("/publication")
@roles_required(Role.MANAGER, Role.COORDINATOR)
def board():  # noqa: ANN201
    return render_template("publication/board.html", columns=board_columns(_in_partnerships()), today=today_uk(),
                           check_tags=CHECK_TAGS, shown=BOARD_SHOWN, **_kind_filter())


def _figures() -> dict[str, Any]:
    reviews = statistics.review_facts(_in_partnerships())
    recommendations = statistics.recommendation_counts(_in_partnerships())
    return {"years": statistics.per_year(reviews), "by_kind": statistics.per_year_by_kind(reviews),
            "intervals": statistics.intervals(reviews),
            "delays": statistics.delays(reviews, today_uk()), "declines": statistics.declines(reviews),
            "on_time": recommendations.on_time, "completed": recommendations.completed,
            "recommendations": recommendations.total, "on_first_target": recommendations.on_first_target,
            "revised_targets": recommendations.revised, "spend": cost_services.spend(_in_partnerships()),
            "shared": cost_services.balances_across(_in_partnerships())}


@publication.get("/publication/statistics")
@roles_required(Role.MANAGER, Role.COORDINATOR)
def statistics_page():  # noqa: ANN201
    figures = _figures()
    top = max((max(y.notified, y.commissioned, y.published) for y in figures["years"]), default=0)
    return render_template("publication/statistics.html", top=max(top, 1), **figures, **_kind_filter())


def _pounds(pence: int) -> str:
    """Money for a spreadsheet: pounds with two decimals and no symbol or separators, '1250.50'."""
    return f"{pence // 100}.{pence % 100:02d}"


STATISTICS_CSV_HEADINGS = ("Figure", "Year", "Value", "Limit", "Within limit", "Count")


@publication.get("/publication/statistics.csv")
@roles_required(Role.MANAGER, Role.COORDINATOR)
def statistics_csv() -> Response:
    figures = _figures()
    rows: list[list[Any]] = []
    for y in figures["years"]:
        rows += [["Notified", y.year, y.notified, "", "", ""], ["Commissioned", y.year, y.commissioned, "", "", ""],
                 ["Published", y.year, y.published, "", "", ""]]
    for k in figures["by_kind"]:
        label = k.kind.label
        rows += [[f"Notified: {label}", k.year, k.notified, "", "", ""],
                 [f"Commissioned: {label}", k.year, k.commissioned, "", "", ""],
                 [f"Published: {label}", k.year, k.published, "", "", ""]]
    for i in figures["intervals"]:
        rows.append([f"Median days: {i.name.lower()}", "", "" if i.median_days is None else i.median_days,
                     i.limit or "", i.within_limit if i.limit else "", i.count])
    delays = figures["delays"]
    rows += [["Late decisions whether to hold a review", "", delays.late_decisions, "", "", ""],
             ["Late decisions: Home Office told of the delay", "", delays.decisions_told, "", "", delays.late_decisions]]
    rows += [["Late reports to the Home Office", "", delays.late_reports, "", "", ""],
             ["Late reports: Home Office told of the delay", "", delays.told, "", "", delays.late_reports]]
    rows += [[f"Delay cause: {cause.label}", "", count, "", "", ""] for cause, count in delays.causes]
    rows += [["Reviews put on hold", "", delays.held, "", "", ""], ["Holds", "", delays.holds, "", "", ""],
             ["Median days on hold: ended holds", "", "" if delays.median_days_on_hold is None
              else delays.median_days_on_hold, "", "", ""],
             ["Holds past their first expected end", "", delays.holds_overran, "", "", delays.holds]]
    declines = figures["declines"]
    rows += [["Decisions not to hold a review", "", declines.declined, "", "", ""],
             ["Decisions not to hold a review: reopened", "", declines.reopened, "", "", declines.declined]]
    still = declines.declined - declines.reopened
    rows += [[f"Decisions not to hold a review: {answer}", "", count, "", "", still] for answer, count in (
        ("Home Office agreed", declines.agreed), ("Home Office asked for a review", declines.review_asked),
        ("Home Office response awaited", declines.awaited))]
    rows.append(["Recommendations completed on time", "", figures["on_time"], "", "", figures["completed"]])
    rows.append(["Recommendations completed by the target first agreed", "", figures["on_first_target"], "", "",
                 figures["completed"]])
    rows.append(["Recommendations with a target date moved", "", figures["revised_targets"], "", "",
                 figures["recommendations"]])
    spend = figures["spend"]
    rows.append(["Costs in pounds: total", "", _pounds(spend.total_pence), "", "", ""])
    rows += [[f"Costs in pounds: paid by {name}", "", _pounds(pence), "", "", _pounds(spend.total_pence)]
             for name, pence in spend.by_funder]
    rows += [[f"Costs in pounds: {kind.label.lower()}", "", _pounds(pence), "", "", _pounds(spend.total_pence)]
             for kind, pence in spend.by_kind]
    rows += [["Costs in pounds: financial year", year, _pounds(pence), "", "", _pounds(spend.total_pence)]
             for year, pence in spend.by_financial_year]
    shared = figures["shared"]
    rows.append(["Reviews with agreed shares of their costs", "", shared.reviews, "", "", ""])
    rows += [[f"Costs in pounds: {'owed by' if pence > 0 else 'owed back to'} {name} under the agreed shares", "",
              _pounds(abs(pence)), "", "", ""] for name, pence in shared.owed]
    return presentation.csv_response(STATISTICS_CSV_HEADINGS, rows, "dhr-statistics.csv")


@publication.get("/publication/costs.csv")
@roles_required(Role.MANAGER, Role.COORDINATOR)
def costs_csv() -> Response:
    """Every cost and recharge of the reviews the statistics count, a line each, amounts in pounds."""
    rows: list[list[Any]] = []
    lines = cost_services.ledger(_in_partnerships())
    # The details are typed text: masked for a reader who may not see the real names of a review.
    masked = masker_of(current_user, {line["review_id"] for line in lines})
    for line in lines:
        line["details"] = masked(line["review_id"], line["details"])
        rows.append([_pounds(line[c]) if c == "amount_pence" else line[c] for c in cost_services.LEDGER_COLUMNS])
    headings = [cost_services.LEDGER_HEADINGS[c] for c in cost_services.LEDGER_COLUMNS]
    return presentation.csv_response(headings, rows, "dhr-costs.csv")


@publication.get("/publication/home-office-library.csv")
@roles_required(Role.MANAGER, Role.COORDINATOR)
def library_csv() -> Response:
    reviews = db.session.scalars(
        sa.select(Review).where(_in_partnerships(), Review.status.in_(PUBLISHED_STATES), Review.published_on.is_not(None))
        .options(selectinload(Review.qa_rounds)).order_by(Review.reference)).unique().all()
    records = _records(reviews)
    rows: list[list[Any]] = []
    for review in reviews:
        row = statistics.library_row(review, is_summary_only(review, records.get(review.id)), review.publication_url)
        rows.append([row[c] for c in statistics.LIBRARY_COLUMNS])
    headings = [statistics.LIBRARY_HEADINGS[c] for c in statistics.LIBRARY_COLUMNS]
    return presentation.csv_response(headings, rows, "dhr-library-metadata.csv")


def init_app(app: Flask) -> None:
    """What publication adds to a review: the Home Office rounds and publication sections, what publishing
    needs, its history and its reminders."""
    from ssgp_dhr.publication import reminders  # noqa: F401 - registers the removal review's reminder source

    app.jinja_env.globals["case_publication"] = case_publication
    app.jinja_env.globals["may_see_real_names"] = lambda review: can_see_real_names(current_user, review)
    services.register_requirements()
    areas.register_sub_page(app, areas.SubPage("home-office", "Home Office and publication", order=30))
    for order, (section_id, label, template) in enumerate((
            ("home-office-rounds", "Home Office rounds", "publication/_qa_rounds.html"),
            ("publication", "Publication", "publication/_publication.html")), start=40):
        areas.register_section(app, areas.Section(section_id, label, template, page="home-office", order=order,
                                                  shown=_commissioned))
    history.register_titles({"anonymisation_check": "Anonymisation check", "copy_sent": "Copy sent",
                             "name_decision": "Name allowed for publication, or a finding accepted"}, field_names={
        "publication_form": "form of publication",
        "publication_decided_on": "date the form of publication was decided",
        "sent_to_secretary_of_state_on": "date sent to the Secretary of State",
        "sent_to_commissioner_on": "date sent to the Domestic Abuse Commissioner",
        "removal_review_on": "date to review removing the report",
    })
    history.register_value_labels("publication_form", {k.value: k.label for k in PublicationForm})
    history.register_topic("documents", "Documents", ("anonymisation_check", "name_decision"))
    history.register_topic("publication", "Publication and action plan", (
        "publication_form", "publication_decided_on", "public_summary", "learning_summary",
        "sent_to_secretary_of_state_on", "sent_to_commissioner_on", "copy_sent", "removal_review_on",
        "summary_only_reason", "family_agreed_summary_on", "home_office_agreed_summary_on"))


def _commissioned(review: Review, _user: object) -> bool:
    return review.status not in BEFORE_COMMISSIONING
