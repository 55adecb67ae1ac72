"""Settings classes read from the environment: Base, Development, Testing, Production."""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("CIVIC_INSTANCE_PATH", ROOT / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use psycopg2 for PostgreSQL URLs without a driver (psycogreen makes it cooperate with eventlet)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def private_folder(folder: Path) -> Path:
    """Create a folder only its owner can enter (0700), or tighten an existing one; return it.

    The instance folder holds the development secret and the SQLite database with its write-ahead log:
    no other account on the machine should read them.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def development_secret(instance: Path = INSTANCE) -> str:
    """Return the development secret kept in instance/, creating it on first use."""
    private_folder(instance)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Base:
    """Settings shared by every environment; each can be overridden by an environment variable."""

    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'civic.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Names this site on a Redis server shared with other sites (default: its database's address).
    SITE_NAME = os.environ.get("CIVIC_SITE") or None
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "eventlet")

    # Shared computers: the session cookie dies with the browser unless "remember me" is ticked, and
    # a signed-in session ends after this many idle minutes.
    IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("CIVIC_IDLE_MINUTES", "30")))
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("CIVIC_REMEMBER_DAYS", "14")))
    # A sign-in without "keep me signed in" ends after this long even if the browser stays open and in use.
    SESSION_LIFETIME = timedelta(hours=int(os.environ.get("CIVIC_SESSION_HOURS", "12")))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: long forms are not lost
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Reverse proxies in front of the app (nginx: 1): their X-Forwarded-For/-Proto are trusted so rate
    # limits see the visitor's address, not the proxy's.
    PROXY_COUNT = int(os.environ.get("CIVIC_PROXY_COUNT", "0"))

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("CIVIC_TIMEZONE", "America/Toronto")
    LANGUAGES = ("fr", "en")

    RATELIMIT_ENABLED = _env_bool("CIVIC_RATELIMIT", True)
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_LIMITS = os.environ.get("CIVIC_SIGN_IN_LIMITS", "10 per minute;50 per hour")
    REGISTER_LIMITS = os.environ.get("CIVIC_REGISTER_LIMITS", "5 per minute;30 per hour")
    PROPOSAL_LIMITS = os.environ.get("CIVIC_PROPOSAL_LIMITS", "5 per hour")
    # Per signed-in user, not per address: community centres share one address.
    COMMENT_LIMITS = os.environ.get("CIVIC_COMMENT_LIMITS", "10 per minute")

    MAIL_SERVER = os.environ.get("CIVIC_MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("CIVIC_MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("CIVIC_MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("CIVIC_MAIL_PASSWORD") or None
    MAIL_USE_TLS = _env_bool("CIVIC_MAIL_TLS", True)
    MAIL_SENDER = os.environ.get("CIVIC_MAIL_SENDER", "Civic <no-reply@localhost>")
    PASSWORD_RESET_HOURS = 2
    CONFIRM_HOURS = 48  # the link that confirms a new account's address
    # A folder where every outgoing e-mail is also written as a .eml file (development, browser tests).
    MAIL_OUTBOX = os.environ.get("CIVIC_MAIL_OUTBOX") or None
    # Without an SMTP server, write the mail's text (links included) to the log: development only, since
    # a password-reset or confirmation link in a log lets whoever reads the log into the account.
    MAIL_LOG_BODIES = False

    # Co-drafting (docs/drafting-protocol.md): cap on simultaneous editors of one document, sizes in
    # bytes, per-person message budget (token bucket: rate per second, burst), broadcast batching,
    # compaction every N updates, and how late a committed row may appear to other processes.
    DRAFTING_MAX_EDITORS = int(os.environ.get("CIVIC_DRAFTING_MAX_EDITORS", "150"))
    DRAFTING_MAX_UPDATE_BYTES = int(os.environ.get("CIVIC_DRAFTING_MAX_UPDATE_BYTES", str(256 * 1024)))
    DRAFTING_MAX_TEXT_BYTES = int(os.environ.get("CIVIC_DRAFTING_MAX_TEXT_BYTES", "100000"))
    DRAFTING_MAX_STATE_BYTES = int(os.environ.get("CIVIC_DRAFTING_MAX_STATE_BYTES", str(4 * 1024 * 1024)))
    DRAFTING_RATE = float(os.environ.get("CIVIC_DRAFTING_RATE", "40"))
    DRAFTING_BURST = float(os.environ.get("CIVIC_DRAFTING_BURST", "200"))
    DRAFTING_BATCH_MS = int(os.environ.get("CIVIC_DRAFTING_BATCH_MS", "50"))
    # A busy room's relay window in a busy process (its timers fire late): DRAFTING_BATCH_MS with one
    # sender, this from BUSY_SENDERS senders (docs/drafting-protocol.md#relaying).
    DRAFTING_BATCH_BUSY_MS = int(os.environ.get("CIVIC_DRAFTING_BATCH_BUSY_MS", "100"))
    DRAFTING_BATCH_BUSY_SENDERS = int(os.environ.get("CIVIC_DRAFTING_BATCH_BUSY_SENDERS", "10"))
    # ... and this when the process's CPU is full (its timers fire late): fewer, larger messages.
    DRAFTING_BATCH_CROWD_MS = int(os.environ.get("CIVIC_DRAFTING_BATCH_CROWD_MS", "150"))
    # With REDIS_URL: what one process's editors sent reaches the other processes after this long.
    DRAFTING_LINK_MS = int(os.environ.get("CIVIC_DRAFTING_LINK_MS", "20"))
    DRAFTING_COMPACT_EVERY = int(os.environ.get("CIVIC_DRAFTING_COMPACT_EVERY", "500"))
    DRAFTING_VISIBILITY_GRACE = float(os.environ.get("CIVIC_DRAFTING_VISIBILITY_GRACE", "30"))
    DRAFTING_RECHECK_SECONDS = float(os.environ.get("CIVIC_DRAFTING_RECHECK_SECONDS", "5"))
    # Automatic versions: a burst of edits ends after this many quiet seconds; a per-process timer
    # records it (off in tests, which call services.record_quiet_bursts themselves).
    DRAFTING_VERSION_GAP = float(os.environ.get("CIVIC_DRAFTING_VERSION_GAP", "120"))
    DRAFTING_VERSION_TIMERS = True

    # Opinion maps: after votes arrive, a background task analyses the map at most once per this many
    # seconds (off in tests, which call runs.run_analysis themselves); the largest Pol.is export imported.
    OPINIONS_BACKGROUND = True
    OPINIONS_DEBOUNCE_SECONDS = float(os.environ.get("CIVIC_OPINIONS_DEBOUNCE_SECONDS", "3"))
    OPINIONS_IMPORT_MAX_BYTES = int(os.environ.get("CIVIC_OPINIONS_IMPORT_MAX_BYTES", str(32 * 1024 * 1024)))

    # Live sessions: what participants change (raised hands, supports, answers) reaches the screens at
    # most once per this many milliseconds per session and process, instead of once per change: a
    # thousand answers in five seconds would otherwise be a million messages (0: each change at once).
    LIVE_PUBLISH_MS = int(os.environ.get("CIVIC_LIVE_PUBLISH_MS", "250"))

    HSTS_SECONDS = 0  # production only (it needs HTTPS)
    # The JSON API (docs/api.md): its OpenAPI document, rate limit per token (or address), and the other
    # sites' origins allowed to call it from a browser (none by default).
    API_TITLE = "Civic"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_LIMITS = os.environ.get("CIVIC_API_LIMITS", "120 per minute;2000 per hour")
    API_ADDRESS_LIMITS = os.environ.get("CIVIC_API_ADDRESS_LIMITS", "600 per minute")
    API_CORS_ORIGINS = [o for o in os.environ.get("CIVIC_API_CORS_ORIGINS", "").split() if o]

    # Open data (docs/api.md): each consultation's package is made again after this long, or when
    # something in it closed; its licence.
    OPENDATA_FOLDER = os.environ.get("CIVIC_OPENDATA_FOLDER") or str(INSTANCE / "opendata")
    OPENDATA_MAX_AGE_HOURS = 24
    OPENDATA_LICENCE = os.environ.get("CIVIC_OPENDATA_LICENCE", "CC-BY-4.0")
    OPENDATA_LICENCE_TITLE = os.environ.get(
        "CIVIC_OPENDATA_LICENCE_TITLE", "Creative Commons Attribution 4.0"
    )
    OPENDATA_LICENCE_URL = os.environ.get(
        "CIVIC_OPENDATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
    )

    SECRET_KEY: str | None = os.environ.get("SECRET_KEY") or None
    # Polls derive their keys (voter pseudonyms, the ballot-signing key) from this secret, SECRET_KEY
    # when unset. Set it to rotate SECRET_KEY without changing them: a new one while a poll is open
    # would let its voters vote again, and every poll's published signatures would stop verifying.
    VOTING_SECRET_KEY: str | None = os.environ.get("CIVIC_VOTING_SECRET_KEY") or None
    # A poll's chain head is published (a checkpoint) at most once per this many minutes, at the
    # window's start time: finer times would tell when each ballot was cast (docs/polls.md).
    VOTING_CHECKPOINT_MINUTES = int(os.environ.get("CIVIC_VOTING_CHECKPOINT_MINUTES", "10"))
    # Only development may invent a secret (kept in instance/); production refuses to start without one.
    GENERATE_SECRET = False


class Development(Base):
    """Local development: SQLite in instance/, a secret generated once and kept there, e-mails in
    instance/mail/ and in the console."""

    GENERATE_SECRET = True
    MAIL_OUTBOX = os.environ.get("CIVIC_MAIL_OUTBOX") or str(INSTANCE / "mail")
    MAIL_LOG_BODIES = True


class Testing(Base):
    """The test suite: in-memory rate limits, a fixed throwaway secret, e-mails captured."""

    TESTING = True
    SECRET_KEY = "test-secret-not-for-production"  # noqa: S105 - test only, never deployed
    SQLALCHEMY_DATABASE_URI = os.environ.get("CIVIC_TEST_DB_URI", "sqlite://")
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SOCKETIO_ASYNC_MODE = "threading"
    REDIS_URL = None
    # Deterministic co-drafting: broadcasts at once, rows visible at once, roles checked every message.
    DRAFTING_BATCH_MS = 0
    DRAFTING_VISIBILITY_GRACE = 0.0
    DRAFTING_RECHECK_SECONDS = 0.0
    DRAFTING_VERSION_TIMERS = False
    OPINIONS_BACKGROUND = False
    LIVE_PUBLISH_MS = 0
    # Packages are made afresh on every request (tests reuse ids and slugs), in a folder of the run.
    OPENDATA_MAX_AGE_HOURS = 0
    OPENDATA_FOLDER = os.path.join(tempfile.gettempdir(), f"civic-tests-opendata-{os.getpid()}")


class Production(Base):
    """Production: secure cookies, PostgreSQL and Redis expected, and a real SECRET_KEY required."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Strict-Transport-Security on every answer: a year, as browsers' preload lists expect (0 turns it off,
    # e.g. while trying HTTPS out).
    HSTS_SECONDS = int(os.environ.get("CIVIC_HSTS_SECONDS", str(365 * 24 * 3600)))


def from_name(name: str | None) -> type[Base]:
    """Return the settings class named by CIVIC_ENV (development, testing, production)."""
    return {"development": Development, "testing": Testing, "production": Production}[
        (name or os.environ.get("CIVIC_ENV", "development")).lower()
    ]
