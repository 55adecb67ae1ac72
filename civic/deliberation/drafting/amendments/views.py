"""Amendment pages: a document's amendments and the proposal form, one amendment, its decision and poll."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from civic.accounts.participant import current_participant
from civic.consultations import services as consultations
from civic.consultations.models import Consultation
from civic.deliberation.discussion import queries as discussion_queries
from civic.deliberation.discussion import services as discussion
from civic.deliberation.drafting import documents
from civic.deliberation.drafting import permissions as drafting_permissions
from civic.deliberation.drafting.amendments import permissions, queries, services
from civic.deliberation.drafting.amendments.forms import (
    AMENDMENT_STATUS_NAMES,
    CONSENT_NAMES,
    AmendmentDecisionForm,
    AmendmentForm,
    CloseConsentForm,
    ConsentForm,
)
from civic.deliberation.drafting.amendments.models import Amendment
from civic.deliberation.drafting.errors import DocumentFull
from civic.deliberation.drafting.forms import MODE_NAMES
from civic.deliberation.drafting.models import Document
from civic.errors import Forbidden

# Same URLs as the document pages they belong to: /c/<slug>/documents/<id>/amendments...
bp = Blueprint("amendments", __name__, url_prefix="/c/<slug>/documents")


def _load(slug: str, document_id: int) -> tuple[Consultation, Document]:
    consultation = consultations.get_consultation(slug, current_participant())
    return consultation, documents.get_document(consultation, document_id, current_participant())


# Characters of the current text shown on each side of an amendment's passage.
CONTEXT = 160


def _load_amendment(slug: str, document_id: int, number: int) -> tuple[Consultation, Document, Amendment]:
    consultation, document = _load(slug, document_id)
    return consultation, document, services.get_amendment(document, number)


def _amendments_page(
    consultation: Consultation, document: Document, form: AmendmentForm | None = None, status: int = 200
) -> ResponseReturnValue:
    """The document's amendments, with the proposal form; a failed proposal comes back with its text."""
    user = current_participant()
    rows = queries.amendment_list(document)
    text, where, overlaps = services.amendment_overview(document, [row.amendment for row in rows])
    numbers = {row.amendment.id: row.amendment.number for row in rows}
    return render_template(
        "drafting/amendments.html",
        consultation=consultation,
        document=document,
        rows=rows,
        where=where,
        conflicts={key: [numbers[other] for other in ids] for key, ids in overlaps.items()},
        text=text,
        form=form or AmendmentForm(formdata=None),
        can_propose=permissions.can_propose_amendment(user, document),
        status_names=AMENDMENT_STATUS_NAMES,
        mode_names=MODE_NAMES,
    ), status


@bp.route("/<int:document_id>/amendments")
def index(slug: str, document_id: int) -> ResponseReturnValue:
    """The list and the form; ?passage= (the editor's "propose an amendment" button) fills the passage."""
    consultation, document = _load(slug, document_id)
    passage = request.args.get("passage", "")
    form = None
    if len(passage) > services.PASSAGE_MAX:  # not kept: it would only be refused; say why instead
        form = AmendmentForm(formdata=None)
        form.passage.errors = [_("A passage has at most %(n)d characters.", n=services.PASSAGE_MAX)]
    elif passage:
        form = AmendmentForm(formdata=None, data={"passage": passage})
    return _amendments_page(consultation, document, form)


@bp.route("/<int:document_id>/amendments", methods=["POST"])
@login_required
def propose(slug: str, document_id: int) -> ResponseReturnValue:
    consultation, document = _load(slug, document_id)
    form = AmendmentForm()
    if not form.validate_on_submit():
        return _amendments_page(consultation, document, form, status=400)
    try:
        amendment = services.propose_amendment(
            current_participant(),
            document,
            form.passage.data or "",
            form.replacement.data or "",
            form.reason.data or "",
        )
    except services.AmendmentInvalid as error:
        getattr(form, error.field).errors = [error.message]
        return _amendments_page(consultation, document, form, status=error.status)
    flash(_("Your amendment no. %(n)d is proposed.", n=amendment.number), "success")
    return redirect(amendment.url)


