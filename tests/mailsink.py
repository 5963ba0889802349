"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests to read."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, sink: MailSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 OK"


class MailSink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, timeout: float = 20.0) -> EmailMessage:
        """The first message to `address`, waiting for it to arrive (mail sent by another process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no mail to {address} within {timeout} s")


def body(message: EmailMessage) -> str:
    return message.get_content()


def subject(message: EmailMessage) -> str:
    # a non-ASCII subject arrives folded onto a second line; unfolded it reads as sent
    return " ".join(str(message["Subject"]).split())
