"""Questions from participants: asked, approved (or not) by a facilitator before others see them,
supported by others (the most supported first), marked answered."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.sanctions import ensure_can_participate
from civic.deliberation.live.changes import change, facilitator, participant, running
from civic.deliberation.live.models import LiveSession, Question, QuestionSupport
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.text import is_blank, render_markdown
from civic.timestamps import utcnow

QUESTION_MAX = 500
PENDING_MAX = 3  # questions one person may have awaiting approval at once


def clean(text: str) -> str:
    """Return the question as it will be stored, or raise Invalid saying why it cannot be."""
    text = text.strip()
    if not text:
        raise Invalid(_("Write your question first."))
    if is_blank(text):
        raise Invalid(_("Your question shows nothing: it is made only of spaces or invisible characters."))
    if len(text) > QUESTION_MAX:
        raise Invalid(
            _(
                "A question has at most %(n)d characters; this one has %(count)d.",
                n=QUESTION_MAX,
                count=len(text),
            )
        )
    return text


def ask(user: User | None, session: LiveSession, text: str) -> Question:
    """Send a question; facilitators see it at once, others once it is approved."""
    person, _consultation = participant(user, session)
    body = clean(text)
    with change(session.id, person, publish="quiet") as now:
        running(now.session)
        waiting = db.session.scalars(
            select(Question.id).where(
                Question.session_id == now.session.id,
                Question.author_id == person.id,
                Question.state == Question.PENDING,
            )
        ).all()
        if len(waiting) >= PENDING_MAX:
            raise Conflict(
                _(
                    "You have %(n)d questions awaiting approval: wait until the facilitators read them.",
                    n=len(waiting),
                )
            )
        question = Question(
            session_id=now.session.id, author_id=person.id, body=body, body_html=str(render_markdown(body))
        )
        db.session.add(question)
        db.session.flush()
        now.log("question", question=question.id)
        return question


def _question(session_id: int, question_id: int | None) -> Question:
    question = db.session.get(Question, question_id) if question_id is not None else None
    if question is None or question.session_id != session_id:
        raise NotFound(_("This question is not one of this session's."))
    return question


def decide(user: User | None, session: LiveSession, question_id: int | None, state: str) -> None:
    """Approve or reject a question awaiting approval, or mark an approved one answered."""
    person, _consultation = facilitator(user, session)
    allowed = {
        Question.APPROVED: (Question.PENDING,),
        Question.REJECTED: (Question.PENDING, Question.APPROVED),
        Question.ANSWERED: (Question.APPROVED,),
    }
    if state not in allowed:
        raise Invalid(_("Unknown decision."))
    with change(session.id, person) as now:
        running(now.session)
        question = _question(now.session.id, question_id)
        if question.state not in allowed[state]:
            raise Conflict(_("This question has already been dealt with."))
        question.state, question.decided_at = state, utcnow()
        now.log(
            f"question-{state}", question=question.id, text=question.body, supports=question.support_count
        )


def support(user: User | None, session: LiveSession, question_id: int | None) -> bool:
    """Support an approved question, or take one's support back; return whether it is now supported.

    Taking a support back is open to a suspended or banned person; giving one is not.
    """
    person, _consultation = participant(user, session, taking_back=True)
    with change(session.id, person, publish="soon") as now:
        running(now.session)
        question = _question(now.session.id, question_id)
        if question.state != Question.APPROVED:
            raise Conflict(_("Only questions on the screens can be supported."))
        if question.author_id == person.id:
            raise Forbidden(_("You cannot support your own question."))
        removed = db.session.execute(
            delete(QuestionSupport).where(
                QuestionSupport.question_id == question.id, QuestionSupport.user_id == person.id
            )
        ).rowcount  # type: ignore[attr-defined]
        if not removed:
            ensure_can_participate(person)
            db.session.add(QuestionSupport(question_id=question.id, user_id=person.id))
        delta = -1 if removed else 1
        db.session.execute(
            update(Question)
            .where(Question.id == question.id)
            .values(support_count=Question.support_count + delta)
        )
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict(_("Your support was already counted.")) from None
        return not removed
