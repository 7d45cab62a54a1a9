"""Outgoing mail: SMTP (smtplib) when ``smtp_host`` is set, else the log.

The log fallback exists for the embedded single-user mode, where there is no mail
server and the operator reads the reset link from the server's output.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from glucolens.core.config import Settings, get_settings

log = logging.getLogger("glucolens.mail")

SMTP_TIMEOUT_S = 15


def build_message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def deliver_mail(to: str, subject: str, body: str, settings: Settings | None = None) -> None:
    """Deliver one plain-text mail, raising ``OSError`` or ``smtplib.SMTPException`` on
    failure, for callers that record and retry (alert deliveries). Their messages can name
    the recipient: callers log the exception's type or SMTP code, never its text."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        raise RuntimeError("deliver_mail needs smtp_host")
    msg = build_message(settings, to, subject, body)
    timeout = min(SMTP_TIMEOUT_S, settings.alert_delivery_timeout_s + 5)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)


def send_mail(to: str, subject: str, body: str, settings: Settings | None = None) -> None:
    """Deliver one plain-text mail; failures are logged, never raised to the caller."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        raise RuntimeError("send_mail needs smtp_host; use send_password_reset for the fallback")
    try:
        deliver_mail(to, subject, body, settings)
    except (OSError, smtplib.SMTPException) as exc:
        # No recipient address or body in the log: both are personal data.
        log.error("mail delivery failed", extra={"fields": {"error": type(exc).__name__}})


def reset_link(token: str, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    return f"{settings.resolved_public_url}/reset-password?token={token}"


def send_password_reset(to: str, token: str, settings: Settings | None = None) -> None:
    """Mail the reset link; without SMTP, write the link (never a password) to the log."""
    settings = settings or get_settings()
    link = reset_link(token, settings)
    if not settings.smtp_host:
        log.warning(
            "SMTP is not configured; password reset link follows (embedded mode)",
            extra={"fields": {"reset_link": link}},
        )
        return
    ttl = settings.password_reset_ttl_min
    body = (
        "Someone (hopefully you) asked to reset the password of your GlucoLens account.\n\n"
        f"Open this link within {ttl} minutes to choose a new password:\n\n{link}\n\n"
        "The link works once. If you did not ask for it, ignore this mail: your password "
        "stays as it is.\n"
    )
    send_mail(to, "Reset your GlucoLens password", body, settings)
