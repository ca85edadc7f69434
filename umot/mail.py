"""Sending e-mail over SMTP for the report and the spike alerts: one message, plain text and
HTML, to ``[notify] to``. The server URL (and its password) comes only from the environment
variable that ``[notify] smtp_url_env`` names; no error text carries the password."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from core.config import NotifyConfig


@dataclass(frozen=True, slots=True)
class SmtpServer:
    secure: bool  # smtps: TLS from the first byte
    host: str
    port: int
    user: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        secure = parts.scheme.lower() == "smtps"
        return cls(
            secure=secure,
            host=parts.hostname or "",
            port=parts.port or (465 if secure else 25),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )


class DeliveryError(Exception):
    """The SMTP server could not be reached or refused the message (no secret in the text)."""


def build_message(notify: NotifyConfig, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = notify.sender or ""
    message["To"] = ", ".join(notify.to)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=(notify.sender or "umot").rpartition("@")[2])
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def connect(server: SmtpServer, *, timeout: float) -> smtplib.SMTP:
    """An open connection to ``server``: TLS from the start for ``smtps://``, plain otherwise."""
    if server.secure:
        return smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout, context=ssl.create_default_context()
        )
    return smtplib.SMTP(server.host, server.port, timeout=timeout)


def send_message(
    message: EmailMessage, notify: NotifyConfig, *, what: str = "message", timeout: float = 30.0
) -> list[str]:
    """Send ``message`` to ``notify.to``; return the recipients the server accepted. A
    ConfigError when the server's variable is missing, a DeliveryError when sending failed."""
    server = SmtpServer.from_url(notify.smtp_url())
    where = f"{server.host}:{server.port}"
    try:
        with connect(server, timeout=timeout) as client:
            client.ehlo()
            if not server.secure and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if server.user is not None:
                client.login(server.user, server.password or "")
            refused = client.send_message(message, from_addr=notify.sender, to_addrs=notify.to)
    except smtplib.SMTPAuthenticationError as exc:  # before SMTPException, its base
        code = exc.smtp_code
        raise DeliveryError(f"the SMTP server {where} refused the login ({code})") from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"the SMTP server {where} refused the {what}: {exc}") from None
    except OSError as exc:
        reason = exc.strerror or exc
        raise DeliveryError(f"cannot reach the SMTP server {where}: {reason}") from None
    return [r for r in notify.to if r not in refused]
