"""Registration confirmations under contention, over real HTTP: zero overselling, and how many per second.

`prepare(app, manifest, attempts)` adds an open cohort whose capacity admits about a third of `attempts` groups,
and `attempts` groups, each with its own coordinator, and signs every coordinator in (in-process, with the app's own
session functions: hundreds of sign-ins over HTTP would take longer than the burst itself). `run(server_url,
contest)` releases all their registrations at once over HTTP (one thread each, behind a barrier) and times the
burst. `verify(app,
contest, ...)` counts what the database holds: confirmed, waitlisted, seats taken against the capacity and against
the confirmed rosters.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, g
from flask import session as flask_session
from flask_wtf.csrf import generate_csrf

from app.accounts.models import User
from app.accounts.sessions import start_session
from app.cohorts.models import Cohort, CohortSession, CohortStatus, cohort_trainers
from app.courses.models import Course
from app.extensions import db
from app.groups.models import Group, GroupMembership, MembershipRole, MembershipStatus
from app.registration.models import Registration, RegistrationStatus, RosterEntry
from bench.dataset import FIRST_NAMES, LAST_NAMES, MAIN_COURSE, Manifest, _Writer
from bench.load import Browser

GROUP_SIZE = 4  # a coordinator and three people taking part without an account


@dataclass
class Coordinator:
    email: str
    group_id: int
    membership_ids: list[int]
    cookie: str = ""  # a signed-in session, with the CSRF token below
    csrf_token: str = ""


@dataclass
class Contest:
    cohort_id: int
    capacity: int
    coordinators: list[Coordinator]


def prepare(app: Flask, manifest: Manifest, attempts: int, *, seed: int = 11) -> Contest:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    capacity = (attempts // 3) * GROUP_SIZE + GROUP_SIZE // 2  # about a third of the groups fit
    with app.app_context():
        session = db.session
        out = _Writer(session)
        course = session.scalar(sa.select(Course).where(Course.slug == MAIN_COURSE))
        first = now + timedelta(days=45)
        cohort_id = out.ids(Cohort.__table__, 1)[0]
        out.insert(
            Cohort.__table__,
            [
                {
                    "id": cohort_id,
                    "course_id": course.id,
                    "label": "Contended cohort (benchmark)",
                    "host_timezone": "America/Bogota",
                    "status": CohortStatus.OPEN,
                    "registration_opens_at": now - timedelta(days=1),
                    "registration_deadline_at": first - timedelta(days=7),
                    "capacity": capacity,
                    "min_group_size": course.min_group_size,
                    "video_url": None,
                    "seats_taken": 0,
                    "created_at": now,
                }
            ],
        )
        session_ids = out.ids(CohortSession.__table__, len(course.sessions))
        out.insert(
            CohortSession.__table__,
            [
                {
                    "id": sid,
                    "cohort_id": cohort_id,
                    "course_session_id": cs.id,
                    "title": cs.title,
                    "starts_at": first + timedelta(weeks=n),
                    "plenary_minutes": cs.plenary_minutes,
                    "breakout_minutes": cs.breakout_minutes,
                    "sequence": 0,
                }
                for n, (sid, cs) in enumerate(zip(session_ids, course.sessions, strict=True))
            ],
        )
        out.insert(cohort_trainers, [{"cohort_id": cohort_id, "user_id": manifest.trainer_id}])
        user_ids = out.ids(User.__table__, attempts)
        group_ids = out.ids(Group.__table__, attempts)
        membership_ids = iter(out.ids(GroupMembership.__table__, attempts * GROUP_SIZE))
        password_hash = session.scalar(sa.select(User.password_hash).where(User.id == manifest.trainer_id))
        users, groups, memberships, coordinators = [], [], [], []
        for n, (user_id, group_id) in enumerate(zip(user_ids, group_ids, strict=True)):
            email = f"coordinator.{n}.{secrets.token_hex(3)}@contest.example.org"
            users.append(
                {
                    "id": user_id,
                    "email": email,
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "password_hash": password_hash,
                    "timezone": "America/Bogota",
                    "locale": "es",
                    "is_admin": False,
                    "session_version": 1,
                    "created_at": now,
                    "recovery_code_hashes": [],
                }
            )
            groups.append(
                {
                    "id": group_id,
                    "name": f"Comité {n + 1}",
                    "organization": f"Sindicato de Trabajadores de Plataformas, seccional {n + 1}",
                    "country": "CO",
                    "languages": "es",
                    "created_at": now,
                    "join_code": secrets.token_urlsafe(24),
                }
            )
            mine = []
            for index in range(GROUP_SIZE):
                membership_id = next(membership_ids)
                mine.append(membership_id)
                memberships.append(
                    {
                        "id": membership_id,
                        "group_id": group_id,
                        "user_id": user_id if index == 0 else None,
                        "display_name": None if index == 0 else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        "role": MembershipRole.COORDINATOR if index == 0 else MembershipRole.MEMBER,
                        "status": MembershipStatus.ACTIVE,
                        "joined_at": now,
                    }
                )
            coordinators.append(Coordinator(email, group_id, mine))
        out.insert(User.__table__, users)
        out.insert(Group.__table__, groups)
        out.insert(GroupMembership.__table__, memberships)
        out.fix_sequences()
        session.commit()
        sign_in(app, coordinators, user_ids)
        session.remove()
    return Contest(cohort_id, capacity, coordinators)


class SignsIn(Protocol):
    cookie: str
    csrf_token: str


def sign_in(app: Flask, people: Sequence[SignsIn], user_ids: Sequence[int]) -> None:
    """A server-side session and a CSRF token for each person (a coordinator here, a participant in bench/surge.py),
    as a sign-in over HTTP would leave them: sets their `cookie` (the whole Cookie header) and `csrf_token`."""
    serializer = app.session_interface.get_signing_serializer(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    for person, user_id in zip(people, user_ids, strict=True):
        with app.test_request_context("/login", method="POST"):
            g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF caches the token in `g`
            start_session(db.session, db.session.get(User, user_id))
            person.csrf_token = generate_csrf()
            person.cookie = f"{cookie_name}={serializer.dumps(dict(flask_session))}"
    db.session.commit()


def run(server_url: str, contest: Contest) -> dict:
    """Send every coordinator's registration at once; the burst's figures."""
    ready = []
    for coordinator in contest.coordinators:
        browser = Browser(server_url)
        browser.opener.addheaders = [("Cookie", coordinator.cookie)]
        path = f"/registrations/new/{contest.cohort_id}?group={coordinator.group_id}"
        ready.append((browser, path, {"csrf_token": coordinator.csrf_token, "members": coordinator.membership_ids}))

    barrier = threading.Barrier(len(ready) + 1)
    statuses: list[int | None] = [None] * len(ready)
    finished: list[float] = [0.0] * len(ready)

    def register(index: int) -> None:
        browser, path, data = ready[index]
        barrier.wait()
        statuses[index] = browser.request(path, data).status
        finished[index] = time.monotonic()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(len(ready))]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.monotonic()
    for thread in threads:
        thread.join(timeout=300)
    seconds = max(finished) - start
    return {
        "attempts": len(ready),
        "burst_seconds": round(seconds, 3),
        "attempts_per_s": round(len(ready) / seconds, 1),
        "answered_302": sum(1 for s in statuses if s == 302),
        "other_answers": sorted({s for s in statuses if s != 302}, key=str),
    }


def verify(app: Flask, contest: Contest, figures: dict) -> dict:
    """What the database holds after the burst; `oversold` is False only if every check passes."""
    with app.app_context():
        session = db.session
        by_status = dict(
            session.execute(
                sa.select(Registration.status, sa.func.count())
                .where(Registration.cohort_id == contest.cohort_id)
                .group_by(Registration.status)
            ).all()
        )
        seats_taken = session.scalar(sa.select(Cohort.seats_taken).where(Cohort.id == contest.cohort_id))
        confirmed_seats = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0)).where(
                Registration.cohort_id == contest.cohort_id, Registration.status == RegistrationStatus.CONFIRMED
            )
        )
        confirmed_rostered = session.scalar(
            sa.select(sa.func.count(RosterEntry.id))
            .join(Registration, RosterEntry.registration_id == Registration.id)
            .where(Registration.cohort_id == contest.cohort_id, Registration.status == RegistrationStatus.CONFIRMED)
        )
        session.remove()
    confirmed = by_status.get(RegistrationStatus.CONFIRMED, 0)
    waitlisted = by_status.get(RegistrationStatus.WAITLISTED, 0)
    fits = contest.capacity // GROUP_SIZE
    consistent = seats_taken <= contest.capacity and seats_taken == confirmed_seats == confirmed_rostered
    return {
        **figures,
        "capacity": contest.capacity,
        "group_size": GROUP_SIZE,
        "groups_that_fit": fits,
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "other_registrations": sum(by_status.values()) - confirmed - waitlisted,
        "seats_taken": seats_taken,
        "confirmed_seats": confirmed_seats,
        "confirmed_rostered": confirmed_rostered,
        "confirmations_per_s": round(confirmed / figures["burst_seconds"], 1) if figures["burst_seconds"] else 0.0,
        "oversold": not consistent,
        "all_fitting_groups_confirmed": confirmed == fits,
    }
