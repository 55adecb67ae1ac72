"""Language and time zone: the user's choice, then the lang cookie, then Accept-Language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from civic.extensions import babel
from civic.security import safe_next

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    # Set for one application context (e.g. a co-drafting message: the language chosen at join).
    forced = g.get("forced_locale")
    if forced in languages:
        return str(forced)
    if not has_request_context():  # CLI commands, background work: the default language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return str(cookie)
    return request.accept_languages.best_match(languages) or str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _pick(obj: Any, field: str) -> tuple[str, str]:
    locale = str(get_locale() or "fr")
    order = [locale] + [code for code in current_app.config["LANGUAGES"] if code != locale]
    for code in order:
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return code, str(value)
    return locale, ""


def written_language(chosen: str | None = None) -> str:
    """The language of a text being written: the one chosen if known, else the page's (the UI language)."""
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    if chosen in languages:
        return str(chosen)
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return locale if locale in languages else languages[0]


def lang_if_other(language: str | None) -> Markup:
    """` lang="en"` for an element holding text in another language than the page's, else nothing."""
    if not language or language == str(get_locale() or "fr"):
        return Markup("")
    return Markup(' lang="{}"').format(language)


def localized(obj: Any, field: str) -> str:
    """Return obj.<field>_<locale>, falling back to the other language when it is empty."""
    return _pick(obj, field)[1]


def localized_lang(obj: Any, field: str) -> str:
    """Return the language of the text localized() shows, for a lang attribute on a fallback."""
    return _pick(obj, field)[0]


@bp.route("/language", methods=["POST"])
def switch_language() -> ResponseReturnValue:
    """Remember the chosen language (cookie, and the account when signed in), then go back."""
    from civic.accounts.services import set_locale  # the accounts service owns the user's language

    code = request.form.get("lang", "")
    target = safe_next(request.form.get("next")) or url_for("consultations.index")
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
        if current_user.is_authenticated:
            set_locale(current_user, code)
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        localized=localized,
        localized_lang=localized_lang,
        lang_if_other=lang_if_other,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
