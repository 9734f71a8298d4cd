"""Several `flask outbox send --loop` workers at once deliver every message exactly once (on both databases)."""

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.service import queue_email
from tests.tools.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 120
WORKERS = 3


def test_concurrent_workers_never_send_a_message_twice(app, db_url):
    for n in range(MESSAGES):
        queue_email(
            db.session,
            locale="en",
            to=f"member{n}@example.org",
            subject=f"Message {n}",
            template="accounts/email/reset_password",
            user={"name": f"M{n}"},
            hours=1,
            link="http://x",
        )
    db.session.commit()

    with SmtpSink() as sink:
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "MAIL_SERVER": sink.host,
            "MAIL_PORT": str(sink.port),
            "SECRET_KEY": "worker-test-secret-key-0123456789abcdef",
            "LOG_LEVEL": "WARNING",
        }
        command = [
            str(Path(sys.executable).parent / "flask"),
            "--app",
            "wsgi",
            "outbox",
            "send",
            "--loop",
            "--interval",
            "0.2",
            "--limit",
            "5",
        ]
        workers = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(WORKERS)
        ]
        try:
            deadline = time.monotonic() + 90
            while len(sink.messages) < MESSAGES and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)  # give a duplicate, if any, the time to arrive
        finally:
            outputs = []
            for worker in workers:
                worker.terminate()
                outputs.append(worker.communicate(timeout=20)[0])

    received = Counter(m["Subject"] for m in sink.messages)
    assert len(received) == MESSAGES, outputs
    assert max(received.values()) == 1, [s for s, n in received.items() if n > 1]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None))) == 0
    senders = [o for o in outputs if "sent " in o]
    assert len(senders) >= 2, "the work was not shared between workers"
