"""Content behind ids: every URL rule that takes an id, for every role, against hidden, deleted, draft and
private objects, answers 403 or 404 and shows none of the object's text.

Ids are sequential, so a hole in one route lists everything. The walk below is built from the app's own
URL map: a new route that takes an id fails `test_every_route_with_an_id_is_walked` until it is added
to ROUTES, so the class of holes stays closed as the app grows.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from civic.accounts.models import Membership, Sanction, User
from civic.api import tokens
from civic.consultations.models import Consultation
from civic.deliberation.discussion import services as discussion
from civic.deliberation.discussion.models import Comment, Thread
from civic.deliberation.drafting.amendments import services as amendments
from civic.deliberation.drafting.history import versions
from civic.deliberation.drafting.models import Document
from civic.deliberation.live import agenda as live_agenda
from civic.deliberation.live import minutes as live_minutes
from civic.deliberation.live import questions as live_questions
from civic.deliberation.live import quickpolls as live_polls
from civic.deliberation.live import sessions as live_sessions
from civic.deliberation.opinions import services as opinions
from civic.deliberation.opinions.models import OpinionMap
from civic.deliberation.proposals.models import Proposal, Theme
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting import closing
from civic.voting.models import Poll
from tests.conftest import csrf_token, sign_in
from tests.factories import make_consultation, make_document, make_organisation, make_proposal, make_user
from tests.voting.factories import cast, make_poll

ROLES = ["anonymous", "citizen", "author", "other-moderator", "suspended", "banned"]
EVERY_COMPONENT = "proposals discussion drafting voting live opinions"


def _marker(label: str) -> str:
    return f"SECRET{label.upper().replace('-', '')}{secrets.token_hex(4).upper()}"


@dataclass
class Objects:
    """One consultation's objects that some roles must not reach, and the texts that must not leak."""

    consultation: Consultation
    markers: list[str] = field(default_factory=list)
    proposal: Proposal | None = None
    comment: Comment | None = None
    thread: Thread | None = None
    document: Document | None = None
    version: int | None = None
    amendment: int | None = None
    poll: Poll | None = None
    open_poll: Poll | None = None
    theme: Theme | None = None
    phase: int | None = None
    position: int | None = None  # a position put forward for endorsement (coalitions)
    endorsement: int | None = None
    moderator: User | None = None
    opinion_map: OpinionMap | None = None
    statement: int | None = None  # a statement of an opinion map
    live_sessions: list[int] = field(default_factory=list)  # one ended (with minutes), then one running
    live_item: int | None = None  # an agenda item, a quick poll and a question of the running session
    live_poll: int | None = None
    live_question: int | None = None
    # Hidden and deleted content keeps its place on its own pages, shown as a placeholder with the public
    # reason (the moderation is public): those pages answer 200, with none of the object's text.
    placeholder: bool = False


@dataclass
class World:
    people: dict[str, User | None]
    protected: list[Objects]  # (the objects of each protected group)
    other: Consultation  # a public consultation the other moderator runs: ids are tried under its slug too
    sanction: Sanction
    membership: Membership
    organisation_slug: str
    token_id: int  # someone's personal API token


def _consultation(label: str, moderator: User, **kwargs: Any) -> Consultation:
    consultation = make_consultation(moderators=[moderator], phases=[("deliberation", -1, 10)], **kwargs)
    consultation.phases[0].components = EVERY_COMPONENT
    marker = _marker(label)
    consultation.title_fr = consultation.title_en = f"Consultation {marker}"
    db.session.commit()
    return consultation


