"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
from email import policy

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port


class _Handler:
    def __init__(self, store):
        self.store = store

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.store.append((envelope.rcpt_tos, msg))
        return "250 OK"


class SmtpServer:
    def __init__(self):
        self.received: list = []
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(_Handler(self.received), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def configure(self, app):
        app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=self.port,
            SMTP_SECURITY="none",
            SMTP_USER="",
            SMTP_PASSWORD="",
            SMTP_TIMEOUT=5,
        )

    @property
    def messages(self):
        return [m for _rcpt, m in self.received]
