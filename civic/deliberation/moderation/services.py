"""Moderation verbs: flag, hide, restore, sanction; the log is written in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from civic.accounts.models import Sanction, User
from civic.accounts.sanctions import ensure_can_participate, in_force_clause
from civic.consultations.models import Consultation
from civic.deliberation.moderation import permissions, targets
from civic.deliberation.moderation.models import REASONS, Flag, ModerationAction
from civic.errors import Conflict, Forbidden, Invalid, NotFound
from civic.extensions import db
from civic.notifications import services as notifications
from civic.timestamps import utcnow

REASON_TEXT_MAX = 1000
PUBLIC_REASON_MAX = 1000
# Reports from this many distinct people hide a contribution until review: 1 hides at the first report,
# beyond 20 a small consultation would never reach it.
FLAG_THRESHOLD_MIN, FLAG_THRESHOLD_MAX = 1, 20


class AlreadyFlagged(Conflict):
    pass


class AlreadyHidden(Forbidden):
    """Hidden content cannot be reported (its text is not shown: nothing to report)."""


def record(
    consultation_id: int | None,
    action: str,
    kind: str,
    target_id: int,
    reason: str = "",
    actor: User | None = None,
    ends_at: datetime | None = None,
) -> ModerationAction:
    """Add a line to the moderation log in the caller's transaction (the caller commits)."""
    entry = ModerationAction(
        consultation_id=consultation_id,
        action=action,
        kind=kind,
        target_id=target_id,
        reason=reason,
        actor_id=actor.id if actor is not None else None,
        ends_at=ends_at,
    )
    db.session.add(entry)
    return entry


def _target(kind: str, target_id: int) -> Any:
    target = targets.load(kind, target_id)
    if target is None:
        raise NotFound()
    return target


def _consultation_of(target: Any) -> Consultation:
    consultation = db.session.get(Consultation, target.consultation_id)
    if consultation is None:
        raise NotFound()
    return consultation


def _settle_flags(kind: str, target_id: int) -> None:
    db.session.execute(
        update(Flag)
        .where(Flag.kind == kind, Flag.target_id == target_id, Flag.resolved.is_(False))
        .values(resolved=True)
    )


def flaggable(user: User | None, kind: str, target_id: int) -> Any:
    """Return the content this person may report; NotFound for anything they may not read.

    What a person cannot see where it stands (a draft, a deleted comment, anything in a consultation
    hidden from them) is not found, whatever its id; hidden content cannot be reported again.
    """
    target = targets.load(kind, target_id)
    if target is None or not targets.readable(kind, target, user) or getattr(target, "deleted", False):
        raise NotFound()
    if user is None or not permissions.can_flag(user, _consultation_of(target), target):
        raise Forbidden(_("You cannot report your own contribution.") if user is not None else None)
    if target.hidden:
        raise AlreadyHidden(_("This contribution is already hidden."))
    return target


def flag(user: User | None, kind: str, target_id: int, reason: str, text: str = "") -> Flag:
    """Record a report; enough distinct reports hide the content until a moderator reviews it."""
    ensure_can_participate(user)
    target = flaggable(user, kind, target_id)
    if user is None:  # flaggable has refused anonymous visitors already; this tells the type checker
        raise Forbidden()
    consultation = _consultation_of(target)
    text = text.strip()
    if reason not in REASONS:
        raise Invalid(_("Choose a reason."))
    if reason == "other" and not text:
        raise Invalid(_("Say briefly what the problem is."))
    if len(text) > REASON_TEXT_MAX:
        raise Invalid(_("At most %(n)d characters.", n=REASON_TEXT_MAX))
    exists = db.session.scalar(
        select(Flag.id).where(Flag.kind == kind, Flag.target_id == target_id, Flag.user_id == user.id)
    )
    if exists is not None:
        raise AlreadyFlagged(_("You have already reported this contribution."))
    report = Flag(
        consultation_id=consultation.id,
        kind=kind,
        target_id=target_id,
        user_id=user.id,
        reason=reason,
        text=text,
    )
    db.session.add(report)
    db.session.flush()
    # People under a sanction in force do not count (they may have flagged before it began).
    count = db.session.scalar(
        select(func.count(func.distinct(Flag.user_id))).where(
            Flag.kind == kind,
            Flag.target_id == target_id,
            Flag.resolved.is_(False),
            ~in_force_clause(Flag.user_id),
        )
    )
    pending = db.session.scalar(
        select(func.count(Flag.id)).where(
            Flag.kind == kind, Flag.target_id == target_id, Flag.resolved.is_(False)
        )
    )
    hidden_now = (count or 0) >= consultation.flag_threshold
    if hidden_now:
        target.hidden, target.hidden_reason = True, ""
        targets.visibility_changed(kind, target, visible=False)
        notifications.forget_text(target.moderation_url)
        record(consultation.id, "auto-hide", kind, target_id)
    db.session.commit()
    if hidden_now:
        targets.changed(kind, target, "hidden")
    if hidden_now or pending == 1:  # a new item in the queue, or one that reports have hidden
        _tell_moderators(consultation, user, kind, target_id, "flag_hidden" if hidden_now else "flag")
    return report


def _tell_moderators(
    consultation: Consultation, flagger: User, kind: str, target_id: int, notice: str
) -> None:
    """Notify the consultation's moderators (its administrators when it has none) in the site only:
    who wants e-mail gets a digest (digest.py), never one e-mail per report. Who flagged is not said."""
    recipients = {moderator.id for moderator in consultation.moderators}
    if not recipients:
        recipients = set(db.session.scalars(select(User.id).where(User.is_admin.is_(True))))
    recipients.discard(flagger.id)
    queue = url_for("moderation.queue", slug=consultation.slug, _anchor=f"item-{kind}-{target_id}")
    notifications.notify_many(recipients, notice, consultation.id, queue, "", "", email=False)