def _everything_in(consultation: Consultation, author: User, voter: User, moderator: User) -> Objects:
    """A proposal, a comment, a document with a version and an amendment, polls, a theme: all visible in
    their consultation, so that only the consultation's own state (draft, members only) protects them."""
    objects = Objects(consultation, markers=[consultation.title_fr.split()[-1]], moderator=moderator)
    text = _marker("proposal")
    objects.proposal = make_proposal(consultation, author, title=f"Titre {text}", body=f"Texte {text}")
    objects.markers.append(text)
    thread = discussion.thread_for(consultation, "consultation", consultation.id)
    text = _marker("comment")
    objects.comment = discussion.post_comment(author, thread, f"Avis {text}", None)
    objects.thread = thread
    objects.markers.append(text)
    text = _marker("document")
    document = make_document(consultation, creator=moderator, text=f"Manifeste {text} fin", mode="suggest")
    document.title_fr = document.title_en = f"Document {text}"
    db.session.commit()
    objects.document = document
    objects.version = versions.record_version(document, moderator, name="v1").number
    objects.markers.append(text)
    text = _marker("amendment")
    objects.amendment = amendments.propose_amendment(
        author, document, "fin", f"fin {text}", f"Pourquoi {text}"
    ).number
    objects.markers.append(text)
    text = _marker("poll")
    poll = make_poll(consultation, options=[f"Option {text}", "Autre"])
    poll.question_fr = poll.question_en = f"Question {text}"
    db.session.commit()
    cast(voter, poll, consultation, [0, 1])
    closing.close_poll(moderator, consultation, poll)
    objects.poll = poll
    objects.open_poll = make_poll(consultation, options=[f"Choix {text}", "Autre"])
    objects.markers.append(text)
    text = _marker("theme")
    objects.theme = Theme(consultation_id=consultation.id, name_fr=f"Thème {text}", name_en=f"Theme {text}")
    db.session.add(objects.theme)
    db.session.commit()
    objects.markers.append(text)
    text = _marker("opinions")
    objects.opinion_map = opinions.create_map(
        moderator, consultation, f"Question {text}", "", True, [f"Énoncé {text}"]
    )
    objects.statement = opinions.add_statement(author, objects.opinion_map, f"Avis {text}").id
    objects.markers.append(text)
    _live(objects, consultation, author, moderator)
    objects.phase = consultation.phases[0].id
    _coalition_in(objects, consultation, author, moderator)
    return objects


def _coalition_in(objects: Objects, consultation: Consultation, author: User, moderator: User) -> None:
    """A position with an organisation's endorsement and a named citizen's, while the consultation is open."""
    from tests.coalitions.factories import endorse, make_position

    text = _marker("position")
    position = make_position(
        consultation, moderator, text_fr=f"Manifeste {text}", text_en=f"Manifesto {text}"
    )
    position.title_fr = position.title_en = f"Position {text}"
    db.session.commit()
    objects.markers.append(text)
    text = _marker("endorsement")
    organisation = make_organisation(author, name=f"Signataire {text}")
    endorse(author, position, organisation=organisation, statement=f"Adhésion {text}")
    objects.endorsement = endorse(make_user(name=f"Citoyen {text}"), position, show_name=True).id
    objects.markers.append(text)
    objects.position = position.id


def _live(objects: Objects, consultation: Consultation, author: User, moderator: User) -> None:
    """A running live session (an item, a poll, an approved question) and an ended one with published
    minutes, every text marked."""
    text = _marker("live")
    session = live_sessions.create_session(
        moderator, consultation, live_sessions.SessionData(title_fr=f"Séance {text}", starts_at=utcnow())
    )
    objects.live_item = live_agenda.add_item(
        moderator, session, live_agenda.ItemData(f"Point {text}", "", 5)
    ).id
    live_sessions.start_session(moderator, session)
    objects.live_poll = live_polls.create_poll(
        moderator, session, live_polls.PollData(question_fr=f"Sondage {text}")
    ).id
    question = live_questions.ask(author, session, f"Question {text}")
    live_questions.decide(moderator, session, question.id, "approved")
    objects.live_question = question.id
    ended = live_sessions.create_session(
        moderator, consultation, live_sessions.SessionData(title_fr=f"Passée {text}", starts_at=utcnow())
    )
    live_sessions.start_session(moderator, ended)
    live_sessions.end_session(moderator, ended)
    live_minutes.save_minutes(moderator, ended, f"Compte rendu {text}", publish=True)
    objects.live_sessions = [ended.id, session.id]
    objects.markers.append(text)


