"""A large, believable data set for the benchmarks, written with SQLAlchemy Core bulk inserts.

`generate(session, scale)` fills an already migrated and course-synced database and returns a `Manifest`: the
accounts to sign in with and the ids of the cohorts, sessions, rooms and readings the benchmarks visit.

The shape, at scale "full" (the "quick" and "tiny" scales keep it, smaller):

- 5,000 users in 400 groups (names, organizations, countries, languages and time zones drawn from small lists),
  one administrator and one trainer who trains every cohort;
- 30 cohorts of the synced courses in every status, with sessions, registrations (mostly confirmed) and rosters;
  seats_taken is always the sum of the confirmed registrations' seats;
- three running cohorts whose third session is in progress: "big" (2,000 participants in 200 rooms), "medium"
  (500) and "small" (20), each with a standing breakout plan, notes for every room in all three sessions (20
  revisions each), reading progress, commitments and attendance for the sessions held.

Ids are assigned here (from the tables' current maximum), so rows reference each other without a round trip;
on PostgreSQL the sequences are moved past them at the end.
"""

from __future__ import annotations

import random
import secrets
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.security import generate_password_hash

from app.accounts.models import User
from app.attendance.models import Attendance, AttendanceSource
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.cohorts.models import Cohort, CohortSession, CohortStatus, cohort_trainers
from app.courses.models import Course, CourseSession, course_trainers
from app.groups.models import Group, GroupMembership, MembershipRole, MembershipStatus
from app.learning.models import Commitment, CommitmentStatus, ReadingProgress
from app.notes.models import BreakoutNote, NoteRevision
from app.registration.models import Completion, Registration, RegistrationStatus, RosterEntry

PASSWORD = "bench-password-123"  # noqa: S105 - every generated account shares it
PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # cheap to check: the benchmarks measure pages, not password hashing
BATCH = 2000
MAIN_COURSE = "organizing-fundamentals"


@dataclass(frozen=True)
class Scale:
    users: int
    groups: int
    cohorts: int  # in all, the three running cohorts below included
    big: int  # participants of the big running cohort
    medium: int
    small: int
    room_size: int = 10
    revisions: int = 20  # per note; every room has a note in every session
    group_size: float = 12.5  # average size of a group


SCALES = {
    "full": Scale(users=5000, groups=400, cohorts=30, big=2000, medium=500, small=20),
    "quick": Scale(users=500, groups=40, cohorts=10, big=200, medium=100, small=20),
    "tiny": Scale(users=90, groups=9, cohorts=5, big=30, medium=20, small=10, revisions=3, group_size=10),
}


@dataclass
class CohortInfo:
    """One of the three running cohorts, and a participant of it to sign in as."""

    id: int
    participants: int
    rooms: int
    session_ids: list[int]
    current_session_id: int
    reading_slug: str
    participant_email: str
    participant_user_id: int
    participant_room_id: int
    participant_group_id: int = 0  # 0 in manifests written before it was recorded


@dataclass
class Manifest:
    scale: str
    password: str
    admin_email: str
    admin_id: int
    trainer_email: str
    trainer_id: int
    cohorts: dict[str, CohortInfo]  # "big", "medium", "small"
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        return cls(**{**data, "cohorts": {k: CohortInfo(**v) for k, v in data["cohorts"].items()}})


