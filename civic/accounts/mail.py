"""Outgoing e-mail: SMTP when configured; otherwise written to the log and the console."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text e-mail, or log it when no SMTP server is configured (development)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    outbox = current_app.extensions.get("civic_outbox")
    if outbox is not None:
        outbox.append(message)
    if not config.get("MAIL_SERVER"):
        current_app.logger.warning("E-mail not sent (no CIVIC_MAIL_SERVER); it reads:\n%s", message)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