def _hidden_and_deleted(consultation: Consultation, author: User, moderator: User) -> list[Objects]:
    """In a public consultation: a hidden proposal, a draft proposal, a hidden and a deleted comment."""
    groups = []
    text = _marker("hidden-proposal")
    proposal = make_proposal(consultation, author, title=f"Caché {text}", body=f"Corps {text}")
    proposal.hidden, proposal.hidden_reason = True, "Hors sujet"
    db.session.commit()
    groups.append(Objects(consultation, [text], proposal=proposal, placeholder=True))
    text = _marker("draft-proposal")
    proposal = make_proposal(
        consultation, author, title=f"Brouillon {text}", body=f"Corps {text}", state="draft"
    )
    # Its author opened its page (which starts its discussion) and wrote a note under it.
    draft_thread = discussion.thread_for(consultation, "proposal", proposal.id, owner_id=author.id)
    note = _marker("draft-note")
    draft_comment = discussion.post_comment(author, draft_thread, f"Note {note}", None)
    groups.append(
        Objects(consultation, [text, note], proposal=proposal, comment=draft_comment, thread=draft_thread)
    )
    thread = discussion.thread_for(consultation, "consultation", consultation.id)
    text = _marker("hidden-comment")
    comment = discussion.post_comment(author, thread, f"Caché {text}", None)
    comment.hidden, comment.hidden_reason = True, "Insulte"
    db.session.commit()
    groups.append(Objects(consultation, [text], comment=comment, thread=thread, placeholder=True))
    text = _marker("deleted-comment")
    comment = discussion.post_comment(author, thread, f"Effacé {text}", None)
    discussion.delete_comment(author, comment)
    groups.append(Objects(consultation, [text], comment=comment, thread=thread, placeholder=True))
    text = _marker("hidden-statement")
    opinion_map = opinions.create_map(moderator, consultation, "Question publique", "", True, [])
    statement = opinions.add_statement(author, opinion_map, f"Caché {text}")
    statement.hidden, statement.hidden_reason = True, "Hors sujet"
    db.session.commit()
    groups.append(
        Objects(consultation, [text], opinion_map=opinion_map, statement=statement.id, placeholder=True)
    )
    return groups


def build_world() -> World:
    admin = make_user(admin=True, name="Admin")
    moderator = make_user(name="Modératrice")
    object_author = make_user(name="Auteure des objets")
    voter = make_user(name="Votante")
    people: dict[str, User | None] = {
        "anonymous": None,
        "citizen": make_user(name="Citoyenne"),
        "author": make_user(name="Autrice ailleurs"),
        "other-moderator": make_user(name="Autre modératrice"),
        "suspended": make_user(name="Suspendue"),
        "banned": make_user(name="Bannie"),
    }
    other = _consultation("other", people["other-moderator"])  # type: ignore[arg-type]
    public = _consultation("public", moderator)
    # The "author" role has written in the public consultation (not the protected objects).
    make_proposal(public, people["author"], title="Une idée publique", body="Publique")  # type: ignore[arg-type]
    sanction = Sanction(
        user_id=people["suspended"].id,  # type: ignore[union-attr]
        kind="suspension",
        reason="Pause",
        ends_at=utcnow() + timedelta(days=3),
        created_by=admin.id,
    )
    db.session.add_all(
        [
            sanction,
            Sanction(user_id=people["banned"].id, kind="ban", reason="Abus", created_by=admin.id),  # type: ignore[union-attr]
        ]
    )
    db.session.commit()
    protected = _hidden_and_deleted(public, object_author, moderator)
    draft = _consultation("draft", moderator)
    protected.append(_everything_in(draft, object_author, voter, moderator))
    draft.status = "draft"  # after its content was written: a consultation taken back to draft
    db.session.commit()
    members = _consultation("members", moderator, visibility="registered")
    protected.append(_everything_in(members, object_author, voter, moderator))
    organisation = make_organisation(object_author, name="Organisation", pending=[voter])
    membership = next(m for m in organisation.memberships if m.status == Membership.PENDING)
    someone_s_token = tokens.create(object_author, "theirs", "read-write")[0]
    return World(people, protected, other, sanction, membership, organisation.slug, someone_s_token.id)


# What each id of a rule names, given one group of protected objects. A rule whose objects the group
# lacks is skipped for that group (a hidden comment has no poll). Extra non-id arguments are filled in.
Args = dict[str, Any]
Resolver = Callable[[Objects, World], list[Args] | None]