# Small lists the people and groups are drawn from (the combinations are the project's own).
FIRST_NAMES = (  # noqa: SIM905 - names read best as a line of words
    "Amina Ana Andrés Aroha Ayesha Bongani Camila Carlos Chen Chiara Daniela Dario Deepa Diego Emeka Esther Fatima "
    "Felipe Fiona Grace Hana Hamza Ifeoma Inés Isabel Jamal James Jia Joana João Jonas Juan Kavita Kofi Laila Lars "
    "Leila Lucía Luis Maite Malik Marek Maria Mariana Mateo Mei Miguel Naledi Nia Noura Olga Omar Pablo Patrice Priya "
    "Rafael Rania Ravi Rosa Ruth Samir Sandra Sara Sibusiso Sofia Tamar Tariq Thandiwe Tomás Valentina Wanjiru Yusuf "
    "Zanele Zeynep"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Abebe Acheampong Adeyemi Alvarez Anderson Banda Barbosa Bauer Campbell Castillo Chowdhury Costa Silva Dlamini "
    "Dubois Fernández Gómez González Gupta Haddad Hernández Ibrahim Ito Jensen Kamau Kaya Khan Kim Kowalski Lopez "
    "Mahlangu Martin Mendoza Moreau Morales Mwangi Nakamura Ndlovu Nguyen Novak Nowak Okafor Oliveira Ortiz Otieno "
    "Park Pereira Petrov Quispe Ramírez Reyes Rossi Santos Schmidt Singh Smith Souza Tan Torres Tshabalala Vargas "
    "Wang Yılmaz Zhang"
).split()
# (time zone, country, languages, places): a region's people and the towns their organizations are in.
REGIONS = (
    ("America/Mexico_City", "MX", "es", ("Monterrey", "Puebla", "Oaxaca", "Tijuana")),
    ("America/Bogota", "CO", "es", ("Medellín", "Cali", "Bogotá")),
    ("America/Lima", "PE", "es", ("Lima", "Arequipa", "Cusco")),
    ("America/Sao_Paulo", "BR", "pt", ("São Paulo", "Recife", "Porto Alegre", "Belém")),
    ("America/New_York", "US", "en, es", ("Philadelphia", "Newark", "Atlanta", "Detroit")),
    ("America/Los_Angeles", "US", "en, es", ("Oakland", "Fresno", "Seattle")),
    ("America/Toronto", "CA", "en, fr", ("Toronto", "Hamilton", "Montréal")),
    ("Europe/London", "GB", "en", ("Leeds", "Glasgow", "Cardiff", "Bristol")),
    ("Europe/Madrid", "ES", "es", ("Sevilla", "Bilbao", "Valencia")),
    ("Europe/Paris", "FR", "fr", ("Marseille", "Lyon", "Lille")),
    ("Europe/Berlin", "DE", "de, en", ("Leipzig", "Hamburg", "Köln")),
    ("Africa/Johannesburg", "ZA", "en", ("Soweto", "Durban", "Cape Town")),
    ("Africa/Nairobi", "KE", "en, sw", ("Nairobi", "Mombasa", "Kisumu")),
    ("Africa/Lagos", "NG", "en", ("Lagos", "Ibadan", "Kano")),
    ("Asia/Manila", "PH", "en", ("Quezon City", "Cebu", "Davao")),
    ("Asia/Kolkata", "IN", "en, hi", ("Kolkata", "Chennai", "Pune")),
    ("Asia/Jakarta", "ID", "id, en", ("Jakarta", "Bandung", "Surabaya")),
    ("Australia/Sydney", "AU", "en", ("Sydney", "Newcastle", "Wollongong")),
)
ORGANIZATION_KINDS = (
    "{place} Bus Drivers' Union",
    "{place} Tenants' Association",
    "Domestic Workers of {place}",
    "{place} Market Traders' Cooperative",
    "{place} Teachers' Union, Local {n}",
    "{place} Care Workers Network",
    "Street Vendors' Alliance of {place}",
    "{place} Housing Action Coalition",
    "{place} Hospital Workers' Branch {n}",
    "Warehouse Workers Centre {place}",
    "{place} Cleaners' Organizing Committee",
    "{place} Garment Workers' Federation",
)
GROUP_NAMES = ("Organizing committee", "Shop stewards", "Youth wing", "Night shift", "Education team", "Steering group")
NOTE_LINES = (
    "- We started from our own stories: {name} told how the first meeting happened in a kitchen.",
    "- What stopped people acting: fear of losing shifts, and nobody asking them.",
    "- {name} mapped the building: three floors, one with no contacts yet.",
    "- Agreed: each of us holds two one-on-ones before next session.",
    "- Question for the plenary: how do you keep the quiet people when the loud ones take over?",
    "- The self-interest we heard most: time with family, safety at night, respect from supervisors.",
    "- {name} will bring the list of who eats lunch together.",
    "- Disagreement about petitions: useful to find people, weak as pressure.",
    "- Next step: invite the people we listened to, not the ones who talk most.",
    "- Report-back: the committee needs someone from every shift, not only the day shift.",
)
COMMITMENTS = (
    "Hold two one-on-ones with people on the night shift.",
    "Tell my story to someone I have never organized with.",
    "Draw the map of our building with two co-workers.",
    "Ask {name} to come to the next meeting and listen first.",
    "Write down the three issues people raised most this week.",
    "Call the people who left the last meeting early.",
)
COMMENTS = ("Made me think about our first strike.", "Hard to apply on a street market.", None, None, None)


