"""Domain errors raised by services, mapped once to HTML pages, JSON bodies or socket errors."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class CivicError(Exception):
    """Base of domain errors: an HTTP status and a message for the person who caused it.

    `code` names the error for programs (the JSON API's `error.code`); by default the status's (CODES).
    """

    status = 400
    code: str | None = None
    default_message: Any = _l("The request could not be completed.")

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message or str(self.default_message))
        self.message = message or str(self.default_message)
        # Per-field messages, for the JSON API's `error.details` (forms show them beside their fields).
        self.details = details


class Invalid(CivicError):
    status = 422
    default_message = _l("Some information is missing or incorrect.")


class Forbidden(CivicError):
    status = 403
    default_message = _l("You are not allowed to do this.")


class NotFound(CivicError):
    status = 404
    default_message = _l("This page does not exist.")


class Conflict(CivicError):
    status = 409
    default_message = _l("This conflicts with the current state.")


_TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in needed"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Invalid request"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}


# The JSON API's error codes by HTTP status, for errors that name none of their own.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(
    status: int, message: str, code: str | None = None, details: Any = None
) -> ResponseReturnValue:
    """Render an error as JSON for API clients and as a page in the user's language otherwise.

    JSON: {"error": {"code", "status", "title", "message", "details"?}}, worded in the request's language.
    """
    title = str(_TITLES.get(status, _TITLES[400]))
    if _wants_json():
        body: dict[str, Any] = {
            "code": code or CODES.get(status, "error"),
            "status": status,
            "title": title,
            "message": message,
        }
        if details:
            body["details"] = details
        return jsonify({"error": body}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CivicError)
    def civic_error(error: CivicError) -> ResponseReturnValue:
        return render_error(error.status, error.message, error.code, error.details)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            _(
                "The form expired or was not sent from this site. Please go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        messages = {
            404: _("This page does not exist or has moved."),
            405: _("This address does not accept this kind of request."),
            413: _("What you sent is too large."),
            429: _("Too many attempts. Please wait a moment and try again."),
        }
        # Validation errors of the JSON API's arguments (webargs) say which field and why.
        data = getattr(error, "data", None)
        details = data.get("messages") if isinstance(data, dict) else None
        messages[422] = _("Some information is missing or incorrect.")
        messages[401] = _("A valid API token is needed: see your account page.")
        response = make_response(
            render_error(
                status, messages.get(status, _("The request could not be completed.")), details=details
            )
        )
        if error.response is not None and "Retry-After" in error.response.headers:
            # Flask-Limiter says when the next attempt will be allowed: keep that for the client.
            response.headers["Retry-After"] = error.response.headers["Retry-After"]
        return response

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        return render_error(
            500, _("An unexpected error happened. It has been logged; please try again later.")
        )