def _proposal(o: Objects, _w: World) -> list[Args] | None:
    return [{"proposal_id": o.proposal.id}] if o.proposal else None


def _comment(o: Objects, _w: World) -> list[Args] | None:
    return [{"comment_id": o.comment.id}] if o.comment else None


def _thread(o: Objects, _w: World) -> list[Args] | None:
    # A hidden or deleted comment's thread is the consultation's public one: only its comment is protected.
    return [{"thread_id": o.thread.id}] if o.thread and not o.placeholder else None


def _document(o: Objects, _w: World) -> list[Args] | None:
    return [{"document_id": o.document.id}] if o.document else None


def _version(o: Objects, _w: World) -> list[Args] | None:
    return [{"document_id": o.document.id, "number": o.version}] if o.document else None


def _amendment_args(o: Objects, _w: World) -> list[Args] | None:
    return [{"document_id": o.document.id, "number": o.amendment}] if o.document else None


def _poll(o: Objects, _w: World) -> list[Args] | None:
    return [{"poll_id": p.id} for p in (o.poll, o.open_poll) if p is not None] or None


def _flag(o: Objects, _w: World) -> list[Args] | None:
    args = []
    if o.proposal:
        args.append({"kind": "proposal", "target_id": o.proposal.id})
    if o.comment:
        args.append({"kind": "comment", "target_id": o.comment.id})
    if o.statement:
        args.append({"kind": "statement", "target_id": o.statement})
    return args or None


def _opinion_map(o: Objects, _w: World) -> list[Args] | None:
    # A hidden statement's map is public: only the statement is protected.
    return [{"map_id": o.opinion_map.id}] if o.opinion_map and not o.placeholder else None


def _opinion_statement(o: Objects, _w: World) -> list[Args] | None:
    return (
        [{"map_id": o.opinion_map.id, "statement_id": o.statement}] if o.opinion_map and o.statement else None
    )


def _position(o: Objects, _w: World) -> list[Args] | None:
    return [{"position_id": o.position}] if o.position else None


def _position_version(o: Objects, _w: World) -> list[Args] | None:
    return [{"position_id": o.position, "number": 1}] if o.position else None


def _live_session(o: Objects, _w: World) -> list[Args] | None:
    return [{"session_id": ident} for ident in o.live_sessions] or None


def _live_running(o: Objects, _w: World, **names: str) -> list[Args] | None:
    if not o.live_sessions:
        return None
    return [{"session_id": o.live_sessions[-1], **{name: getattr(o, attr) for name, attr in names.items()}}]


def _with(resolver: Resolver, **extra: Any) -> Resolver:
    def resolve(o: Objects, w: World) -> list[Args] | None:
        found = resolver(o, w)
        return None if found is None else [{**a, **extra} for a in found]

    return resolve


def _each(resolver: Resolver, name: str, values: list[str]) -> Resolver:
    def resolve(o: Objects, w: World) -> list[Args] | None:
        found = resolver(o, w)
        return None if found is None else [{**a, name: v} for a in found for v in values]

    return resolve


