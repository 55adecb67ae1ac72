"""Notification verbs: notify someone (in the app, live in their header, by e-mail if they asked), mark read."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from civic import realtime
from civic.accounts.mail import send_mail
from civic.accounts.models import User
from civic.extensions import db
from civic.notifications.models import ModerationDigest, Notification
from civic.notifications.queries import unread_count, unread_counts
from civic.timestamps import utcnow

TITLE_MAX = 200
NAMESPACE = "/notifications"
BATCH = 1000  # people per query when many are notified at once


def user_room(user_id: int) -> str:
    """Return the Socket.IO room of one person's pages; only they may join it (see events.py)."""
    return realtime.room("user", user_id)


def publish_unread(user_id: int) -> None:
    """Tell this person's open pages their new unread count (a number only: pages fetch the wording)."""
    realtime.publish(
        "notifications.unread", {"unread": unread_count(user_id)}, to=user_room(user_id), namespace=NAMESPACE
    )


def message(kind: str, actor_name: str) -> str:
    """Return the sentence describing a notification, in the current language."""
    if kind == "reply":
        return _("%(name)s replied to your comment", name=actor_name)
    if kind == "comment":
        return _("%(name)s commented on your contribution", name=actor_name)
    if kind in ("answer", "proposal_answered"):  # the second name was stored before 2026-11-30
        return _("%(name)s answered your proposal", name=actor_name)
    if kind == "amendment_accepted":
        return _("%(name)s accepted your amendment", name=actor_name)
    if kind == "amendment_rejected":
        return _("%(name)s rejected your amendment", name=actor_name)
    if kind == "position_new_version":
        return _(
            "%(name)s published a new version of a position you endorsed: read it and reconfirm your endorsement",
            name=actor_name,
        )
    if kind == "flag":
        return _("A contribution was reported in a consultation you moderate")
    if kind == "flag_hidden":
        return _("A contribution was hidden after several reports: review it")
    if kind == "endorsement_condition_met":
        return _("The condition of your endorsement is met: the amendment was accepted")
    if kind == "endorsement_condition_failed":
        return _("The condition of your endorsement is not met: the amendment was not accepted")
    if kind == "endorsement_mandate_expired":
        return _(
            "The mandate of your organisation's endorsement has expired: renew it or revoke the endorsement"
        )
    return _("%(name)s: new activity", name=actor_name)


def notify(
    user_id: int,
    kind: str,
    consultation_id: int | None,
    url: str,
    actor_name: str,
    title: str,
    commit: bool = True,
) -> Notification:
    """Store an in-app notification; with commit=False it joins the caller's transaction.

    Kinds with a sentence of their own: "reply", "comment", "answer". After the commit, the person's
    open pages hear of it and the e-mail goes to those who opted in; with commit=False the caller
    calls deliver() after its own commit.
    """
    title = " ".join(title.split())
    notice = Notification(
        user_id=user_id,
        kind=kind,
        consultation_id=consultation_id,
        url=url,
        actor_name=actor_name[:80],
        title=title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…",
    )
    db.session.add(notice)
    if commit:
        db.session.commit()
        deliver(notice)
    return notice


def notify_many(
    user_ids: set[int],
    kind: str,
    consultation_id: int | None,
    url: str,
    actor_name: str,
    title: str,
    email: bool = True,
) -> int:
    """Store one notification for each of these people in one statement, commit, then announce them.

    For notices to many at once (every endorser of a position): one insert, then per thousand people one
    query for the unread counts and one for who asked for e-mail, instead of three queries per person.
    With email=False nobody is e-mailed (reports to moderators: those who want e-mail get a digest).
    Returns how many were stored.
    """
    if not user_ids:
        return 0
    title = " ".join(title.split())
    title = title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"
    now = utcnow()
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": user_id,
                "kind": kind,
                "consultation_id": consultation_id,
                "url": url,
                "actor_name": actor_name[:80],
                "title": title,
                "created_at": now,
            }
            for user_id in sorted(user_ids)
        ],
    )
    db.session.commit()
    # By a thousand people at a time: each query then walks the (user_id, read_at) index.
    ordered = sorted(user_ids)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        for user_id, count in unread_counts(set(chunk)).items():
            realtime.publish(
                "notifications.unread", {"unread": count}, to=user_room(user_id), namespace=NAMESPACE
            )
        if not email:
            continue
        for notice in db.session.scalars(
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.user_id.in_(chunk),
                User.email_notifications.is_(True),
                Notification.kind == kind,
                Notification.url == url,
                Notification.created_at == now,
            )
        ):
            send_email(notice)
    return len(user_ids)


def forget_text(url: str) -> None:
    """Blank the quoted text of the notifications about the page at `url` (its content was hidden or
    deleted: a notification must not keep showing it). In the caller's transaction."""
    db.session.execute(update(Notification).where(Notification.url == url).values(title=""))


def deliver(notice: Notification) -> None:
    """Announce a committed notification: the live unread count in its recipient's header, then e-mail."""
    publish_unread(notice.user_id)
    send_email(notice)


def send_email(notice: Notification) -> None:
    """E-mail a stored notification to its recipient, in their language, if they opted in."""
    user = db.session.get(User, notice.user_id)
    if user is None or not user.email_notifications:
        return
    with force_locale(user.locale):
        subject = message(notice.kind, notice.actor_name)
        link = url_for("notifications.index", _external=True)
        target = notice.url if notice.url.startswith("http") else link.rsplit("/", 1)[0] + notice.url
        body = "\n\n".join(
            part
            for part in (
                subject,
                _("“%(text)s”", text=notice.title) if notice.title else "",
                target,
                _("You receive this e-mail because you asked for it. Stop it on your account page."),
            )
            if part
        )
    try:
        send_mail(user.email, subject, body)
    except OSError:  # a mail server outage must not lose the in-app notification
        current_app.logger.exception("notification e-mail to user %s failed", user.id)


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    publish_unread(user.id)  # the person's other tabs drop their count too
    return int(getattr(result, "rowcount", 0) or 0)


def set_email_notifications(user: User, enabled: bool) -> None:
    user.email_notifications = enabled
    db.session.commit()


def moderation_digest_wanted(user_id: int) -> bool:
    return db.session.get(ModerationDigest, user_id) is not None


def set_moderation_digest(user: User, enabled: bool) -> None:
    """Ask for (or stop) the e-mailed digest of new reports; the first one tells everything waiting."""
    current = db.session.get(ModerationDigest, user.id)
    if enabled and current is None:
        db.session.add(ModerationDigest(user_id=user.id))
    elif not enabled and current is not None:
        db.session.delete(current)
    db.session.commit()


def moderation_digests() -> list[ModerationDigest]:
    """Every wish for a digest, with when the last one went."""
    return list(db.session.scalars(select(ModerationDigest).order_by(ModerationDigest.user_id)))


def mark_moderation_digest_sent(wish: ModerationDigest, when: datetime) -> None:
    wish.last_sent_at = when
    db.session.commit()
