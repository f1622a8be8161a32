"""Send outbound mail through an SMTP relay, telling "try again later" from "give up".

The job that sends a reply needs one decision from a failure: retry (`TransientDeliveryError`:
the relay is down, timed out, or answered 4xx) or mark the reply undeliverable and tell the agent
(`PermanentDeliveryError`: 5xx, recipients refused, authentication rejected). Both carry the SMTP
`code` (0 when there was no SMTP answer) and a `detail` text fit for logs; neither ever contains
the password, which is also kept out of `repr`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Literal

logger = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]


class DeliveryError(Exception):
    """Sending failed; `code` is the SMTP reply code (0 without one), `detail` the reason."""

    def __init__(
        self,
        code: int,
        detail: str,
        *,
        refused: Mapping[str, tuple[int, str]] | None = None,
        accepted: Sequence[str] = (),
    ) -> None:
        super().__init__(f"{code} {detail}" if code else detail)
        self.code = code
        self.detail = detail
        self.refused: dict[str, tuple[int, str]] = dict(refused or {})
        self.accepted: tuple[str, ...] = tuple(accepted)
        """Recipients that did get the message (partial refusal): do not resend to them."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later: connection problems, timeouts, 4xx answers."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help: 5xx answers, refused recipients, rejected credentials."""


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def _classify(code: int, detail: str) -> DeliveryError:
    error_type = TransientDeliveryError if 400 <= code < 500 else PermanentDeliveryError
    return error_type(code, detail)


class SmtpTransport:
    """Delivers `EmailMessage`s to one SMTP relay; a new connection per message.

    `security` is `"none"` (plain SMTP, for a local relay), `"starttls"` (upgrade, then
    authenticate; usually port 587) or `"ssl"` (implicit TLS; usually port 465). Certificates are
    verified against the system trust store.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Security = "none",
        timeout: float = 30.0,
        local_hostname: str | None = None,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"unknown SMTP security mode {security!r}")
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.security: Security = security
        self.timeout = timeout
        self.local_hostname = local_hostname

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        return f"SmtpTransport({self.host!r}, {self.port}, security={self.security!r}{user})"

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        connection = smtplib.SMTP(
            self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
        )
        if self.security == "starttls":
            connection.ehlo()
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        return connection

    def send(
        self,
        message: EmailMessage,
        *,
        envelope_from: str | None = None,
        recipients: Sequence[str] | None = None,
    ) -> None:
        """Deliver `message`; the envelope defaults to its From/Sender and To/Cc/Bcc headers.

        Raises `TransientDeliveryError` or `PermanentDeliveryError`. When some recipients are
        refused and others accepted, raises `PermanentDeliveryError` with `accepted` filled in,
        so the caller records the partial delivery instead of sending again to everyone.
        """
        try:
            with self._connect() as connection:
                if self.username is not None:
                    connection.login(self.username, self._password or "")
                refused = connection.send_message(
                    message,
                    from_addr=envelope_from,
                    to_addrs=list(recipients) if recipients is not None else None,
                )
        except smtplib.SMTPRecipientsRefused as error:
            raise self._refused(dict(error.recipients), accepted=()) from error
        except smtplib.SMTPResponseException as error:
            raise _classify(error.smtp_code, _text(error.smtp_error)) from error
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentDeliveryError(0, f"the relay does not support this: {error}") from error
        except smtplib.SMTPServerDisconnected as error:
            raise TransientDeliveryError(0, f"the relay disconnected: {error}") from error
        except smtplib.SMTPException as error:
            raise PermanentDeliveryError(0, f"SMTP error: {error}") from error
        except (TimeoutError, OSError) as error:  # refused, unreachable, TLS handshake, DNS
            raise TransientDeliveryError(
                0, f"cannot reach {self.host}:{self.port}: {error}"
            ) from error
        if refused:
            all_recipients = recipients if recipients is not None else _header_recipients(message)
            accepted = [address for address in all_recipients if address not in refused]
            raise self._refused(refused, accepted=accepted)
        logger.info("sent %s via %s:%s", message.get("Message-ID"), self.host, self.port)

    @staticmethod
    def _refused(
        refused: Mapping[str, tuple[int, bytes | str]], *, accepted: Sequence[str]
    ) -> DeliveryError:
        details = {address: (code, _text(reply)) for address, (code, reply) in refused.items()}
        summary = "; ".join(
            f"{address}: {code} {reply}" for address, (code, reply) in details.items()
        )
        codes = [code for code, _ in details.values()]
        all_temporary = bool(codes) and all(400 <= code < 500 for code in codes) and not accepted
        error_type = TransientDeliveryError if all_temporary else PermanentDeliveryError
        return error_type(
            max(codes, default=550),
            f"recipients refused: {summary}",
            refused=details,
            accepted=accepted,
        )


def _header_recipients(message: EmailMessage) -> list[str]:
    values = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return [address for _, address in getaddresses(values) if address]
