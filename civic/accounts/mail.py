"""Outgoing e-mail: SMTP when configured, sent in the background; otherwise logged (and kept in a folder).

Sending in the background keeps an SMTP server's delay out of the answer: asking for a password reset
for an address with an account takes as long as for one without.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import current_app

from civic.extensions import socketio


def _keep(folder: str, message: EmailMessage) -> None:
    """Write the message as a .eml file only its owner can read (it may hold a sign-in link)."""
    path = Path(folder)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = path / f"{message['Date'] or ''}{secrets.token_hex(6)}.eml".replace(" ", "_").replace(":", "")
    descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(bytes(message))


def _send(config: dict[str, Any], logger: logging.Logger, message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        logger.exception("E-mail %r could not be sent", message["Subject"])


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text e-mail (in the background), or log it when no SMTP server is configured."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    outbox = current_app.extensions.get("civic_outbox")
    if outbox is not None:
        outbox.append(message)
    if config.get("MAIL_OUTBOX"):
        _keep(config["MAIL_OUTBOX"], message)
    if not config.get("MAIL_SERVER"):
        if config.get("MAIL_LOG_BODIES"):
            current_app.logger.warning("E-mail not sent (no CIVIC_MAIL_SERVER); it reads:\n%s", message)
        else:
            current_app.logger.warning("E-mail %r not sent: no CIVIC_MAIL_SERVER is configured", subject)
        return
    socketio.start_background_task(_send, dict(config), current_app.logger, message)
