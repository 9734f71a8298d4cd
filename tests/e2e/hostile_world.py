"""Writes a corpus of XSS payloads into every field people control, in the served database of the browser tests.

Run as `python -m tests.e2e.hostile_world` with the live server's environment; prints a JSON manifest of what the
browser should visit. Rows are written directly (as if a form had accepted the text), so that what is tested is
how every page *shows* such text, whatever the forms would refuse.
"""

from __future__ import annotations

import json
import secrets

import sqlalchemy as sa

# Each payload tries a different way in; the ones that could run set window.__xss, and visible probes carry the
# class "xss-probe" so that any of them becoming real markup is seen even where the CSP would stop it running.
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1" class="xss-probe">',
    '<svg onload="window.__xss=1" class="xss-probe"><circle r=5></circle></svg>',
    '"><b class="xss-probe">quote break</b>',
    '\'><iframe src="javascript:window.__xss=1" class="xss-probe"></iframe>',
    "[a markdown link](javascript:window.__xss=1)",
    '<a href="jav&#x09;ascript:window.__xss=1" class="xss-probe">entity tab</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==" class="xss-probe">data</a>',
    '<math><mi xlink:href="javascript:window.__xss=1">m</mi></math>',
    '\u202e<b class="xss-probe">right-to-left override</b>\u200b',
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    '<style>body{display:none}</style><p class="xss-probe">style</p>',
    '<details open ontoggle="window.__xss=1" class="xss-probe">toggle</details>',
    "{{7*7}} ${7*7} <%= 7*7 %>",
]
PASSWORD = "plenary-demo"


def payload(index: int, limit: int = 120) -> str:
    return PAYLOADS[index % len(PAYLOADS)][:limit]


def everything(limit: int = 10_000) -> str:
    return "\n\n".join(PAYLOADS)[:limit]


def seed() -> dict:
    from app.accounts.service import create_user
    from app.audit.service import record
    from app.breakouts.models import RoomMember
    from app.breakouts.service import current_plan
    from app.cohorts.models import Cohort
    from app.demo.learning import RUNNING_LABEL
    from app.extensions import db
    from app.groups.models import Group, GroupMembership, MembershipRole
    from app.learning.models import Commitment, CommitmentStatus, ReadingProgress
    from app.notes import service as notes
    from app.registration.models import (
        EvidenceStatus,
        PreMeeting,
        PrerequisiteEvidence,
        Registration,
        RegistrationStatus,
        RosterEntry,
    )

    session = db.session
    cohort = session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    first = cohort.sessions[0]
    coordinator = create_user(session, email="mallory@attack.example", name=payload(1), password=PASSWORD)
    member = create_user(session, email="eve@attack.example", name=payload(2), password=PASSWORD)
    group = Group(
        name=payload(3, 160),
        organization=payload(4, 200),
        languages=payload(5, 120),
        join_code=secrets.token_urlsafe(24),
    )
    group.memberships = [
        GroupMembership(user=coordinator, role=MembershipRole.COORDINATOR),
        GroupMembership(user=member),
        GroupMembership(display_name=payload(6)),
    ]
    session.add(group)
    session.flush()
    registration = Registration(cohort=cohort, group=group, status=RegistrationStatus.CONFIRMED, seats=3)
    registration.roster = [RosterEntry(membership=m) for m in group.memberships]
    registration.evidence_history = [
        PrerequisiteEvidence(attestation=everything(), status=EvidenceStatus.DECLINED, reason=payload(7, 2000)),
        PrerequisiteEvidence(attestation=everything(), status=EvidenceStatus.PENDING),
    ]
    session.add(registration)
    cohort.seats_taken += 3
    session.add(PreMeeting(registration=registration, held_on=first.starts_at.date(), attendance=3, notes=everything()))
    room = current_plan(session, cohort).rooms[-1]  # not Jorge's room: other journeys use the demo too
    for position, membership in enumerate(group.memberships, start=100):
        room.members.append(RoomMember(membership=membership, position=position))
    session.flush()
    page = notes.open_note(session, member, cohort.id, first.id, room.id)
    notes.save_note(session, member, page.note, everything(), page.note.version)
    notes.set_shared(session, member, page.note, True)
    reading = first.course_session.readings[0]
    session.add(ReadingProgress(user_id=member.id, cohort_id=cohort.id, reading_id=reading.id, comment=payload(8)))
    session.add(
        Commitment(
            user_id=member.id,
            cohort_id=cohort.id,
            cohort_session_id=first.id,
            text=everything(2000),
            status=CommitmentStatus.DONE,
            reflection=payload(9),
        )
    )
    session.add(Commitment(user_id=member.id, cohort_id=cohort.id, cohort_session_id=first.id, text=payload(10, 2000)))
    record(session, coordinator, "group.member_removed", payload(11, 200), group=payload(12), member=payload(0))
    session.commit()
    return {
        "cohort": cohort.id,
        "session": first.id,
        "room": room.id,
        "group": group.id,
        "registration": registration.id,
        "reading": reading.slug,
        "coordinator": coordinator.email,
        "member": member.email,
    }


if __name__ == "__main__":
    from app import create_app

    app = create_app()
    with app.app_context():
        print(json.dumps(seed()))
