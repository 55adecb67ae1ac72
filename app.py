"""Entry point. Served directly (`python app.py`), eventlet patches the standard library first.

`flask --app app ...` commands import this module without serving: no green threads are needed there,
and the flask command has already imported the standard library, so patching would come too late.
Under gunicorn (`-k eventlet`, gunicorn before 26), the worker patches before importing this module.
"""

import gc
import os
import sys
import warnings


def _patched_by_the_server() -> bool:
    """gunicorn's eventlet worker has patched the standard library before importing this module."""
    if "eventlet" not in sys.modules:
        return False
    from eventlet import patcher

    return bool(patcher.is_monkey_patched("socket"))


SERVING = __name__ == "__main__"
UNDER_GUNICORN_EVENTLET = _patched_by_the_server()
if SERVING and os.environ.get("SOCKETIO_ASYNC_MODE", "eventlet") == "eventlet":
    # Kept at the product owner's request (see DESIGN.md); SOCKETIO_ASYNC_MODE=threading also works.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
if (SERVING or UNDER_GUNICORN_EVENTLET) and os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # psycopg2 waits for PostgreSQL in C: made cooperative, a query no longer blocks every green thread.
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()

from civic import create_app  # noqa: E402 - must follow monkey-patching
from civic.extensions import socketio  # noqa: E402

app = create_app()
# What start-up made (modules, the app, SQLAlchemy's mappings: ~200,000 objects) lives as long as the
# process: frozen, the collector's full passes no longer walk it (each took 100-250 ms under load).
gc.freeze()

if SERVING:
    socketio.run(
        app,
        host=os.environ.get("CIVIC_HOST", "127.0.0.1"),
        port=int(os.environ.get("CIVIC_PORT", "5000")),
        debug=False,
        use_reloader=False,
        log_output=True,
    )
