"""The import page: a coordinator uploads the partnership's spreadsheet, sees every row's result, and confirms.
The template to fill in is downloaded from the same page."""

from __future__ import annotations

import io
import re

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from ssgp_dhr.access import roles_required
from ssgp_dhr.accounts import access_log
from ssgp_dhr.accounts.models import AccessEvent, Role
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.review_import import jobs, services
from ssgp_dhr.review_import.archive import partnership_archive
from ssgp_dhr.review_import.export import partnership_json, partnership_workbook
from ssgp_dhr.review_import.forms import ConfirmForm, SubjectAccessForm, UploadForm
from ssgp_dhr.review_import.models import ImportStage
from ssgp_dhr.review_import.subject_access import subject_access
from ssgp_dhr.review_import.template import template_workbook

review_import = Blueprint("review_import", __name__, url_prefix="/reviews/import", template_folder="templates")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@review_import.route("", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def upload():  # noqa: ANN201
    form = UploadForm()
    partnerships = services.importing_partnerships(current_user)
    form.partnership.choices = [("", "Choose a partnership")] * (len(partnerships) > 1) + [
        (str(p.id), p.name) for p in partnerships]
    if form.validate_on_submit():
        partnership = next(p for p in partnerships if str(p.id) == form.partnership.data)
        upload = form.file.data
        try:
            pending = services.upload_for_preview(upload.read(), upload.filename or "spreadsheet", partnership,
                                                  current_user)
        except services.ImportRefused as refused:
            form.file.errors.append(str(refused))
        else:
            # A large file takes longer to check than a request may last: it is checked outside this one.
            jobs.start(current_app._get_current_object(), services.check_upload, pending.id)
            return redirect(url_for("review_import.status", token=pending.token))
    return render_template("review_import/upload.html", form=form, partnerships=partnerships), \
        400 if form.errors else 200


@review_import.get("/<token>")
@roles_required(Role.COORDINATOR)
def status(token: str):  # noqa: ANN201
    """Where the check or the import of an uploaded file has got to: the preview once it is ready."""
    pending = services.pending_upload(token, current_user)
    if pending is None:
        abort(404)
    stage = services.stage_of(pending)
    partnership = db.session.get(Organisation, pending.partnership_id)
    if stage is ImportStage.IMPORTED:
        counts = pending.result["counts"]
        services.forget(pending)
        flash(f"{counts['created']} reviews created and {counts['updated']} updated; {counts['unchanged']} were "
              "already up to date")
        return redirect(url_for("cases.case_list"))
    if stage is not ImportStage.CHECKED or "refused" in pending.result:
        return render_template("review_import/checking.html", pending=pending, stage=stage, stages=ImportStage,
                               partnership=partnership)
    return render_template("review_import/preview.html", result=services.result_from_json(pending.result),
                           token=token, partnership=partnership, filename=pending.filename, form=ConfirmForm(),
                           outcomes=services.Outcome)


@review_import.post("/<token>")
@roles_required(Role.COORDINATOR)
def confirm(token: str):  # noqa: ANN201
    form = ConfirmForm()
    pending = services.pending_upload(token, current_user)
    if pending is None or not form.validate_on_submit():
        abort(404)
    checked = services.stage_of(pending) is ImportStage.CHECKED and "rows" in pending.result
    if checked and not services.result_from_json(pending.result).refused:
        services.start_import(pending)
        jobs.start(current_app._get_current_object(), services.import_upload, pending.id)
    return redirect(url_for("review_import.status", token=token))


@review_import.get("/template.xlsx")
@roles_required(Role.COORDINATOR)
def template():  # noqa: ANN201
    return template_workbook(), 200, {
        "Content-Type": XLSX, "Content-Disposition": 'attachment; filename="reviews-template.xlsx"'}


@review_import.get("/export/<int:partnership_id>.<any(xlsx, json, zip):form>")
@roles_required(Role.COORDINATOR, Role.MANAGER)
def export(partnership_id: int, form: str):  # noqa: ANN201
    """The partnership's reviews with their history and records, for a coordinator or manager of it: a workbook,
    JSON, or a ZIP of both with the documents."""
    partnership = db.session.get(Organisation, partnership_id)
    if partnership is None or not (current_user.has_role(Role.COORDINATOR, partnership_id)
                                   or current_user.has_role(Role.MANAGER, partnership_id)):
        abort(404)
    if form == "zip":
        return _archive_download(partnership)
    content, kind = ((partnership_workbook(partnership, current_user), XLSX) if form == "xlsx"
                     else (partnership_json(partnership, current_user), "application/json"))
    # Who took a partnership's reviews out, and when: the path says which partnership and in which form.
    access_log.record(AccessEvent.REVIEWS_EXPORTED, status=200)
    return content, 200, {
        "Content-Type": kind, "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{_safe(partnership.short_name)}-reviews.{form}"'}


def _archive_download(partnership: Organisation) -> Response:
    """The ZIP streamed from its temporary file, which is removed once sent."""
    archive = partnership_archive(partnership, current_user)
    size = archive.seek(0, io.SEEK_END)
    archive.seek(0)
    access_log.record(AccessEvent.REVIEWS_EXPORTED, status=200)
    response = Response(wrap_file(request.environ, archive), direct_passthrough=True)
    response.headers.update({
        "Content-Type": "application/zip", "Content-Length": str(size), "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{_safe(partnership.short_name)}-reviews.zip"'})
    return response


def _safe(name: str) -> str:
    """A name fit for a download's file name."""
    return re.sub(r"[^A-Za-z0-9_-]", "", name) or "partnership"


@review_import.route("/subject-access", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def subject_access_request():  # noqa: ANN201
    """A person's subject access request: every record naming them, across the reviews the coordinator may see
    with real names, as one download. The access log says who made it (the name is not logged)."""
    form = SubjectAccessForm()
    if form.validate_on_submit():
        content = subject_access(current_user, form.name.data)
        access_log.record(AccessEvent.SUBJECT_ACCESS_REQUEST, status=200)
        return content, 200, {"Content-Type": "application/json", "Cache-Control": "no-store",
                              "Content-Disposition": 'attachment; filename="subject-access-request.json"'}
    return render_template("review_import/subject_access.html", form=form), 400 if form.errors else 200
