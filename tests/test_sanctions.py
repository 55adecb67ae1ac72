"""Sanctions everywhere: every form of the app, tried by a person in each sanction state.

One predicate (civic.accounts.sanctions.ensure_can_participate) is checked in the service of every
write. This table holds every POST rule of the app (checked against the URL map, so a new form must
be classified here): a WRITE is refused to suspended and banned people with the reason of their
sanction and changes nothing in the database, while the same request by the same person unsanctioned
writes (so the refusal is the sanction's, not a broken request); an EXEMPT form (their account, taking
back what they gave) stays open to them; ADMIN forms are for site administrators, who cannot be
sanctioned.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from civic.accounts.models import Membership, Organisation, Sanction, User
from civic.coalitions.models import Position
from civic.consultations.models import Consultation, Phase
from civic.deliberation.discussion import services as discussion
from civic.deliberation.discussion.models import Comment
from civic.deliberation.drafting import merge
from civic.deliberation.drafting.amendments import services as amendments
from civic.deliberation.drafting.history import versions
from civic.deliberation.drafting.log import rows as log_rows
from civic.deliberation.drafting.models import Document
from civic.deliberation.live import agenda as live_agenda
from civic.deliberation.live import questions as live_questions
from civic.deliberation.live import quickpolls as live_polls
from civic.deliberation.live import sessions as live_sessions
from civic.deliberation.live import speakers as live_speakers
from civic.deliberation.live.models import LiveSession
from civic.deliberation.opinions import services as opinions
from civic.deliberation.opinions.models import OpinionMap
from civic.deliberation.proposals import services as proposals
from civic.deliberation.proposals.models import Proposal, Theme
from civic.extensions import db
from civic.timestamps import utcnow
from civic.voting.models import Poll
from tests.coalitions.factories import endorse, make_position
from tests.conftest import csrf_token, sign_in
from tests.factories import make_consultation, make_document, make_organisation, make_proposal, make_user
from tests.voting.factories import make_poll

STATES = ["suspended", "banned"]
TEXT = "Le numérique pour tous. Des bibliothèques ouvertes le dimanche. Une fibre dans chaque village."
REASONS = {"suspended": "Pause de réflexion", "banned": "Abus répétés"}


@dataclass
class Own:
    """What one acting person owns in the world: their draft, proposal, comment, organisation…"""

    person: User
    draft: Proposal
    proposal: Proposal
    comment: Comment
    organisation: Organisation
    request: Membership  # someone's request to join their organisation
    theme: Theme
    phase: int
    hide: Comment  # someone else's comment for them to hide
    hidden: Comment  # a hidden comment for them to restore
    poll: Poll  # for them to close
    decide: int  # an amendment number for them to decide
    close: int  # an amendment number whose consent poll they close
    supported: Proposal  # a proposal they support (to withdraw it)


@dataclass
class World:
    consultation: Consultation
    document: Document  # open: anyone writes
    suggest: Document  # suggest mode: amendments
    amendment: int  # someone's amendment to support or poll
    consent: int  # an amendment in a consent poll
    poll: Poll  # open, for ballots
    others: Proposal  # someone else's proposal to support
    other_comment: Comment  # someone else's comment to reply to, vote on, flag
    other_organisation: Organisation  # to join
    other: User  # someone who takes part without any role (a co-author of the open document)
    newcomer: User  # someone to name co-author
    own: dict[str, Own]
    position: Position  # put forward for endorsement, endorsed by no one
    endorsed: Position  # endorsed by each person, in their name and their organisation's
    opinion_map: OpinionMap | None = None  # open, with a statement of someone else's
    opinion_statement: int = 0
    live_session: int = 0  # a live session to come, for the agenda
    live: LiveSession | None = None  # a running live session: an item, an open poll, someone's question
    live_item: int = 0
    live_poll: int = 0
    live_question: int = 0
    live_ended: int = 0  # an ended live session, for its minutes


def _own(
    consultation: Consultation, person: User, other: User, boss: User, suggest: Document, thread: Any
) -> Own:
    draft = make_proposal(consultation, person, title="Mon brouillon", body="À publier", state="draft")
    proposal = make_proposal(consultation, person, title="Ma proposition", body="Publiée")
    comment = discussion.post_comment(person, thread, "Mon avis", None)
    requester = make_user(name="Demandeuse")
    organisation = make_organisation(
        person, name=f"Organisation de {person.display_name}", pending=[requester]
    )
    request = next(m for m in organisation.memberships if m.status == Membership.PENDING)
    theme = Theme(consultation_id=consultation.id, name_fr="Thème", name_en="Theme")
    db.session.add(theme)
    consultation.phases.append(
        Phase(kind="report", starts_at=utcnow() + timedelta(days=30), ends_at=utcnow() + timedelta(days=40))
    )
    db.session.commit()
    hide = discussion.post_comment(other, thread, "À cacher", None)
    hidden = discussion.post_comment(other, thread, "Caché", None)
    hidden.hidden, hidden.hidden_reason = True, "Hors sujet"
    supported = make_proposal(consultation, other, title="Soutenue", body="Déjà soutenue")
    proposals.support(person, supported)
    decide = amendments.propose_amendment(other, suggest, "pour tous", f"pour {person.id}", "Raison").number
    close = amendments.propose_amendment(other, suggest, "le dimanche", f"le {person.id}", "Raison")
    amendments.open_consent(boss, close)
    return Own(
        person=person,
        draft=draft,
        proposal=proposal,
        comment=comment,
        organisation=organisation,
        request=request,
        theme=theme,
        phase=consultation.phases[-1].id,
        hide=hide,
        hidden=hidden,
        poll=make_poll(consultation),
        decide=decide,
        close=close.number,
        supported=supported,
    )


def build_world() -> World:
    """Three people with the same roles (moderators of the consultation, representatives, authors):
    one unsanctioned, one suspended, one banned."""
    boss, other = make_user(name="Modératrice"), make_user(name="Autre")
    consultation = make_consultation(moderators=[boss], phases=[("deliberation", -1, 10)])
    consultation.phases[0].components = "proposals discussion drafting voting opinions live"
    db.session.commit()
    people = {state: make_user(name=f"Personne {state}") for state in ["clean", *STATES]}
    consultation.moderators.extend(people.values())
    db.session.commit()
    document = make_document(consultation, boss, TEXT, mode="open", editors=[other])
    versions.record_version(document, boss, name="v1")
    merge.merge_text(boss, document, log_rows.text_at(document.id)[1], TEXT + " Après la version 1.")
    suggest = make_document(consultation, boss, TEXT, mode="suggest")
    # Pages start their discussions when first shown: started here, a refused request's page writes nothing.
    for started in (document, suggest):
        discussion.thread_for(consultation, "document", started.id)
    thread = discussion.thread_for(consultation, "consultation", consultation.id)
    own = {
        state: _own(consultation, person, other, boss, suggest, thread) for state, person in people.items()
    }
    amendment = amendments.propose_amendment(other, suggest, "chaque village", "chaque hameau", "Raison")
    consent = amendments.propose_amendment(other, suggest, "bibliothèques", "médiathèques", "Raison")
    amendments.open_consent(boss, consent)
    world = World(
        consultation=consultation,
        document=document,
        suggest=suggest,
        amendment=amendment.number,
        consent=consent.number,
        poll=make_poll(consultation),
        others=make_proposal(consultation, other, title="La sienne", body="À soutenir"),
        other_comment=discussion.post_comment(other, thread, "Son avis", None),
        other_organisation=make_organisation(other, name="Une autre organisation"),
        other=other,
        newcomer=make_user(name="Nouvelle"),
        own=own,
        position=make_position(consultation, boss),
        endorsed=make_position(consultation, boss),
    )
    world.opinion_map = opinions.create_map(
        boss, consultation, "Quelle priorité ?", "", True, ["Du Wi-Fi partout"]
    )
    world.opinion_statement = opinions.add_statement(other, world.opinion_map, "Des ateliers pour tous").id
    world.live_session = live_sessions.create_session(
        boss,
        consultation,
        live_sessions.SessionData(title_fr="Assemblée", starts_at=utcnow() + timedelta(days=1)),
    ).id
    _live(world, boss, other)
    for own_one in own.values():  # before the sanctions: taking back what one gave stays open
        live_speakers.raise_hand(own_one.person, world.live)  # type: ignore[arg-type]
        endorse(own_one.person, world.endorsed)
        endorse(own_one.person, world.endorsed, organisation=own_one.organisation)
    for state in STATES:
        ends_at = utcnow() + timedelta(days=3) if state == "suspended" else None
        kind = "suspension" if state == "suspended" else "ban"
        db.session.add(Sanction(user_id=people[state].id, kind=kind, reason=REASONS[state], ends_at=ends_at))
    db.session.commit()
    return world


def _live(world: World, boss: User, other: User) -> None:
    """A running live session (an item, an open poll, someone's approved question) and an ended one."""
    data = live_sessions.SessionData(title_fr="En direct", starts_at=utcnow())
    world.live = live_sessions.create_session(boss, world.consultation, data)
    world.live_item = live_agenda.add_item(boss, world.live, live_agenda.ItemData("Point", "", 5)).id
    live_sessions.start_session(boss, world.live)
    world.live_poll = live_polls.create_poll(
        boss, world.live, live_polls.PollData(question_fr="D'accord ?")
    ).id
    question = live_questions.ask(other, world.live, "Et le budget ?")
    live_questions.decide(boss, world.live, question.id, "approved")
    world.live_question = question.id
    ended = live_sessions.create_session(boss, world.consultation, data)
    live_sessions.start_session(boss, ended)
    live_sessions.end_session(boss, ended)
    world.live_ended = ended.id


def _live_path(w: World, tail: str = "", session: int | None = None) -> str:
    return f"{_c(w)}/live/{session or w.live.id}{tail}"  # type: ignore[union-attr]


class _Upload(io.BytesIO):
    """A file to upload that the test client may send again (it closes what it sent: this rewinds)."""

    def close(self) -> None:
        self.seek(0)


# endpoint (with its action, if it has one) -> (url, form) for one person of the world.
Scenario = Callable[[World, Own], tuple[str, dict[str, Any]]]


def _c(w: World) -> str:
    return f"/c/{w.consultation.slug}"


def _doc(w: World, document: Document | None = None, tail: str = "") -> str:
    return f"{_c(w)}/documents/{(document or w.document).id}{tail}"


def _amendment(w: World, number: int, tail: str = "") -> str:
    return f"{_doc(w, w.suggest)}/amendments/{number}{tail}"


POLL = {
    "question_fr": "Quelle priorité?",
    "options_fr": "Accès\nFormation",
    "method": "schulze",
    "seats": "1",
    "rules_preset": "default",
    "max_score": "5",
    "block_threshold": "1",
    "opens_at": "2020-01-01T09:00",
    "closes_at": "2099-01-01T09:00",
    "eligibility": "registered",
    "secrecy": "secret",
}
CONSULTATION = {"title_fr": "Titre", "status": "open", "visibility": "public"}
POSITION = {"title_fr": "Position", "opens_at": "2020-01-01T09:00", "closes_at": "2099-01-01T09:00"}
MANDATE = {
    "version": "1",
    "base": "0",
    "stance": "endorse",
    "signatory_name": "Claire Dubé",
    "signatory_role": "Présidente",
    "mandate_body": "Conseil d'administration",
    "mandate_date": "2026-01-15",
    "mandate_scope": "Adhérer",
}


def _position(w: World, position: Position | None = None, tail: str = "") -> str:
    return f"{_c(w)}/positions/{(position or w.position).id}{tail}"


PHASE = {"kind": "report", "starts_at": "2098-01-01T09:00", "ends_at": "2098-02-01T09:00"}

WRITES: dict[str, Scenario] = {
    "accounts.new_organisation": lambda w, o: ("/organisations/new", {"name": "Nouvelle association"}),
    "accounts.edit_organisation": lambda w, o: (
        f"/organisations/{o.organisation.slug}/edit",
        {"name": "Nouveau nom", "description": "Changée"},
    ),
    "accounts.join_organisation": lambda w, o: (f"/organisations/{w.other_organisation.slug}/join", {}),
    "accounts.decide_membership:accept": lambda w, o: (
        f"/organisations/{o.organisation.slug}/members/{o.request.id}/accept",
        {},
    ),
    "accounts.decide_membership:decline": lambda w, o: (
        f"/organisations/{o.organisation.slug}/members/{o.request.id}/decline",
        {},
    ),
    "consultations.edit": lambda w, o: (f"{_c(w)}/edit", {**CONSULTATION, "description_fr": "Changée"}),
    "consultations.phases": lambda w, o: (f"{_c(w)}/phases", {**PHASE, "components": "discussion"}),
    "consultations.edit_phase": lambda w, o: (
        f"{_c(w)}/phases/{o.phase}",
        {**PHASE, "ends_at": "2098-03-01T09:00"},
    ),
    "consultations.delete_phase": lambda w, o: (f"{_c(w)}/phases/{o.phase}/delete", {}),
    "consultations.move_phase": lambda w, o: (f"{_c(w)}/current-phase", {"phase": str(o.phase)}),
    "proposals.new": lambda w, o: (
        f"{_c(w)}/proposals/new",
        {"title": "Une idée", "body": "Texte", "publish": "y"},
    ),
    "proposals.edit": lambda w, o: (
        f"{_c(w)}/proposals/{o.proposal.id}/edit",
        {"title": "Ma proposition revue", "body": "Publiée, revue"},
    ),
    "proposals.act:publish": lambda w, o: (f"{_c(w)}/proposals/{o.draft.id}/publish", {}),
    "proposals.act:support": lambda w, o: (f"{_c(w)}/proposals/{w.others.id}/support", {}),
    "proposals.answer": lambda w, o: (
        f"{_c(w)}/proposals/{w.others.id}/answer",
        {"state": "accepted", "answer": "Retenue"},
    ),
    "proposals.themes": lambda w, o: (f"{_c(w)}/themes", {"name_fr": "Nouveau thème"}),
    "proposals.delete_theme": lambda w, o: (f"{_c(w)}/themes/{o.theme.id}/delete", {}),
    "discussion.post": lambda w, o: (
        f"/discussion/threads/{w.other_comment.thread_id}/comments",
        {"body": "Oui"},
    ),
    "discussion.reply": lambda w, o: (
        f"/discussion/comments/{w.other_comment.id}/reply",
        {"body": "Réponse"},
    ),
    "discussion.edit": lambda w, o: (f"/discussion/comments/{o.comment.id}/edit", {"body": "Mon avis revu"}),
    "discussion.vote": lambda w, o: (f"/discussion/comments/{w.other_comment.id}/vote", {"value": "up"}),
    "discussion.lock": lambda w, o: (
        f"/discussion/threads/{w.other_comment.thread_id}/lock",
        {"locked": "1"},
    ),
    "moderation.flag": lambda w, o: (f"/flag/comment/{w.other_comment.id}", {"reason": "spam"}),
    "moderation.hide": lambda w, o: (
        f"{_c(w)}/moderation/comment/{o.hide.id}/hide",
        {"reason": "Hors sujet"},
    ),
    "moderation.restore": lambda w, o: (f"{_c(w)}/moderation/comment/{o.hidden.id}/restore", {}),
    "moderation.settings": lambda w, o: (f"{_c(w)}/moderation/settings", {"flag_threshold": "5"}),
    "drafting.new": lambda w, o: (
        f"{_c(w)}/documents/new",
        {"title_fr": "Texte", "text": "Début", "mode": "open"},
    ),
    "drafting.save": lambda w, o: (
        _doc(w),
        {"text": TEXT + " Ajout.", "base": str(log_rows.text_at(w.document.id)[1])},
    ),
    "drafting.settings": lambda w, o: (
        _doc(w, tail="/settings"),
        {"title_fr": "Nouveau titre", "mode": "open", "max_editors": "20"},
    ),
    "drafting.add_editor": lambda w, o: (_doc(w, tail="/editors"), {"email": w.newcomer.email}),
    "drafting.remove_editor": lambda w, o: (_doc(w, tail=f"/editors/{w.other.id}/remove"), {}),
    "drafting.name_version": lambda w, o: (_doc(w, tail="/versions"), {"name": "Nommée"}),
    "drafting.restore_version": lambda w, o: (_doc(w, tail="/versions/1/restore"), {}),
    "amendments.propose": lambda w, o: (
        f"{_doc(w, w.suggest)}/amendments",
        {"passage": "Une fibre", "replacement": "Deux fibres", "reason": "Mieux"},
    ),
    "amendments.action:support": lambda w, o: (_amendment(w, w.amendment, "/support"), {}),
    "amendments.action:poll": lambda w, o: (_amendment(w, o.decide, "/poll"), {}),
    "amendments.answer_consent": lambda w, o: (_amendment(w, w.consent, "/consent"), {"response": "agree"}),
    "amendments.close_consent": lambda w, o: (_amendment(w, o.close, "/consent/close"), {"answer": "Fini"}),
    "amendments.decide": lambda w, o: (
        _amendment(w, o.decide, "/decide"),
        {"decision": "reject", "answer": "Non"},
    ),
    "voting.new": lambda w, o: (f"{_c(w)}/polls/new", POLL),
    "voting.edit": lambda w, o: (
        f"{_c(w)}/polls/{o.poll.id}/edit",
        {**POLL, "question_fr": "Autre question"},
    ),
    "voting.cast": lambda w, o: (f"{_c(w)}/polls/{w.poll.id}/ballot", {"rank-0": "1", "rank-1": "2"}),
    "voting.close": lambda w, o: (f"{_c(w)}/polls/{o.poll.id}/close", {}),
    "coalitions.new_position": lambda w, o: (
        f"{_c(w)}/positions/new",
        {**POSITION, "source": "text", "reference": "fr", "text_fr": "Un texte à endosser"},
    ),
    "coalitions.edit_position": lambda w, o: (_position(w, tail="/edit"), {**POSITION, "title_fr": "Autre"}),
    "coalitions.republish": lambda w, o: (
        _position(w, tail="/republish"),
        {"source": "text", "reference": "fr", "text_fr": f"Texte de {o.person.id}", "note": "Changé"},
    ),
    "coalitions.endorse": lambda w, o: (
        _position(w, tail="/endorse"),
        {"version": "1", "base": "0", "stance": "endorse", "statement": "Oui"},
    ),
    "coalitions.endorse_organisation": lambda w, o: (
        _position(w, tail=f"/organisations/{o.organisation.slug}/endorse"),
        MANDATE,
    ),
    "coalitions.revoke_organisation": lambda w, o: (
        _position(w, w.endorsed, f"/organisations/{o.organisation.slug}/revoke"),
        {"base": "1", "reason": "Le conseil a changé d'avis."},
    ),
    "opinions.new": lambda w, o: (
        f"{_c(w)}/opinions/new",
        {"question_fr": "Quoi d'autre ?", "seeds": "Une idée"},
    ),
    "opinions.import_map": lambda w, o: (
        f"{_c(w)}/opinions/import",
        {
            "question_fr": "Importée",
            "comments": (_Upload(b"comment-id,comment-body\n0,Une idee\n"), "comments.csv"),
            "votes": (_Upload(b"comment-id,voter-id,vote\n0,1,1\n"), "votes.csv"),
        },
    ),
    "opinions.vote": lambda w, o: (
        f"{_c(w)}/opinions/{w.opinion_map.id}/vote",  # type: ignore[union-attr]
        {"statement": str(w.opinion_statement), "vote": "agree", "important": "y"},
    ),
    "opinions.statements": lambda w, o: (
        f"{_c(w)}/opinions/{w.opinion_map.id}/statements",  # type: ignore[union-attr]
        {"body": "Des bornes de recharge"},
    ),
    "opinions.settings": lambda w, o: (
        f"{_c(w)}/opinions/{w.opinion_map.id}/settings",  # type: ignore[union-attr]
        {"status": "closed"},
    ),
    "opinion_reuse.reuse_statement:proposal": lambda w, o: (
        f"{_c(w)}/opinions/{w.opinion_map.id}/statements/{w.opinion_statement}/proposal",  # type: ignore[union-attr]
        {"title": "Des ateliers", "body": "Pour tous"},
    ),
    "opinion_reuse.reuse_statement:amendment": lambda w, o: (
        f"{_c(w)}/opinions/{w.opinion_map.id}/statements/{w.opinion_statement}/amendment",  # type: ignore[union-attr]
        {
            "document": str(w.suggest.id),
            "passage": "Le numérique",
            "replacement": "Le numérique libre",
            "reason": "Carte",
        },
    ),
    "opinion_reuse.reuse_statement:session": lambda w, o: (
        f"{_c(w)}/opinions/{w.opinion_map.id}/statements/{w.opinion_statement}/session",  # type: ignore[union-attr]
        {"session": str(w.live_session), "title": "Des ateliers pour tous", "minutes": "10"},
    ),
}

WRITES.update({
    "live.new": lambda w, o: (f"{_c(w)}/live/new", {"title_fr": "Séance", "starts_at": "2026-12-20T19:00", "speaking_seconds": "60"}),
    "live.hand": lambda w, o: (_live_path(w, "/hand"), {"lane": "order"}),
    "live.answer": lambda w, o: (_live_path(w, f"/polls/{w.live_poll}/answer"), {"choice": "0"}),
    "live.ask": lambda w, o: (_live_path(w, "/questions"), {"text": "Une question ?"}),
    "live.support": lambda w, o: (_live_path(w, f"/questions/{w.live_question}/support"), {}),
    "live_console.act": lambda w, o: (_live_path(w, "/console"), {"action": "next-item"}),
    "live_console.add_speaker": lambda w, o: (_live_path(w, "/speakers"), {"name": "Louise", "lane": "normal"}),
    "live_console.announce": lambda w, o: (_live_path(w, "/announcement"), {"text": "Pause"}),
    "live_console.new_poll": lambda w, o: (_live_path(w, "/polls"), {"kind": "yes-no", "question_fr": "Encore ?", "max_score": "5"}),
    "live_console.tally": lambda w, o: (_live_path(w, f"/polls/{w.live_poll}/tally"), {"counts": ["1", "2", "3"]}),
    "live_console.add_item": lambda w, o: (_live_path(w, "/agenda"), {"title_fr": "Point 2", "minutes": "5"}),
    "live_console.edit_item": lambda w, o: (_live_path(w, f"/agenda/{w.live_item}"), {"title_fr": "Point revu", "minutes": "5"}),
    "live_console.settings": lambda w, o: (
        _live_path(w, "/settings"),
        {"title_fr": "Séance revue", "starts_at": "2026-12-20T19:00", "speaking_seconds": "60"},
    ),
    "live_console.edit_minutes": lambda w, o: (
        _live_path(w, "/minutes/edit", w.live_ended),
        {"text": "Compte rendu", "do": "publish"},
    ),
})  # fmt: skip

# Open to sanctioned people: their account, and taking back what they gave.
EXEMPT: dict[str, Scenario] = {
    "accounts.sign_out": lambda w, o: ("/sign-out", {}),
    "accounts.sign_out_everywhere": lambda w, o: ("/account/sign-out-everywhere", {}),
    "i18n.switch_language": lambda w, o: ("/language", {"lang": "en"}),
    "notifications.mark_read": lambda w, o: ("/notifications/read", {}),
    "notifications.email_setting": lambda w, o: ("/notifications/email", {"email_notifications": "y"}),
    "notifications.moderation_digest_setting": lambda w, o: (
        "/notifications/moderation-digest",
        {"moderation_digest": "y"},
    ),
    "accounts.leave_organisation": lambda w, o: (
        f"/organisations/{w.own['clean'].organisation.slug}/leave",
        {},
    ),
    "discussion.delete": lambda w, o: (f"/discussion/comments/{o.comment.id}/delete", {}),
    "proposals.act:withdraw": lambda w, o: (f"{_c(w)}/proposals/{o.proposal.id}/withdraw", {}),
    "proposals.act:unsupport": lambda w, o: (f"{_c(w)}/proposals/{o.supported.id}/unsupport", {}),
    "live.lower": lambda w, o: (_live_path(w, "/hand/lower"), {"lane": "normal"}),
    # A citizen takes back their own endorsement (with a reason, like anyone); acting in an
    # organisation's name is a write.
    "coalitions.revoke": lambda w, o: (
        _position(w, w.endorsed, "/revoke"),
        {"base": "1", "reason": "Je retire"},
    ),
}
# The account page's own forms (password, sign-out everywhere) and the anonymous visitor's forms
# (register, sign in, password reset) are tested with the accounts.
ACCOUNT = {
    "accounts.account",
    "accounts.register",
    "accounts.sign_in",
    "accounts.forgot_password",
    "accounts.reset_password",
    "api_pages.token_list",
    "api_pages.revoke",
}
# The JSON API's writes go through the same services; tests/api/test_write.py refuses each of them to a
# sanctioned person's token (endorsing: tests/api/test_coalitions.py), their own table since they take a
# token instead of a form.
API = {"api_proposals.Proposals", "api_discussion.ConsultationComments", "api_discussion.ProposalComments",
       "api_polls.Ballot", "api_coalitions.Endorsements"}  # fmt: skip
# Forms that store nothing (the editor's preview): refused to the sanctioned like the writes they
# serve, and tested apart since the unsanctioned request writes nothing either.
NO_WRITE: dict[str, Scenario] = {
    "drafting.preview": lambda w, o: (_doc(w, tail="/preview"), {"text": "# Aperçu **gras**"}),
}
# Site administrators only, and they cannot be suspended or banned (moderation.services.sanction).
ADMIN = {
    "consultations.new",
    "consultations.moderators",
    "consultations.remove_moderator",
    "accounts.verify_organisation",
    "moderation.sanction",
    "moderation.lift",
    "amendments.action:unsupport",
}


def _post_rules(app: Flask) -> set[str]:
    """Every POST endpoint, one entry per action where a rule takes a fixed list of them."""
    found = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        if "<any(" in rule.rule:
            choices = rule.rule.split("<any(", 1)[1].split(")", 1)[0]
            found |= {f"{rule.endpoint}:{c.strip()}" for c in choices.split(",")}
        elif "<decision>" in rule.rule:
            found |= {f"{rule.endpoint}:accept", f"{rule.endpoint}:decline"}
        else:
            found.add(rule.endpoint)
    return found


def test_every_form_of_the_app_is_in_the_table(app: Flask) -> None:
    classified = set(WRITES) | set(EXEMPT) | set(NO_WRITE) | ACCOUNT | ADMIN | API
    assert _post_rules(app) == classified, "classify new forms in tests/test_sanctions.py"
    assert not set(WRITES) & set(EXEMPT)


def _digest() -> str:
    """A fingerprint of every row of every table: equal before and after means nothing was written."""
    db.session.rollback()
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _client(app: Flask, person: User) -> tuple[FlaskClient, str]:
    client = app.test_client()
    sign_in(client, person.email)
    return client, csrf_token(client, "/")


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_sanctioned_people_cannot_write(app: Flask, endpoint: str) -> None:
    world = build_world()
    for state in STATES:
        own = world.own[state]
        client, token = _client(app, own.person)
        url, form = WRITES[endpoint](world, own)
        before = _digest()
        response = client.post(url, data={"csrf_token": token, **form})
        assert response.status_code == 403, (
            state,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
        assert REASONS[state] in response.get_data(as_text=True), state
        assert _digest() == before, f"{state}: something was written"
    # The same request by the same kind of person, unsanctioned, writes: the refusals above are the
    # sanction's.
    own = world.own["clean"]
    client, token = _client(app, own.person)
    url, form = WRITES[endpoint](world, own)
    before = _digest()
    response = client.post(url, data={"csrf_token": token, **form})
    assert response.status_code < 400, (response.status_code, response.get_data(as_text=True)[:600])
    assert _digest() != before, "the unsanctioned request wrote nothing: the scenario is broken"


@pytest.mark.parametrize("endpoint", sorted(NO_WRITE))
def test_sanctioned_people_are_refused_what_serves_a_write(app: Flask, endpoint: str) -> None:
    world = build_world()
    for state in [*STATES, "clean"]:
        own = world.own[state]
        client, token = _client(app, own.person)
        url, form = NO_WRITE[endpoint](world, own)
        before = _digest()
        response = client.post(url, data={"csrf_token": token, **form})
        if state == "clean":
            assert response.status_code == 200 and "<strong>gras</strong>" in response.get_data(as_text=True)
        else:
            assert response.status_code == 403, (state, response.status_code)
        assert _digest() == before, f"{state}: something was written"


@pytest.mark.parametrize("endpoint", sorted(EXEMPT))
@pytest.mark.parametrize("state", STATES)
def test_sanctioned_people_manage_their_account_and_take_back_what_they_gave(
    app: Flask, endpoint: str, state: str
) -> None:
    world = build_world()
    own = world.own[state]
    if endpoint == "accounts.leave_organisation":
        # They joined someone's organisation before the sanction.
        world.own["clean"].organisation.memberships.append(
            Membership(user=own.person, status=Membership.REPRESENTATIVE)
        )
        db.session.commit()
    client, token = _client(app, own.person)
    url, form = EXEMPT[endpoint](world, own)
    response = client.post(url, data={"csrf_token": token, **form})
    assert response.status_code < 400, (response.status_code, response.get_data(as_text=True)[:300])
    assert REASONS[state] not in response.get_data(as_text=True)


def test_flags_of_sanctioned_people_do_not_count_toward_hiding(app: Flask) -> None:
    from civic.deliberation.moderation import services as moderation

    world = build_world()
    world.consultation.flag_threshold = 3
    db.session.commit()
    target = world.other_comment
    sanctioned = [world.own[state].person.id for state in STATES]
    # The suspended and the banned person flagged it before their sanctions began.
    db.session.execute(update(Sanction).where(Sanction.user_id.in_(sanctioned)).values(lifted=True))
    db.session.commit()
    for state in STATES:
        moderation.flag(world.own[state].person, "comment", target.id, "spam")
    db.session.execute(update(Sanction).where(Sanction.user_id.in_(sanctioned)).values(lifted=False))
    db.session.commit()
    moderation.flag(world.own["clean"].person, "comment", target.id, "spam")
    db.session.refresh(target)
    assert not target.hidden  # three flags, but only one from someone not sanctioned
    moderation.flag(make_user(), "comment", target.id, "offensive")
    moderation.flag(make_user(), "comment", target.id, "offensive")
    db.session.refresh(target)
    assert target.hidden
