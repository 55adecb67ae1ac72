"""The e-mailed digest of new reports, for moderators who asked for it (`flask civic moderation-digest`,
run by the operator's scheduler, e.g. every morning). One e-mail per person at most per run, and none when
nothing new was reported since their last one."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from civic.accounts.mail import send_mail
from civic.accounts.models import User
from civic.deliberation.moderation import queries
from civic.deliberation.moderation.models import Flag
from civic.extensions import db
from civic.i18n import localized
from civic.notifications import services as notifications
from civic.timestamps import utcnow

# "At most one e-mail a day" whatever the scheduler does; a little less than a day so that a run each
# morning at the same hour is not skipped for a few minutes' difference.
INTERVAL = timedelta(hours=20)


def _new_since(consultation_ids: list[int], since: datetime | None) -> dict[int, int]:
    """Per consultation, the items waiting whose first report came after `since`."""
    items = (
        select(Flag.consultation_id, func.min(Flag.created_at).label("first_at"))
        .where(Flag.resolved.is_(False), Flag.consultation_id.in_(consultation_ids))
        .group_by(Flag.consultation_id, Flag.kind, Flag.target_id)
        .subquery()
    )
    query = select(items.c.consultation_id, func.count()).group_by(items.c.consultation_id)
    if since is not None:
        query = query.where(items.c.first_at > since)
    return {int(cid): int(count) for cid, count in db.session.execute(query)}


def compose(user: User, since: datetime | None) -> tuple[str, str] | None:
    """Return the subject and body of this person's digest, or None when nothing new was reported."""
    rows = queries.waiting_by_consultation(user)
    new = _new_since([consultation.id for consultation, _count in rows], since)
    if not any(new.values()):
        return None
    with force_locale(user.locale):
        total = sum(new.values())
        subject = ngettext(
            "%(num)d new contribution reported in your consultations",
            "%(num)d new contributions reported in your consultations",
            total,
        )
        lines = [subject, ""]
        for consultation, waiting in rows:
            if not new.get(consultation.id):
                continue
            lines += [
                localized(consultation, "title"),
                "  "
                + ngettext("%(num)d new", "%(num)d new", new[consultation.id])
                + " · "
                + ngettext("%(num)d waiting in all", "%(num)d waiting in all", waiting),
                "  " + url_for("moderation.queue", slug=consultation.slug, _external=True),
                "",
            ]
        lines.append(_("You receive this digest because you asked for it. Stop it on your account page."))
    return subject, "\n".join(lines)


def send_digests(now: datetime | None = None) -> int:
    """E-mail each moderator who asked for it what was reported since their last digest; return how many
    e-mails went. Those who no longer moderate anything get none."""
    now = now or utcnow()
    sent = 0
    for wish in notifications.moderation_digests():
        user = db.session.get(User, wish.user_id)
        if wish.last_sent_at is not None and now - wish.last_sent_at < INTERVAL:
            continue
        if user is None or queries.waiting(user) is None:
            continue
        message = compose(user, wish.last_sent_at)
        if message is None:
            continue
        try:
            send_mail(user.email, *message)
        except OSError:  # one failed server answer must not stop the others' digests
            continue
        notifications.mark_moderation_digest_sent(wish, now)
        sent += 1
    return sent
