"""A small demo world: an admin, a trainer, two coordinators with their groups, participants, one open cohort.

Idempotent: people are found by email, groups by name, the cohort by course and label.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.accounts.service import create_user, find_user_by_email
from app.cohorts.models import Cohort, CohortStatus
from app.cohorts.scheduling import SessionPlan, schedule_cohort
from app.courses.models import Course
from app.demo.learning import completed_core_cohort, running_cohort
from app.groups.invitations import INVITATION_LIFETIME
from app.groups.models import Group, GroupInvitation, GroupMembership, MembershipRole
from app.lib.time import now_utc
from app.registration.models import Registration
from app.registration.service import register_group

# The demo cohort that is under way: rooms, notes, commitments and attendance live here.
DEMO_PASSWORD = "plenary-demo"  # noqa: S105 - printed for people trying the demo

PEOPLE = [
    # email, name, zone, role label
    ("admin@plenary.example", "Rosa Admin", "Europe/Madrid", "administrator"),
    ("trainer@plenary.example", "Amara Okafor", "Africa/Lagos", "trainer"),
    ("kwame@plenary.example", "Kwame Asante", "Africa/Nairobi", "trainer of the pilot only"),
    ("lucia@plenary.example", "Lucía Fernández", "America/Mexico_City", "coordinator (group of 11)"),
    ("priya@plenary.example", "Priya Raman", "Asia/Kolkata", "coordinator (group of 5)"),
]
TRANSIT_MEMBERS = [
    ("Jorge Medina", "America/Mexico_City"),
    ("Ana Beltrán", "America/Mexico_City"),
    ("Tomás Ruiz", "America/Mexico_City"),
    ("Carmen Ochoa", "America/Mexico_City"),
    ("Diego Salas", "America/Mexico_City"),
    ("Marisol Vega", "America/Mexico_City"),
    ("Luis Carrillo", "America/Mexico_City"),
    ("Rebeca Núñez", "America/Mexico_City"),
]
TRANSIT_ROSTER_ONLY = ["Don Efraín (no email)", "Graciela Pérez (no email)"]
DOMESTIC_MEMBERS = [
    ("Lakshmi Iyer", "Asia/Kolkata"),
    ("Selvi Murugan", "Asia/Kolkata"),
    ("Fatima Sheikh", "Asia/Kolkata"),
    ("Meena Pillai", "Asia/Kolkata"),
]
DOMESTIC_INVITED = ("Kavya Nair", "Asia/Kolkata")
# A group that uses Plenary in Brazilian Portuguese, and has not registered for a cohort yet.
RECYCLERS = ("joana@plenary.example", "Joana Ferreira", "America/Sao_Paulo")
RECYCLERS_MEMBERS = [
    ("Maria das Graças Souza", "America/Sao_Paulo"),
    ("Antônia Pereira", "America/Sao_Paulo"),
    ("Cleide Santos", "America/Sao_Paulo"),
]
DOMESTIC_ATTESTATION = (
    "Our forum has organized domestic workers in Chennai since 2019: we hold monthly one-on-one visits, "
    "run a committee of twelve elected members, and won written contracts for **40 workers** in 2024."
)


@dataclass
class DemoReport:
    lines: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def email_for(name: str) -> str:
    """The demo address of a demo person: "Ana Beltrán" -> ana.beltran@members.example."""
    ascii_name = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return ".".join(part for part in ascii_name.split() if part.isalpha()) + "@members.example"


def _person(session: so.Session, report: DemoReport, email: str, name: str, zone: str, admin: bool = False) -> User:
    user = find_user_by_email(session, email)
    if user is None:
        user = create_user(session, email=email, name=name, password=DEMO_PASSWORD, timezone=zone, is_admin=admin)
        report.lines.append(f"created user {email}")
    return user


def _group(
    session: so.Session,
    report: DemoReport,
    name: str,
    organization: str,
    country: str,
    languages: str,
    coordinator: User,
    members: list[User],
    roster_only: list[str] = (),
    invited: list[User] = (),
) -> Group:
    group = session.scalar(sa.select(Group).where(Group.name == name))
    if group is not None:
        return group
    group = Group(
        name=name,
        organization=organization,
        country=country,
        languages=languages,
        join_code=secrets.token_urlsafe(24),
    )
    group.memberships.append(GroupMembership(user=coordinator, role=MembershipRole.COORDINATOR))
    group.memberships.extend(GroupMembership(user=m) for m in members)
    group.memberships.extend(GroupMembership(display_name=n) for n in roster_only)
    group.invitations.extend(
        GroupInvitation(
            email=m.email,
            token_hash=secrets.token_hex(32),
            invited_by=coordinator,
            expires_at=now_utc() + INVITATION_LIFETIME,
        )
        for m in invited
    )
    session.add(group)
    session.flush()
    report.lines.append(f"created group {name!r} ({len(group.active_members)} active members)")
    return group


def _next_saturday(after: date) -> date:
    return after + timedelta(days=(5 - after.weekday()) % 7 or 7)


def _open_cohort(session: so.Session, report: DemoReport, trainer: User) -> Cohort | None:
    course = session.scalar(sa.select(Course).where(Course.slug == "power-and-participation"))
    if course is None:
        report.lines.append("skipped the demo cohort: run 'flask courses sync' first")
        return None
    upcoming = session.scalar(
        sa.select(Cohort).where(
            Cohort.course_id == course.id,
            Cohort.status == CohortStatus.OPEN,
            Cohort.registration_deadline_at > now_utc(),
        )
    )
    if upcoming is not None:
        return upcoming
    first = _next_saturday(now_utc().date() + timedelta(weeks=5))
    days = [first + timedelta(weeks=i) for i in range(len(course.sessions) or 3)]
    plans = [
        SessionPlan(datetime.combine(d, time(15, 0)), s.plenary_minutes, s.breakout_minutes)
        for d, s in zip(days, course.sessions, strict=False)
    ]
    label = f"{first:%B %Y} · Saturdays"
    cohort = schedule_cohort(
        session,
        course=course,
        label=label,
        host_timezone="Europe/London",
        sessions=plans,
        deadline_local=datetime.combine(first - timedelta(days=14), time(23, 59)),
        capacity=60,
        opens_local=datetime.combine(now_utc().date() - timedelta(days=7), time(9, 0)),
        status=CohortStatus.OPEN,
        trainers=[trainer],
        video_url="https://meet.example.org/plenary-demo",
    )
    report.lines.append(f"created open cohort {label!r} of {course.title}")
    return cohort


def _core_cohort(session: so.Session, report: DemoReport, trainer: User) -> None:
    """An open cohort of the core course on Wednesday evenings in Bogotá: small groups of 3 can join."""
    course = session.scalar(sa.select(Course).where(Course.slug == "organizing-fundamentals"))
    if course is None or session.scalar(
        sa.select(Cohort).where(
            Cohort.course_id == course.id,
            Cohort.status == CohortStatus.OPEN,
            Cohort.registration_deadline_at > now_utc(),
        )
    ):
        return
    first = now_utc().date() + timedelta(weeks=6)
    first += timedelta(days=(2 - first.weekday()) % 7)  # a Wednesday
    plans = [
        SessionPlan(datetime.combine(first + timedelta(weeks=i), time(18, 30)), s.plenary_minutes, s.breakout_minutes)
        for i, s in enumerate(course.sessions)
    ]
    label = f"{first:%B %Y} · Wednesday evenings"
    schedule_cohort(
        session,
        course=course,
        label=label,
        host_timezone="America/Bogota",
        sessions=plans,
        deadline_local=datetime.combine(first - timedelta(days=7), time(23, 59)),
        capacity=90,
        status=CohortStatus.OPEN,
        trainers=[trainer],
        video_url="https://meet.example.org/fundamentals",
    )
    report.lines.append(f"created open cohort {label!r} of {course.title}")


PILOT_GROUPS = [
    # group, organization, country, coordinator email, coordinator name, zone
    (
        "Market vendors' circle",
        "Nairobi Street Vendors Alliance",
        "KE",
        "wanjiru@plenary.example",
        "Wanjiru Kamau",
        "Africa/Nairobi",
    ),
    (
        "Boda riders' circle",
        "Kampala Riders Association",
        "UG",
        "okello@plenary.example",
        "Okello Mugisha",
        "Africa/Kampala",
    ),
    (
        "Waste pickers' circle",
        "Dar es Salaam Recyclers",
        "TZ",
        "neema@plenary.example",
        "Neema Mushi",
        "Africa/Dar_es_Salaam",
    ),
]


def _full_pilot_cohort(
    session: so.Session, report: DemoReport, trainer: User, pilot_trainer: User | None = None
) -> None:
    """A small, full pilot cohort: two groups confirmed, the third on the waitlist."""
    course = session.scalar(sa.select(Course).where(Course.slug == "organizing-fundamentals"))
    label = "East Africa pilot · Saturday mornings"
    if course is None or session.scalar(sa.select(Cohort).where(Cohort.label == label)):
        return
    first = now_utc().date() + timedelta(weeks=8)
    first += timedelta(days=(5 - first.weekday()) % 7)  # a Saturday
    plans = [
        SessionPlan(datetime.combine(first + timedelta(weeks=i), time(9, 0)), s.plenary_minutes, s.breakout_minutes)
        for i, s in enumerate(course.sessions)
    ]
    cohort = schedule_cohort(
        session,
        course=course,
        label=label,
        host_timezone="Africa/Nairobi",
        sessions=plans,
        deadline_local=datetime.combine(first - timedelta(days=7), time(23, 59)),
        capacity=6,
        status=CohortStatus.OPEN,
        trainers=[pilot_trainer or trainer],
    )
    report.lines.append(f"created open cohort {label!r} of {course.title} (6 seats)")
    for name, organization, country, email, person, zone in PILOT_GROUPS:
        coordinator = _person(session, report, email, person, zone)
        group = _group(
            session,
            report,
            name,
            organization,
            country,
            "sw, en",
            coordinator,
            [],
            [f"Member {n} of {name}" for n in (1, 2)],
        )
        registration = register_group(session, coordinator, group, cohort, [m.id for m in group.active_members])
        report.lines.append(f"registered {group.name!r}: {registration.status}")


def _pending_registration(session: so.Session, report: DemoReport, cohort: Cohort, domestic: Group) -> None:
    """The group of 5 waits on its size and on a trainer's review of its experience."""
    if session.scalar(sa.select(Registration).where(Registration.cohort_id == cohort.id)) is not None:
        return
    registration = register_group(
        session,
        domestic.coordinators[0].user,
        domestic,
        cohort,
        [m.id for m in domestic.active_members],
        attestation=DOMESTIC_ATTESTATION,
    )
    report.lines.append(f"registered {domestic.name!r}: {registration.status}")