def _moderated_target(user: User | None, consultation: Consultation, kind: str, target_id: int) -> Any:
    if not permissions.can_moderate(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    target = _target(kind, target_id)
    if target.consultation_id != consultation.id:
        raise NotFound()
    return target


def hideable(user: User | None, consultation: Consultation, kind: str, target_id: int) -> Any:
    """Return the content a moderator of this consultation may hide where it stands, reported or not."""
    target = _moderated_target(user, consultation, kind, target_id)
    # A draft is its author's alone, a deleted comment is gone: neither is shown, nor hidden.
    if getattr(target, "deleted", False) or not targets.readable(kind, target, user):
        raise NotFound()
    return target


def hide(user: User | None, consultation: Consultation, kind: str, target_id: int, reason: str) -> None:
    """Hide content with a public reason shown in its place; the flags raised so far are settled."""
    target = hideable(user, consultation, kind, target_id)
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Give the public reason shown in place of the content."))
    if len(reason) > PUBLIC_REASON_MAX:
        raise Invalid(_("At most %(n)d characters.", n=PUBLIC_REASON_MAX))
    if target.hidden and target.hidden_reason == reason:
        raise Conflict(_("This contribution is already hidden."))
    if not target.hidden:  # hidden automatically before: only its reason changes
        targets.visibility_changed(kind, target, visible=False)
        notifications.forget_text(target.moderation_url)
    target.hidden, target.hidden_reason = True, reason
    _settle_flags(kind, target_id)
    record(consultation.id, "hide", kind, target_id, reason, user)
    db.session.commit()
    targets.changed(kind, target, "hidden")


def restore(
    user: User | None, consultation: Consultation, kind: str, target_id: int, reason: str = ""
) -> None:
    """Show hidden content again, or dismiss the flags on visible content."""
    target = _moderated_target(user, consultation, kind, target_id)
    was_hidden = target.hidden
    pending = db.session.scalar(
        select(func.count(Flag.id)).where(
            Flag.kind == kind, Flag.target_id == target_id, Flag.resolved.is_(False)
        )
    )
    if not was_hidden and not pending:
        raise Conflict(_("This contribution is not hidden."))
    if was_hidden:
        targets.visibility_changed(kind, target, visible=True)
    target.hidden, target.hidden_reason = False, ""
    _settle_flags(kind, target_id)
    record(consultation.id, "restore", kind, target_id, reason.strip()[:PUBLIC_REASON_MAX], user)
    db.session.commit()
    if was_hidden:
        targets.changed(kind, target, "restored")


def sanction(
    user: User | None,
    person_id: int,
    kind: str,
    reason: str,
    ends_at: datetime | None,
    consultation: Consultation | None = None,
) -> Sanction:
    """Suspend (until a date) or ban (until a date, or for good) a person; they see the reason."""
    if user is None or not permissions.can_sanction(user):
        raise Forbidden()
    person = db.session.get(User, person_id)
    if person is None:
        raise NotFound()
    if person.id == user.id or person.is_admin:
        raise Forbidden(_("Site administrators cannot be suspended or banned here."))
    if kind not in Sanction.KINDS:
        raise Invalid()
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Give the reason the person will see."))
    if len(reason) > PUBLIC_REASON_MAX:
        raise Invalid(_("At most %(n)d characters.", n=PUBLIC_REASON_MAX))
    if kind == "suspension" and ends_at is None:
        raise Invalid(_("A suspension needs an end date."))
    if ends_at is not None and ends_at <= utcnow():
        raise Invalid(_("The end date must be in the future."))
    entry = Sanction(user_id=person.id, kind=kind, reason=reason, ends_at=ends_at, created_by=user.id)
    db.session.add(entry)
    record(
        consultation.id if consultation is not None else None,
        "suspend" if kind == "suspension" else "ban",
        "user",
        person.id,
        reason,
        user,
        ends_at,
    )
    db.session.commit()
    return entry


def lift(user: User | None, sanction_id: int, consultation: Consultation | None = None) -> Sanction:
    """End a suspension or ban before its date; the public log records it (from this consultation)."""
    if not permissions.can_sanction(user):
        raise Forbidden()
    entry = db.session.get(Sanction, sanction_id)
    if entry is None:
        raise NotFound()
    if entry.lifted:
        raise Conflict(_("This sanction was already lifted."))
    if entry.ends_at is not None and entry.ends_at <= utcnow():
        raise Conflict(_("This sanction has already ended."))
    entry.lifted = True
    record(consultation.id if consultation else None, "lift", "user", entry.user_id, "", user)
    db.session.commit()
    return entry


def set_flag_threshold(user: User | None, consultation: Consultation, threshold: int) -> None:
    """Set how many distinct people's reports hide a contribution of this consultation until review.

    It applies to the next reports: what reports already hid stays hidden, what they did not stays shown.
    """
    if not permissions.can_moderate(user, consultation):
        raise Forbidden()
    ensure_can_participate(user)
    if not FLAG_THRESHOLD_MIN <= threshold <= FLAG_THRESHOLD_MAX:
        raise Invalid(
            _(
                "Give a whole number from %(low)d to %(high)d.",
                low=FLAG_THRESHOLD_MIN,
                high=FLAG_THRESHOLD_MAX,
            )
        )
    consultation.flag_threshold = threshold
    db.session.commit()
