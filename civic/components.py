"""Components a consultation phase can enable, declared once each, and the phase kinds' defaults."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel.speaklater import LazyString


@dataclass(frozen=True, slots=True)
class Component:
    """A feature a phase can switch on: its name (stored in phases), label, and the page listing it.

    `endpoint` is the view showing this component in a consultation (called with `slug=`); it is
    attached by the package that implements the component, from its init_app.
    """

    name: str
    label: LazyString
    endpoint: str | None = None


REGISTRY: dict[str, Component] = {}


def register(component: Component) -> Component:
    """Add a component to the registry (idempotent for the same name)."""
    REGISTRY[component.name] = component
    return component


def attach(name: str, endpoint: str) -> None:
    """Name the view that shows component `name` in a consultation (called from a package's init_app)."""
    REGISTRY[name] = replace(REGISTRY[name], endpoint=endpoint)


for _component in (
    Component("proposals", _l("Proposals")),
    Component("discussion", _l("Discussion")),
    Component("drafting", _l("Co-drafting")),
    Component("voting", _l("Voting")),
    Component("endorsements", _l("Endorsements")),
    Component("live", _l("Live sessions")),
    Component("opinions", _l("Opinion maps")),
):
    register(_component)

PHASE_KINDS: dict[str, tuple[LazyString, tuple[str, ...]]] = {
    "information": (_l("Information"), ("discussion",)),
    "proposals": (_l("Proposals"), ("proposals", "discussion")),
    "deliberation": (_l("Deliberation"), ("discussion", "live", "opinions")),
    "co-drafting": (_l("Co-drafting"), ("drafting", "discussion")),
    "voting": (_l("Voting"), ("voting",)),
    "endorsement": (_l("Endorsement"), ("endorsements",)),
    "report": (lazy_pgettext("phase", "Report"), ()),
}