@dataclass
class _Person:
    user_id: int
    membership_id: int
    name: str
    email: str


@dataclass
class _Group:
    id: int
    coordinator_id: int
    people: list[_Person]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _split(total: int, parts: int, rng: random.Random, minimum: int = 3) -> list[int]:
    """`parts` sizes of at least `minimum` that sum to `total`, varying around the mean."""
    parts = max(1, min(parts, total // minimum))
    sizes = [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
    for _ in range(parts * 2):
        a, b = rng.randrange(parts), rng.randrange(parts)
        move = rng.randint(0, max(0, sizes[a] - minimum) // 2)
        sizes[a] -= move
        sizes[b] += move
    return sizes


class _Writer:
    """Bulk inserts in batches, with ids assigned from each table's current maximum."""

    def __init__(self, session: so.Session):
        self.session = session
        self.next_ids: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def ids(self, table: sa.Table, count: int) -> range:
        if table.name not in self.next_ids:
            self.next_ids[table.name] = (self.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        start = self.next_ids[table.name]
        self.next_ids[table.name] = start + count
        return range(start, start + count)

    def insert(self, table: sa.Table, rows: list[dict]) -> None:
        for start in range(0, len(rows), BATCH):
            self.session.execute(sa.insert(table), rows[start : start + BATCH])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def fix_sequences(self) -> None:
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for name in self.next_ids:
            self.session.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
            )


def generate(session: so.Session, scale: str | Scale = "full", *, seed: int = 7) -> Manifest:
    """Fill the database (migrated, courses synced) with the data set and flush; the caller commits.

    Prints how long it took. Raises RuntimeError when the courses are not synced."""
    began = time.monotonic()
    name = scale if isinstance(scale, str) else "custom"
    size = SCALES[scale] if isinstance(scale, str) else scale
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    out = _Writer(session)
    courses = {c.slug: c for c in session.scalars(sa.select(Course).options(so.selectinload(Course.sessions)))}
    if MAIN_COURSE not in courses:
        raise RuntimeError(f"course {MAIN_COURSE!r} is not synced: run `flask courses sync` first")
    course_list = sorted(courses.values(), key=lambda c: c.slug)
    password_hash = generate_password_hash(PASSWORD, PASSWORD_HASH_METHOD)

    # People and groups --------------------------------------------------------------------------------------
    participants_of = {"big": size.big, "medium": size.medium, "small": size.small}
    group_counts = {key: max(1, round(count / size.group_size)) for key, count in participants_of.items()}
    group_counts["small"] = max(1, size.small // 10)
    others = size.users - 2 - sum(participants_of.values())
    group_counts["other"] = max(1, size.groups - sum(group_counts.values()))
    sizes = {key: _split(count, group_counts[key], rng) for key, count in participants_of.items()}
    sizes["other"] = _split(others, group_counts["other"], rng)
    user_count = 2 + sum(sum(s) for s in sizes.values())
    group_total = sum(len(s) for s in sizes.values())
    membership_total = user_count - 2

    user_ids = iter(out.ids(User.__table__, user_count))
    group_ids = iter(out.ids(Group.__table__, group_total))
    membership_ids = iter(out.ids(GroupMembership.__table__, membership_total))
    users, groups, memberships = [], [], []
    used_emails: set[str] = set()

    def add_user(full_name: str, email: str, zone: str, *, is_admin: bool = False, locale: str = "en") -> int:
        user_id = next(user_ids)
        users.append(
            {
                "id": user_id,
                "email": email,
                "name": full_name,
                "password_hash": password_hash,
                "timezone": zone,
                "locale": locale,
                "is_admin": is_admin,
                "session_version": 1,
                "created_at": now - timedelta(days=rng.randint(30, 900)),
                "recovery_code_hashes": [],
            }
        )
        return user_id

    admin_email, trainer_email = "admin@bench.plenary.test", "trainer@bench.plenary.test"
    admin_id = add_user("Rosa Administrator", admin_email, "Europe/London", is_admin=True)
    trainer_id = add_user("Thandiwe Trainer", trainer_email, "Africa/Johannesburg")

    groups_by_key: dict[str, list[_Group]] = {}
    for key in ("big", "medium", "small", "other"):
        groups_by_key[key] = []
        for group_size in sizes[key]:
            zone, country, languages, places = rng.choice(REGIONS)
            place = rng.choice(places)
            organization = rng.choice(ORGANIZATION_KINDS).format(place=place, n=rng.randint(1, 999))
            group_id = next(group_ids)
            created = now - timedelta(days=rng.randint(60, 700))
            groups.append(
                {
                    "id": group_id,
                    "name": f"{rng.choice(GROUP_NAMES)}, {organization}",
                    "organization": organization,
                    "country": country,
                    "languages": languages,
                    "created_at": created,
                    "join_code": secrets.token_urlsafe(24),
                }
            )
            people = []
            for index in range(group_size):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"{_ascii(first)}.{_ascii(last)}@{_ascii(place)}.example.org"
                if email in used_emails:
                    email = email.replace("@", f".{len(users)}@")
                used_emails.add(email)
                locale = {"es": "es", "pt": "pt", "fr": "fr"}.get(languages[:2], "en")
                # Most people share their organization's zone; some travel or live elsewhere.
                person_zone = zone if rng.random() < 0.9 else rng.choice(REGIONS)[0]
                user_id = add_user(f"{first} {last}", email, person_zone, locale=locale)
                membership_id = next(membership_ids)
                memberships.append(
                    {
                        "id": membership_id,
                        "group_id": group_id,
                        "user_id": user_id,
                        "display_name": None,
                        "role": MembershipRole.COORDINATOR if index == 0 else MembershipRole.MEMBER,
                        "status": MembershipStatus.ACTIVE,
                        "joined_at": created + timedelta(days=index % 30),
                    }
                )
                people.append(_Person(user_id, membership_id, f"{first} {last}", email))
            groups_by_key[key].append(_Group(group_id, people[0].user_id, people))
    out.insert(User.__table__, users)
    out.insert(Group.__table__, groups)
    out.insert(GroupMembership.__table__, memberships)

    # Cohorts, sessions, trainers ----------------------------------------------------------------------------
    statuses = [CohortStatus.OPEN, CohortStatus.COMPLETED, CohortStatus.RUNNING, CohortStatus.CLOSED]
    statuses += [CohortStatus.DRAFT, CohortStatus.CANCELLED, CohortStatus.OPEN, CohortStatus.COMPLETED]
    other_statuses = [statuses[i % len(statuses)] for i in range(max(0, size.cohorts - 3))]
    cohort_ids = iter(out.ids(Cohort.__table__, 3 + len(other_statuses)))
    cohorts, sessions, trainers = [], [], []
    session_ids: dict[int, list[int]] = {}
    main = courses[MAIN_COURSE]
    running = {}
    for key, label in (("big", "Global spring cohort"), ("medium", "Americas cohort"), ("small", "Leeds pilot")):
        cohort_id = next(cohort_ids)
        running[key] = cohort_id
        seats = size_of(groups_by_key[key])
        cohorts.append(
            _cohort_row(cohort_id, main, label, "UTC", CohortStatus.RUNNING, now - timedelta(days=21), seats, now)
        )
        cohorts[-1]["seats_taken"] = seats
        cohorts[-1]["capacity"] = seats + seats // 5 + 10
        # Sessions 1 and 2 were held; session 3 started half an hour ago (its breakout is under way).
        starts = [now - timedelta(days=14), now - timedelta(days=7), now - timedelta(minutes=30)]
        session_ids[cohort_id] = _add_sessions(out, sessions, cohort_id, main, starts)
    other_cohorts = []
    for index, status in enumerate(other_statuses):
        course = course_list[index % len(course_list)]
        zone = REGIONS[index % len(REGIONS)][0]
        offset = {
            CohortStatus.COMPLETED: -120 - 10 * index,
            CohortStatus.RUNNING: -8,
            CohortStatus.CLOSED: 10,
        }.get(status, 40 + 5 * index)
        first = _local_instant(now + timedelta(days=offset), zone, hour=rng.choice((9, 14, 18)))
        starts = [first + timedelta(weeks=w) for w in range(len(course.sessions))]
        deadline = first - timedelta(days=14)
        cohort_id = next(cohort_ids)
        label = f"{course.title}, {zone.split('/')[-1].replace('_', ' ')} {first:%B %Y}"
        cohorts.append(_cohort_row(cohort_id, course, label, zone, status, deadline, 0, now))
        session_ids[cohort_id] = _add_sessions(out, sessions, cohort_id, course, starts)
        other_cohorts.append((cohorts[-1], course, status))
    for row in cohorts:
        trainers.append({"cohort_id": row["id"], "user_id": trainer_id})

    # Registrations and rosters ------------------------------------------------------------------------------
    registrations, roster, completions = [], [], []
    # Numbered as they are made (their count is known only at the end).
    next_registration = out.ids(Registration.__table__, 0).start
    next_roster = out.ids(RosterEntry.__table__, 0).start
    completed_by: set[tuple[int, int]] = set()

    def register(cohort_row: dict, group: _Group, status: RegistrationStatus, created: datetime) -> None:
        nonlocal next_registration, next_roster
        seats = len(group.people) if status == RegistrationStatus.CONFIRMED else 0
        registrations.append(
            {
                "id": next_registration,
                "cohort_id": cohort_row["id"],
                "group_id": group.id,
                "status": status,
                "seats": seats,
                "submitted_by_id": group.coordinator_id,
                "created_at": created,
                "status_changed_at": created + timedelta(hours=rng.randint(1, 72)),
                "waitlisted_at": None,
            }
        )
        for person in group.people:
            roster.append(
                {"id": next_roster, "registration_id": next_registration, "membership_id": person.membership_id}
            )
            next_roster += 1
        next_registration += 1
        cohort_row["seats_taken"] += seats

    for key, cohort_id in running.items():
        row = next(c for c in cohorts if c["id"] == cohort_id)
        row["seats_taken"] = 0
        for n, group in enumerate(groups_by_key[key]):
            register(row, group, RegistrationStatus.CONFIRMED, now - timedelta(days=60) + timedelta(minutes=37 * n))
    registering = [(row, course, status) for row, course, status in other_cohorts if status != CohortStatus.DRAFT]
    for group in groups_by_key["other"]:
        for row, course, status in rng.sample(registering, k=min(2, len(registering))):
            if status == CohortStatus.CANCELLED:
                state = RegistrationStatus.WITHDRAWN
            elif status == CohortStatus.OPEN:
                state = rng.choice((RegistrationStatus.CONFIRMED,) * 3 + (RegistrationStatus.PENDING,))
            else:
                state = rng.choice((RegistrationStatus.CONFIRMED,) * 8 + (RegistrationStatus.LAPSED,))
            register(row, group, state, row["registration_deadline_at"] - timedelta(days=rng.randint(1, 40)))
            if status == CohortStatus.COMPLETED and state == RegistrationStatus.CONFIRMED:
                for person in group.people:
                    if (person.user_id, course.id) not in completed_by:
                        completed_by.add((person.user_id, course.id))
                        completions.append(
                            {
                                "user_id": person.user_id,
                                "course_id": course.id,
                                "cohort_id": row["id"],
                                "completed_at": now + timedelta(days=row["_offset"]),
                            }
                        )
    for row, _course, _status in other_cohorts:
        row["capacity"] = max(40, (row["seats_taken"] + rng.randint(0, 40) + 9) // 10 * 10)
    out.next_ids[Registration.__table__.name] = next_registration
    out.next_ids[RosterEntry.__table__.name] = next_roster
    for row in cohorts:
        row.pop("_offset", None)
    out.insert(Cohort.__table__, cohorts)
    out.insert(CohortSession.__table__, sessions)
    out.insert(cohort_trainers, trainers)
    out.insert(course_trainers, [{"course_id": c.id, "user_id": trainer_id} for c in course_list])
    out.insert(Registration.__table__, registrations)
    out.insert(RosterEntry.__table__, roster)
    out.insert(Completion.__table__, completions)

    # Learning: rooms, notes, readings, commitments, attendance for the three running cohorts --------------------
    infos = {}
    for key, cohort_id in running.items():
        infos[key] = _learning(
            out, rng, now, key, cohort_id, main, groups_by_key[key], session_ids[cohort_id], size, trainer_id
        )
    out.fix_sequences()
    session.flush()
    manifest = Manifest(
        scale=name,
        password=PASSWORD,
        admin_email=admin_email,
        admin_id=admin_id,
        trainer_email=trainer_email,
        trainer_id=trainer_id,
        cohorts=infos,
        counts=dict(sorted(out.counts.items())),
        seconds=round(time.monotonic() - began, 2),
    )
    total = sum(out.counts.values())
    print(f"dataset: {name}: {total:,} rows in {manifest.seconds:.1f} s", flush=True)
    return manifest


def size_of(groups: Iterable[_Group]) -> int:
    return sum(len(g.people) for g in groups)


def _local_instant(day: datetime, zone: str, hour: int) -> datetime:
    """`hour` o'clock on that day in `zone`, as a UTC instant."""
    local = datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def _cohort_row(
    cohort_id: int, course: Course, label: str, zone: str, status: CohortStatus, deadline: datetime, seats, now
) -> dict:
    return {
        "id": cohort_id,
        "course_id": course.id,
        "label": label,
        "host_timezone": zone,
        "status": status,
        "registration_opens_at": deadline - timedelta(days=45),
        "registration_deadline_at": deadline,
        "capacity": max(seats, 1),
        "min_group_size": course.min_group_size,
        "video_url": f"https://meet.example.org/plenary-{cohort_id}",
        "seats_taken": seats,
        "created_at": min(now, deadline - timedelta(days=60)),
        "_offset": (deadline - now).days + 14,
    }


def _add_sessions(out: _Writer, rows: list[dict], cohort_id: int, course: Course, starts: list[datetime]) -> list[int]:
    outline: list[CourseSession] = list(course.sessions)
    ids = list(out.ids(CohortSession.__table__, len(outline)))
    for session_id, course_session, starts_at in zip(ids, outline, starts, strict=False):
        rows.append(
            {
                "id": session_id,
                "cohort_id": cohort_id,
                "course_session_id": course_session.id,
                "title": course_session.title,
                "starts_at": starts_at,
                "plenary_minutes": course_session.plenary_minutes,
                "breakout_minutes": course_session.breakout_minutes,
                "sequence": 0,
            }
        )
    return ids[: len(starts)]


def _learning(
    out: _Writer,
    rng: random.Random,
    now: datetime,
    key: str,
    cohort_id: int,
    course: Course,
    groups: list[_Group],
    session_ids: list[int],
    size: Scale,
    trainer_id: int,
) -> CohortInfo:
    people = [p for g in groups for p in g.people]
    shuffled = people[:]
    rng.shuffle(shuffled)
    room_count = max(1, round(len(people) / size.room_size))
    plan_id = out.ids(BreakoutPlan.__table__, 1)[0]
    out.insert(
        BreakoutPlan.__table__,
        [
            {
                "id": plan_id,
                "cohort_id": cohort_id,
                "cohort_session_id": None,
                "strategy": RoomStrategy.MIX_ORGANIZATIONS,
                "target_size": size.room_size,
                "seed": rng.randint(1, 999_999),
                "created_by_id": trainer_id,
                "created_at": now - timedelta(days=16),
                "replaced_at": None,
            }
        ],
    )
    room_ids = list(out.ids(BreakoutRoom.__table__, room_count))
    rooms = [{"id": rid, "plan_id": plan_id, "position": n, "name": f"Room {n}"} for n, rid in enumerate(room_ids, 1)]
    members_of: dict[int, list[_Person]] = {rid: [] for rid in room_ids}
    room_of: dict[int, int] = {}
    for index, person in enumerate(shuffled):  # dealt round-robin, so organizations spread over the rooms
        room_id = room_ids[index % room_count]
        members_of[room_id].append(person)
        room_of[person.user_id] = room_id
    member_ids = iter(out.ids(RoomMember.__table__, len(people)))
    room_members = [
        {"id": next(member_ids), "room_id": rid, "membership_id": p.membership_id, "position": place}
        for rid, members in members_of.items()
        for place, p in enumerate(members)
    ]
    out.insert(BreakoutRoom.__table__, rooms)
    out.insert(RoomMember.__table__, room_members)

    starts = {}
    for sid, offset in zip(session_ids, (timedelta(days=14), timedelta(days=7), timedelta(minutes=30)), strict=False):
        starts[sid] = now - offset
    notes, revisions = [], []
    note_ids = iter(out.ids(BreakoutNote.__table__, room_count * len(session_ids)))
    revision_ids = iter(out.ids(NoteRevision.__table__, room_count * len(session_ids) * size.revisions))
    for sid in session_ids:
        for rid in room_ids:
            note_id = next(note_ids)
            members = members_of[rid] or people[:1]
            lines = [f"## Room {rooms[room_ids.index(rid)]['position']}: what we said"]
            body = ""
            for number in range(1, size.revisions + 1):
                author = members[number % len(members)]
                lines.append(rng.choice(NOTE_LINES).format(name=author.name.split()[0]))
                body = "\n".join(lines)
                revisions.append(
                    {
                        "id": next(revision_ids),
                        "note_id": note_id,
                        "number": number,
                        "body": body,
                        "author_id": author.user_id,
                        "created_at": starts[sid] + timedelta(minutes=60 + number),
                        "restored_from": None,
                    }
                )
            notes.append(
                {
                    "id": note_id,
                    "room_id": rid,
                    "cohort_session_id": sid,
                    "body": body,
                    "version": size.revisions,
                    "shared_with_plenary": rng.random() < 0.7,
                    "updated_at": starts[sid] + timedelta(minutes=60 + size.revisions),
                }
            )
    out.insert(BreakoutNote.__table__, notes)
    out.insert(NoteRevision.__table__, revisions)

    readings = list(course.readings)
    held = session_ids[:2]
    progress, commitments, attendance = [], [], []
    for person in people:
        for reading in readings:
            if rng.random() < 0.7:
                progress.append(
                    {
                        "user_id": person.user_id,
                        "cohort_id": cohort_id,
                        "reading_id": reading.id,
                        "read_at": now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600)),
                        "comment": rng.choice(COMMENTS),
                    }
                )
        for sid in held:
            present = rng.random() < 0.88
            attendance.append(
                {
                    "cohort_session_id": sid,
                    "membership_id": person.membership_id,
                    "present": present,
                    "source": AttendanceSource.CHECKLIST,
                    "recorded_by_id": trainer_id,
                    "recorded_at": starts[sid] + timedelta(hours=2),
                }
            )
            if present:
                done = sid != held[-1]
                commitments.append(
                    {
                        "user_id": person.user_id,
                        "cohort_id": cohort_id,
                        "cohort_session_id": sid,
                        "text": rng.choice(COMMITMENTS).format(name=rng.choice(FIRST_NAMES)),
                        "status": rng.choice((CommitmentStatus.DONE, CommitmentStatus.IN_PROGRESS))
                        if done
                        else CommitmentStatus.OPEN,
                        "reflection": "Two of them came to the meeting." if done else None,
                        "created_at": starts[sid] + timedelta(hours=2),
                        "checked_in_at": starts[sid] + timedelta(days=7) if done else None,
                    }
                )
    out.insert(ReadingProgress.__table__, progress)
    out.insert(Commitment.__table__, commitments)
    out.insert(Attendance.__table__, attendance)

    # The participant the benchmarks sign in as: a member (not a coordinator) of the first group.
    known = groups[0].people[1] if len(groups[0].people) > 1 else groups[0].people[0]
    current = session_ids[-1]
    due = list(course.sessions[len(session_ids) - 1].readings) or [r for r in readings if not r.is_pre_meeting]
    return CohortInfo(
        id=cohort_id,
        participants=len(people),
        rooms=room_count,
        session_ids=session_ids,
        current_session_id=current,
        reading_slug=(due[0] if due else readings[0]).slug,
        participant_email=known.email,
        participant_user_id=known.user_id,
        participant_room_id=room_of[known.user_id],
        participant_group_id=groups[0].id,
    )


def verify(session: so.Session) -> list[str]:
    """The data set's invariants, as a list of problems (empty when all hold): no cohort oversold, seats_taken the
    sum of the confirmed registrations' seats, a confirmed registration holds one seat per roster entry, and every
    room member is a confirmed participant of the room's cohort."""
    problems = []
    confirmed_seats = (
        sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0))
        .where(Registration.cohort_id == Cohort.id, Registration.status == RegistrationStatus.CONFIRMED)
        .scalar_subquery()
    )
    for cohort_id, taken, capacity, seats in session.execute(
        sa.select(Cohort.id, Cohort.seats_taken, Cohort.capacity, confirmed_seats)
    ):
        if taken > capacity:
            problems.append(f"cohort {cohort_id}: {taken} seats taken of {capacity}")
        if taken != seats:
            problems.append(f"cohort {cohort_id}: seats_taken {taken} but confirmed registrations hold {seats}")
    roster_size = (
        sa.select(sa.func.count(RosterEntry.id)).where(RosterEntry.registration_id == Registration.id).scalar_subquery()
    )
    for registration_id, seats, rostered in session.execute(
        sa.select(Registration.id, Registration.seats, roster_size).where(
            Registration.status == RegistrationStatus.CONFIRMED
        )
    ):
        if seats != rostered:
            problems.append(f"registration {registration_id}: {seats} seats for {rostered} rostered")
    on_roster = (
        sa.select(RosterEntry.id)
        .join(Registration, RosterEntry.registration_id == Registration.id)
        .where(
            RosterEntry.membership_id == RoomMember.membership_id,
            Registration.cohort_id == BreakoutPlan.cohort_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .exists()
    )
    strays = session.scalar(
        sa.select(sa.func.count(RoomMember.id))
        .join(BreakoutRoom, RoomMember.room_id == BreakoutRoom.id)
        .join(BreakoutPlan, BreakoutRoom.plan_id == BreakoutPlan.id)
        .where(~on_roster)
    )
    if strays:
        problems.append(f"{strays} room members are not confirmed participants of the room's cohort")
    return problems
