"""Opinion maps: participants vote agree / disagree / pass on short statements; groups, consensus, bridging.

`civic.deliberation.opinions.analysis` is the pure library that analyses the votes. Importing this
package loads no Flask, so that `python -m civic.deliberation.opinions analyse DIR` runs without the site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from civic import components
    from civic.deliberation.moderation import targets
    from civic.deliberation.opinions import models  # noqa: F401 - tables known to Alembic
    from civic.deliberation.opinions.events import NAMESPACE, OpinionsNamespace
    from civic.deliberation.opinions.moderation import load_statement, on_moderation, on_visibility, readable
    from civic.deliberation.opinions.reuse_views import bp as reuse_bp
    from civic.deliberation.opinions.views import bp
    from civic.extensions import socketio

    app.register_blueprint(bp)
    app.register_blueprint(reuse_bp)
    components.attach("opinions", "opinions.index")
    targets.register("statement", load_statement, readable, on_moderation, on_visibility)
    socketio.on_namespace(OpinionsNamespace(NAMESPACE))