def load_demo(session: so.Session) -> DemoReport:
    """Create (or leave as it is) the demo world, and say what was created."""
    report = DemoReport()
    people = {
        role: _person(session, report, email, name, zone, admin=(role == "administrator"))
        for email, name, zone, role in PEOPLE
    }
    report.logins = [(role, email) for email, _name, _zone, role in PEOPLE]
    transit = [_person(session, report, email_for(n), n, z) for n, z in TRANSIT_MEMBERS]
    domestic = [_person(session, report, email_for(n), n, z) for n, z in DOMESTIC_MEMBERS]
    invited = _person(session, report, email_for(DOMESTIC_INVITED[0]), *DOMESTIC_INVITED)
    report.logins.append(("participant", transit[0].email))
    transit_group = _group(
        session,
        report,
        "Transit Workers Local 12 study circle",
        "Sindicato de Trabajadores del Transporte",
        "MX",
        "es, en",
        people["coordinator (group of 11)"],
        transit,
        TRANSIT_ROSTER_ONLY,
    )
    domestic_group = _group(
        session,
        report,
        "Chennai domestic workers' forum",
        "Domestic Workers Forum",
        "IN",
        "ta, en",
        people["coordinator (group of 5)"],
        domestic,
        invited=[invited],
    )
    recyclers = [
        _person(session, report, *RECYCLERS),
        *(_person(session, report, email_for(n), n, z) for n, z in RECYCLERS_MEMBERS),
    ]
    for person in recyclers:
        person.locale = "pt_BR"
    _group(
        session,
        report,
        "Coletivo de catadoras do Barreiro",
        "Rede de Catadoras de Minas",
        "BR",
        "pt",
        recyclers[0],
        recyclers[1:],
    )
    report.logins.append(("coordinator, in Portuguese", RECYCLERS[0]))
    report.logins.append(("coordinator, in Spanish", email_for("Maribel Ortega")))
    for course in session.scalars(sa.select(Course)):
        if people["trainer"] not in course.trainers:
            course.trainers.append(people["trainer"])
    trainer = people["trainer"]

    def make_person(name: str, zone: str) -> User:
        return _person(session, report, email_for(name), name, zone)

    def make_group(name, organization, country, languages, coordinator, members) -> Group:
        return _group(session, report, name, organization, country, languages, coordinator, members)

    completed_core_cohort(session, report, trainer, transit_group)
    running_cohort(session, report, trainer, transit_group, make_person, make_group)
    _core_cohort(session, report, trainer)
    _full_pilot_cohort(session, report, trainer, people["trainer of the pilot only"])
    cohort = _open_cohort(session, report, trainer)
    if cohort is not None:
        _pending_registration(session, report, cohort, domestic_group)
    session.flush()
    if not report.lines:
        report.lines.append("The demo data is already loaded: nothing to do.")
    return report