ROUTES: dict[str, Resolver] = {
    "proposals.show": _proposal,
    "proposals.edit": _proposal,
    "proposals.answer": _proposal,
    "proposals.act": _each(_proposal, "action", ["publish", "withdraw", "support", "unsupport"]),
    "proposals.delete_theme": lambda o, _w: [{"theme_id": o.theme.id}] if o.theme else None,
    "discussion.comment": _comment,
    "discussion.fragment": _comment,
    "discussion.history": _comment,
    "discussion.edit": _comment,
    "discussion.reply": _comment,
    "discussion.delete": _comment,
    "discussion.vote": _comment,
    "discussion.post": _thread,
    "discussion.lock": _thread,
    "moderation.flag": _flag,
    "moderation.hide": _flag,
    "moderation.restore": _flag,
    "moderation.sanction": lambda o, w: [{"person_id": w.people["banned"].id}] if o.moderator else None,  # type: ignore[union-attr]
    "moderation.lift": lambda o, w: [{"sanction_id": w.sanction.id}] if o.moderator else None,
    "consultations.edit_phase": lambda o, _w: [{"phase_id": o.phase}] if o.phase else None,
    "consultations.delete_phase": lambda o, _w: [{"phase_id": o.phase}] if o.phase else None,
    "consultations.remove_moderator": lambda o, _w: (
        [{"moderator_id": o.moderator.id}] if o.moderator else None
    ),
    "drafting.show": _document,
    "drafting.save": _document,
    "drafting.edit": _document,
    "drafting.preview": _document,
    "drafting.settings": _document,
    "drafting.add_editor": _document,
    "drafting.remove_editor": lambda o, _w: (
        [{"document_id": o.document.id, "user_id": o.moderator.id}] if o.document and o.moderator else None
    ),
    "drafting.history": _document,
    "drafting.authors": _document,
    "drafting.compare": _document,
    "drafting.name_version": _document,
    "drafting.version": _version,
    "drafting.restore_version": _version,
    "drafting_sync.connect": _document,
    "amendments.index": _document,
    "amendments.propose": _document,
    "amendments.show": _amendment_args,
    "amendments.action": _each(_amendment_args, "action", ["support", "unsupport", "poll"]),
    "amendments.answer_consent": _amendment_args,
    "amendments.close_consent": _amendment_args,
    "amendments.decide": _amendment_args,
    "voting.show": _poll,
    "voting.edit": _poll,
    "voting.cast": _poll,
    "voting.close": _poll,
    "voting.receipt": _poll,
    "voting.results": _poll,
    "voting.audit": _poll,
    "voting.download": _each(_poll, "fmt", ["json", "csv", "blt"]),
    "live.show": _live_session,
    "live.projector": _live_session,
    "live.minutes": _live_session,
    "live.hand": _live_session,
    "live.lower": _live_session,
    "live.ask": _live_session,
    "live.answer": lambda o, w: _live_running(o, w, poll_id="live_poll"),
    "live.support": lambda o, w: _live_running(o, w, question_id="live_question"),
    "live_console.console": _live_session,
    "live_console.act": _live_session,
    "live_console.add_speaker": _live_session,
    "live_console.announce": _live_session,
    "live_console.new_poll": _live_session,
    "live_console.add_item": _live_session,
    "live_console.settings": _live_session,
    "live_console.edit_minutes": _live_session,
    "live_console.tally": lambda o, w: _live_running(o, w, poll_id="live_poll"),
    "live_console.edit_item": lambda o, w: _live_running(o, w, item_id="live_item"),
    "opinions.show": _opinion_map,
    "opinions.vote": _opinion_map,
    "opinions.statements": _opinion_map,
    "opinions.results": _opinion_map,
    "opinions.settings": _opinion_map,
    "opinions.export": _opinion_map,
    "opinions.statement": _opinion_statement,
    "opinion_reuse.reuse_statement": _each(
        _opinion_statement, "target", ["proposal", "amendment", "session"]
    ),
    "api_proposals.OneProposal": _proposal,
    "api_proposals.Support": _proposal,
    "api_discussion.ProposalComments": _proposal,
    "api_polls.OnePoll": _poll,
    "api_coalitions.OnePosition": _position,
    "api_coalitions.Endorsements": _position,
    "api_opinions.OneMap": _opinion_map,
    "api_opinions.Statements": _opinion_map,
    "api_opinions.Results": _opinion_map,
    "api_live.Minutes": _live_session,
    "api_polls.Ballot": lambda o, _w: [{"poll_id": o.open_poll.id}] if o.open_poll else None,
    "api_pages.revoke": lambda o, w: [{"token_id": w.token_id}] if o.moderator else None,
    **{
        f"coalitions.{name}": _position
        for name in (
            "position",
            "edit_position",
            "republish",
            "endorse",
            "revoke",
            "sheet",
            "export_csv",
            "export_json",
            "badge_svg",
            "badge_html",
        )
    },
    "coalitions.version": _position_version,
    "coalitions.canonical": _position_version,
    "coalitions.endorsement": lambda o, _w: (
        [{"position_id": o.position, "endorsement_id": o.endorsement}] if o.position else None
    ),
    "coalitions.endorse_organisation": lambda o, w: (
        [{"position_id": o.position, "organisation": w.organisation_slug}] if o.position else None
    ),
    "coalitions.revoke_organisation": lambda o, w: (
        [{"position_id": o.position, "organisation": w.organisation_slug}] if o.position else None
    ),
    "accounts.decide_membership": lambda o, w: (
        [
            {"slug": w.organisation_slug, "membership_id": w.membership.id, "decision": d}
            for d in ("accept", "decline")
        ]
        if o.moderator
        else None
    ),
}
# The routes whose id names something that is not a consultation's content: a person, a sanction, a
# membership. They are walked once (with the first group that offers them) and only check refusal.
NOT_CONTENT = {"moderation.sanction", "moderation.lift", "accounts.decide_membership", "api_pages.revoke"}


