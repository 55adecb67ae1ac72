"""The API's pages for people: its browsable description, and one's personal tokens (account page)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape

from civic.accounts.participant import current_participant
from civic.api import forms, openapi, tokens
from civic.errors import CivicError, Forbidden

bp = Blueprint("api_pages", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The operations of the OpenAPI document, grouped as they appear, for the browsable page."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": (operation.get("summary") or operation.get("description") or "").strip(),
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [p for p in parameters if isinstance(p, dict) and "name" in p],
                    "body": "requestBody" in operation,
                    "token": bool(operation.get("security")),
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return found


def _summary(text: str) -> Markup:
    """An operation's summary (written in the code, in English) with its `names` set as code."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))  # noqa: S704 (escaped first)


@bp.route("/api/v1/docs")
def docs() -> ResponseReturnValue:
    document = openapi()
    operations = _operations(document)
    for operation in operations:
        operation["summary"] = _summary(operation["summary"])
    # In the document's order (consultations first), not sorted by name.
    sections = [
        (tag.get("description", tag["name"]), [op for op in operations if op["tag"] == tag["name"]])
        for tag in document.get("tags", [])
    ]
    return render_template("api/docs.html", sections=[(title, ops) for title, ops in sections if ops])


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def token_list() -> ResponseReturnValue:
    user = current_participant()
    if user is None:
        raise Forbidden()
    form = forms.TokenForm()
    status, created = 200, None
    if form.validate_on_submit():
        try:
            token, plaintext = tokens.create(user, form.name.data or "", form.scope.data or "")
        except CivicError as error:
            form.name.errors = [*form.name.errors, error.message]
            status = error.status
        else:
            # Shown once, on this answer only: not in a redirect's address, not in the session.
            created = (token, plaintext)
            form = forms.TokenForm(formdata=None)
    elif request.method == "POST":
        status = 422
    return render_template("api/tokens.html", form=form, tokens=tokens.of(user), created=created), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    token = tokens.revoke(current_participant(), token_id)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_pages.token_list"))