def _amendment_page(
    consultation: Consultation,
    document: Document,
    amendment: Amendment,
    decision: AmendmentDecisionForm | None = None,
    close: CloseConsentForm | None = None,
    consent: ConsentForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """One amendment: the change in context, reason, supports, consent poll, decision, discussion.

    `error`: why the last action failed, shown at the top of the page (the forms keep their text).
    """
    user = current_participant()
    rows = queries.amendment_list(document)
    text, where, overlaps = services.amendment_overview(document, [row.amendment for row in rows])
    by_id = {row.amendment.id: row.amendment for row in rows}
    place = where.get(amendment.id)
    context = None
    if place is not None:
        start, end = place
        context = (
            ("…" if start > CONTEXT else "") + text[max(0, start - CONTEXT) : start],
            text[end : end + CONTEXT] + ("…" if len(text) > end + CONTEXT else ""),
        )
    thread = discussion.thread_for(consultation, "amendment", amendment.id, owner_id=amendment.author_id)
    thread_view = discussion_queries.thread_view_for(thread, user, request.args)
    polled = amendment.consent != ""
    mine = services.my_consent(user, amendment)
    return render_template(
        "drafting/amendment.html",
        consultation=consultation,
        document=document,
        amendment=amendment,
        place=place,
        context=context,
        conflicting=[by_id[other] for other in overlaps.get(amendment.id, [])],
        supports=amendment.id in services.amendments_supported_by(user, [amendment.id]),
        can_support=permissions.can_support_amendment(user, amendment),
        can_withdraw_support=permissions.can_withdraw_amendment_support(user, amendment),
        can_decide=permissions.can_decide_amendment(user, amendment),
        can_answer_consent=permissions.can_answer_consent(user, amendment),
        responses=services.consent_responses(amendment) if polled else None,
        result=services.consent_result(amendment) if amendment.consent == "closed" else None,
        my_consent=mine,
        decision=decision or AmendmentDecisionForm(formdata=None),
        close=close or CloseConsentForm(formdata=None),
        consent=consent or ConsentForm(formdata=None, data={"response": mine}),
        status_names=AMENDMENT_STATUS_NAMES,
        consent_names=CONSENT_NAMES,
        thread_view=thread_view,
        error=error,
    ), status


@bp.route("/<int:document_id>/amendments/<int:number>")
def show(slug: str, document_id: int, number: int) -> ResponseReturnValue:
    consultation, document, found = _load_amendment(slug, document_id, number)
    return _amendment_page(consultation, document, found)


@bp.route(
    "/<int:document_id>/amendments/<int:number>/<any(support, unsupport, poll):action>", methods=["POST"]
)
@login_required
def action(slug: str, document_id: int, number: int, action: str) -> ResponseReturnValue:
    """Support, withdraw a support, or (moderators) put the amendment to a consent poll."""
    _consultation, _document, found = _load_amendment(slug, document_id, number)
    verbs = {
        "support": (services.support_amendment, _("Your support is counted.")),
        "unsupport": (services.withdraw_amendment_support, _("Your support is withdrawn.")),
        "poll": (services.open_consent, _("The consent poll is open.")),
    }
    verb, done = verbs[action]
    verb(current_participant(), found)
    flash(done, "success")
    return redirect(found.url)


@bp.route("/<int:document_id>/amendments/<int:number>/decide", methods=["POST"])
@login_required
def decide(slug: str, document_id: int, number: int) -> ResponseReturnValue:
    """A moderator accepts (the text changes) or rejects with an answer."""
    consultation, document, found = _load_amendment(slug, document_id, number)
    if not drafting_permissions.can_manage_documents(current_participant(), consultation):
        raise Forbidden()
    form = AmendmentDecisionForm()
    if not form.validate_on_submit():
        return _amendment_page(consultation, document, found, decision=form, status=422)
    try:
        if form.decision.data == "accept":
            services.accept_amendment(current_participant(), found, form.answer.data or "")
        else:
            services.reject_amendment(current_participant(), found, form.answer.data or "")
    except services.AmendmentInvalid as error:
        form.answer.errors = [error.message]
        return _amendment_page(consultation, document, found, decision=form, status=error.status)
    except (services.AmendmentClosed, DocumentFull) as error:
        return _amendment_page(
            consultation, document, found, decision=form, error=error.message, status=error.status
        )
    if form.decision.data == "accept":
        flash(_("The amendment is accepted and applied."), "success")
    else:
        flash(_("The amendment is rejected."), "success")
    return redirect(found.url)


@bp.route("/<int:document_id>/amendments/<int:number>/consent", methods=["POST"])
@login_required
def answer_consent(slug: str, document_id: int, number: int) -> ResponseReturnValue:
    consultation, document, found = _load_amendment(slug, document_id, number)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _amendment_page(consultation, document, found, consent=form, status=422)
    services.answer_consent(current_participant(), found, form.response.data)
    flash(_("Your answer is recorded."), "success")
    return redirect(found.url)


@bp.route("/<int:document_id>/amendments/<int:number>/consent/close", methods=["POST"])
@login_required
def close_consent(slug: str, document_id: int, number: int) -> ResponseReturnValue:
    """A moderator closes the poll: the consent count decides, applying or rejecting the amendment."""
    consultation, document, found = _load_amendment(slug, document_id, number)
    if not drafting_permissions.can_manage_documents(current_participant(), consultation):
        raise Forbidden()
    form = CloseConsentForm()
    if not form.validate_on_submit():
        return _amendment_page(consultation, document, found, close=form, status=400)
    try:
        applied = services.close_consent(current_participant(), found, form.answer.data or "")
    except services.AmendmentInvalid as error:
        form.answer.errors = [error.message]
        return _amendment_page(consultation, document, found, close=form, status=error.status)
    except (services.AmendmentClosed, DocumentFull) as error:
        return _amendment_page(
            consultation, document, found, close=form, error=error.message, status=error.status
        )
    if applied:
        flash(_("Consent reached: the amendment is applied."), "success")
    elif found.status == Amendment.OUTDATED:
        flash(
            _("The amendment is adopted, but its passage changed meanwhile: it cannot be applied."), "success"
        )
    else:
        flash(_("No consent: the amendment is rejected."), "success")
    return redirect(found.url)
