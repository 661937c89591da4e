"""Issue 16: a sender killed with kill -9 mid-job – its mails are retried after the claim expires and
arrive exactly once; a second sender does not take them while the claim is fresh."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from beteiligung.services.mail import queue
from beteiligung.uow import unit_of_work
from models import OutboxMail
from models.mail import STATUS_SENT

ROOT = Path(__file__).resolve().parents[2]


class SilentSmtp:
    """Accepts connections and never greets: the sender hangs after claiming, like a job stuck mid-way."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def _sender(app, port, tmp_path, claim_seconds="600"):
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "BETEILIGUNG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "BETEILIGUNG_INSTANCE": str(tmp_path),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "SMTP_TIMEOUT": "60",
        "OUTBOX_CLAIM_SECONDS": claim_seconds,
        "BETEILIGUNG_ENV": "production",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "beteiligung", "betrieb", "job", "postausgang"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_sender_mails_go_out_once_after_the_claim_expires(app, db, smtp_server, tmp_path):
    with unit_of_work():
        for i in range(10):
            queue(f"p{i}@example.org", f"Mail {i}", "Text")
    silent = SilentSmtp()
    try:
        first = _sender(app, silent.port, tmp_path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.rollback()
            if (
                db.session.scalar(
                    select(func.count()).select_from(OutboxMail).where(OutboxMail.claim_token.is_not(None))
                )
                == 10
            ):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("der erste Sender hat nichts reserviert")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        silent.close()
    # a second sender while the claim is fresh: takes nothing
    second = _sender(app, smtp_server.port, tmp_path)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "0 versendet" in out and smtp_server.messages == []
    # after the claim expired: every mail once
    time.sleep(2.5)
    third = _sender(app, smtp_server.port, tmp_path, claim_seconds="2")
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert "10 versendet" in out
    again = _sender(app, smtp_server.port, tmp_path, claim_seconds="2")
    out, err = again.communicate(timeout=120)
    assert "0 versendet" in out
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(f"Mail {i}" for i in range(10))
    db.session.rollback()
    assert {m.status for m in db.session.scalars(select(OutboxMail))} == {STATUS_SENT}