def _rules_with_ids(app: Flask) -> dict[str, tuple[str, set[str]]]:
    """endpoint -> (rule, methods) for every rule whose path takes an integer."""
    found = {}
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            found[rule.endpoint] = (rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"})
    return found


def test_every_route_with_an_id_is_walked(app: Flask) -> None:
    assert set(_rules_with_ids(app)) == set(ROUTES), "add new routes that take an id to ROUTES"


def _client(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        sign_in(client, user.email)
    return client


def _urls(app: Flask, world: World, endpoint: str, group: Objects) -> list[str]:
    resolve = ROUTES[endpoint]
    found = resolve(group, world)
    if not found:
        return []
    rule = _rules_with_ids(app)[endpoint][0]
    urls = []
    with app.test_request_context():
        for args in found:
            if "<slug>" in rule and "slug" not in args:
                # The object's own consultation, and another (visible) one: ids are scoped to their
                # consultation, so the second must not find it either.
                for slug in (group.consultation.slug, world.other.slug):
                    urls.append(url_for(endpoint, slug=slug, **args))
            else:
                urls.append(url_for(endpoint, **args))
    return urls


# The pages of a hidden or deleted object itself, where its placeholder stands (see Objects.placeholder);
# the API shows a hidden proposal likewise (its place and public reason, never its text).
PLACEHOLDER_PAGES = {
    "proposals.show",
    "discussion.comment",
    "discussion.fragment",
    "discussion.history",
    "api_proposals.OneProposal",
    "api_discussion.ProposalComments",
}
# What the walk sends to the API's writes: valid, so that each reaches its access checks.
API_BODIES = {
    "api_discussion.ProposalComments": {"body": "x"},
    "api_polls.Ballot": {"choice": [0, 1]},
    "api_coalitions.Endorsements": {"stance": "endorse"},
}


# A hidden statement's own page shows its place and the public reason, never its text.
PLACEHOLDER_PAGES = PLACEHOLDER_PAGES | {"opinions.statement"}


def _denied(role: str, response: Any, placeholder: bool = False) -> bool:
    if response.status_code in (403, 404):
        return True
    if placeholder and response.status_code == 200:
        return True
    # The API asks anonymous callers for a token before anything else.
    if role == "anonymous" and response.status_code == 401 and response.is_json:
        return True
    # Pages behind sign-in send anonymous visitors to the sign-in form, which shows nothing of the object.
    return role == "anonymous" and response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_protected_content_by_id(app: Flask, role: str) -> None:
    world = build_world()
    user = world.people[role]
    client = _client(app, user)
    token = csrf_token(client, "/")
    api_token = tokens.create(user, "walk", "read-write")[1] if user is not None else None
    rules = _rules_with_ids(app)
    failures = []
    walked = set()
    for group in world.protected:
        members_only = group.consultation.visibility == "registered" and group.consultation.status == "open"
        if members_only and role != "anonymous":
            continue  # members-only content is for every signed-in person
        for endpoint, (_rule, methods) in sorted(rules.items()):
            if endpoint in NOT_CONTENT and endpoint in walked:
                continue
            for url in _urls(app, world, endpoint, group):
                walked.add(endpoint)
                for method in sorted(methods):
                    if url.startswith("/api/"):
                        # The API knows people by their token, never by the session cookie.
                        headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
                        payload = API_BODIES.get(endpoint) if method in ("POST", "PUT") else None
                        response = client.open(url, method=method, headers=headers, json=payload)
                    elif method == "GET":
                        response = client.get(url)
                    else:
                        response = client.post(url, data={"csrf_token": token, "body": "x", "reason": "x"})
                    body = response.get_data(as_text=True)
                    leaked = [m for m in group.markers if m in body]
                    placeholder = group.placeholder and endpoint in PLACEHOLDER_PAGES and method == "GET"
                    if not _denied(role, response, placeholder) or leaked:
                        failures.append(f"{method} {url}: {response.status_code} leaked={leaked}")
    assert not failures, f"{len(failures)} holes for {role}:\n" + "\n".join(failures)
    assert walked == set(ROUTES), set(ROUTES) - walked  # every route was tried with some object


def test_the_walk_can_fail(app: Flask) -> None:
    """The walk's own check: a visible object is reached by the same requests (so a 404 everywhere
    is not an artefact of wrong URLs)."""
    world = build_world()
    moderator = world.protected[-2].moderator  # the draft consultation's moderator sees it all
    client = _client(app, moderator)
    group = world.protected[-2]
    assert group.consultation.status == "draft"
    reached = []
    for endpoint in (
        "proposals.show",
        "discussion.comment",
        "drafting.show",
        "drafting.version",
        "amendments.show",
        "voting.show",
        "voting.audit",
        "voting.results",
        "opinions.results",
        "opinions.statement",
        "coalitions.position",
        "coalitions.endorsement",
        "live.show",
        "live.minutes",
    ):
        for url in _urls(app, world, endpoint, group)[:1]:
            response = client.get(url)
            if response.status_code == 200 and any(
                m in response.get_data(as_text=True) for m in group.markers
            ):
                reached.append(endpoint)
    assert len(reached) == 14, reached


def test_markers_are_unique() -> None:
    assert re.fullmatch(r"SECRETX[0-9A-F]{8}", _marker("x"))


# Socket.IO rooms named by an id: joining one is reading what is announced in it.
JOINS = {
    "/discussion": lambda o: {"thread": o.thread.id} if o.thread and not o.placeholder else None,
    "/voting": lambda o: {"poll": o.open_poll.id} if o.open_poll else None,
    "/opinions": lambda o: {"map": o.opinion_map.id} if o.opinion_map and not o.placeholder else None,
    "/live": lambda o: {"session": o.live_sessions[-1]} if o.live_sessions else None,
    "/coalitions": lambda o: {"position": o.position} if o.position else None,
}


@pytest.mark.parametrize("role", ROLES)
def test_no_role_joins_the_room_of_protected_content(app: Flask, role: str) -> None:
    from civic.extensions import socketio

    world = build_world()
    client = _client(app, world.people[role])
    failures = []
    for namespace, payload_of in JOINS.items():
        socket = socketio.test_client(app, namespace=namespace, flask_test_client=client)
        for group in world.protected:
            members_only = (
                group.consultation.visibility == "registered" and group.consultation.status == "open"
            )
            payload = payload_of(group)
            if payload is None or (members_only and role != "anonymous"):
                continue
            answer = socket.emit("join", payload, namespace=namespace, callback=True)
            if answer.get("ok") is not False or any(m in str(answer) for m in group.markers):
                failures.append(f"{namespace} {payload}: {answer}")
        socket.disconnect(namespace=namespace)
    assert not failures, failures


@pytest.mark.parametrize("role", ROLES)
def test_no_role_opens_the_sync_endpoint_of_protected_content(app: Flask, role: str) -> None:
    """A co-drafting WebSocket is its document's room: asking for one is refused before any upgrade."""
    from tests.deliberation.drafting.sync.sockets import Browser

    world = build_world()
    browser = Browser(app)
    browser.http = _client(app, world.people[role])
    failures = []
    for group in world.protected:
        members_only = group.consultation.visibility == "registered" and group.consultation.status == "open"
        if group.document is None or (members_only and role != "anonymous"):
            continue
        for slug in (group.consultation.slug, world.other.slug):
            response = browser.request(group.document, slug=slug)
            leaked = [m for m in group.markers if m in response.get_data(as_text=True)]
            if response.status_code not in (403, 404) or browser.socket is not None or leaked:
                failures.append(f"{slug}/{group.document.id}: {response.status_code} leaked={leaked}")
    assert not failures, failures
