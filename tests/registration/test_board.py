"""The trainer's registration board and roster export, cell by cell: what a trainer reads for every state a
registration can be in, and the confirmed participants' CSV in its order (registrations as they came in, each
roster in the order people were named)."""

import csv
import io
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.groups import service as groups
from app.groups.models import MembershipStatus
from app.registration import pre_meetings, service
from app.registration.models import Completion, Registration
from tests.registration.conftest import member_ids


class _BoardTable(HTMLParser):
    """The board's body rows as lists of cell texts, and the link of each row's group."""

    def __init__(self):
        super().__init__()
        self.rows, self.links, self._in_body, self._cell = [], [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("th", "td"):
            self._cell = []
        elif self._in_body and tag == "a":
            self.links.append(dict(attrs)["href"])
        elif self._cell is not None and tag == "br":
            self._cell.append(" / ")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif self._cell is not None and tag in ("th", "td"):
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def board_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    table = _BoardTable()
    table.feed(response.get_data(as_text=True))
    return table


def login(client, user):
    assert client.submit("/login", {"email": user.email, "password": "correct horse battery"}).status_code == 302


@pytest.fixture
def busy_cohort(make_group, make_cohort, make_user):
    """An advanced cohort (prerequisites, pre-meeting, groups of 10, 25 seats) with a registration in every state."""
    trainer = make_user(email="trainer@example.org", name="Trainer")
    cohort = make_cohort("power-and-participation", capacity=25, trainers=[trainer])
    core = cohort.course.prerequisites[0]

    def register(group, coordinator, ids, attestation=None):
        registration = service.register_group(db.session, coordinator, group, cohort, ids, attestation=attestation)
        db.session.commit()
        return registration

    # Confirmed on completions; grown afterwards (the coordinator and a person without an account added last),
    # then one member left while the cohort was under way (still on the roster, no longer counted).
    completions, c1 = make_group(11, "Completions crew")
    members = completions.active_members
    for membership in members[1:7]:
        db.session.add(Completion(user_id=membership.user_id, course_id=core.id))
    # Neither of these counts: one completed a course that is not a prerequisite, the other leaves (below).
    db.session.add(Completion(user_id=members[8].user_id, course_id=cohort.course.id))
    db.session.add(Completion(user_id=members[9].user_id, course_id=core.id))
    members[3].user.name = 'Ana "Rosa", Jr.'
    members[4].user.timezone = "America/Lima"
    db.session.commit()
    by_completions = register(completions, c1, [m.id for m in members[1:11]])
    rosa = groups.add_roster_member(db.session, c1, completions, "=Doña Rosa")
    service.update_roster(db.session, c1, by_completions, [*member_ids(completions)])
    db.session.commit()
    members[9].status = MembershipStatus.LEFT
    db.session.commit()

    experience, c2 = make_group(10, "Experience crew")
    by_experience = register(experience, c2, member_ids(experience), attestation="Ten years of organizing.")
    service.review_evidence(db.session, trainer, by_experience, approve=True)
    pre_meetings.log_pre_meeting(db.session, c2, by_experience, held_on=date(2024, 3, 5), attendance=8)
    db.session.commit()

    waiting, c3 = make_group(10, "Waiting crew")
    on_waitlist = register(waiting, c3, member_ids(waiting), attestation="We run a food bank.")
    service.review_evidence(db.session, trainer, on_waitlist, approve=True)

    again, c4 = make_group(10, "Second try crew")
    second_try = register(again, c4, member_ids(again), attestation="We organize.")
    service.review_evidence(db.session, trainer, second_try, approve=False, reason="Tell us more.")
    service.submit_attestation(db.session, c4, second_try, "We ran a two-year tenants' campaign.")

    declined, c5 = make_group(10, "Declined crew")
    refused = register(declined, c5, member_ids(declined), attestation="We like reading.")
    service.review_evidence(db.session, trainer, refused, approve=False, reason="Not yet.")

    small, c6 = make_group(6, "Small crew")
    too_small = register(small, c6, member_ids(small, 4))

    gone, c7 = make_group(4, "Gone crew")
    withdrawn = register(gone, c7, member_ids(gone))
    service.withdraw(db.session, c7, withdrawn)

    # Not this cohort's.
    other = make_cohort("power-and-participation", label="Other cohort", trainers=[trainer])
    elsewhere, c8 = make_group(10, "Elsewhere crew")
    service.register_group(db.session, c8, elsewhere, other, member_ids(elsewhere), attestation="Elsewhere.")

    # Registrations are listed as they came in: move two earlier than the first one.
    start = by_completions.created_at
    too_small.created_at = start - timedelta(minutes=2)
    by_experience.created_at = start - timedelta(minutes=1)
    db.session.commit()
    assert [r.status for r in (by_completions, by_experience, on_waitlist, second_try, refused, too_small)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "pending",
        "declined",
        "pending",
    ]
    return {
        "cohort": cohort,
        "trainer": trainer,
        "completions": (by_completions, [*members[1:9], members[10], members[0]], rosa),
        "experience": (by_experience, experience.active_members),
        "ids": [too_small, by_experience, by_completions, on_waitlist, second_try, refused, withdrawn],
    }


def test_the_board_shows_every_registration_state_in_the_order_they_came_in(client, busy_cohort):
    login(client, busy_cohort["trainer"])
    cohort = busy_cohort["cohort"]
    table = board_of(client, f"/cohorts/{cohort.id}/registrations")
    assert table.rows == [
        ["Small crew / Small crew union", "waiting", "4 of 10", "missing", "not yet", "0"],
        [
            "Experience crew / Experience crew union",
            "confirmed",
            "10 of 10",
            "experience accepted",
            "2024-03-05 (8)",
            "10",
        ],
        ["Completions crew / Completions crew union", "confirmed", "11 of 10", "completions (6)", "not yet", "12"],
        ["Waiting crew / Waiting crew union", "on the waitlist", "10 of 10", "experience accepted", "not yet", "0"],
        ["Second try crew / Second try crew union", "waiting", "10 of 10", "waiting for your review", "not yet", "0"],
        ["Declined crew / Declined crew union", "declined", "10 of 10", "declined", "not yet", "0"],
        ["Gone crew / Gone crew union", "withdrawn", "4 of 10", "missing", "not yet", "0"],
    ]
    assert table.links == [f"/registrations/{r.id}" for r in busy_cohort["ids"]]

    confirmed = board_of(client, f"/cohorts/{cohort.id}/registrations?status=confirmed")
    assert [row[0] for row in confirmed.rows] == [
        "Experience crew / Experience crew union",
        "Completions crew / Completions crew union",
    ]
    everything = board_of(client, f"/cohorts/{cohort.id}/registrations?status=nonsense")
    assert everything.rows == table.rows
    nothing = client.get(f"/cohorts/{cohort.id}/registrations?status=lapsed").get_data(as_text=True)
    assert "No group is registered with this status yet." in nothing


def test_a_course_without_prerequisites_or_pre_meeting_shows_dashes(client, make_group, make_cohort, make_user):
    trainer = make_user()
    cohort = make_cohort("organizing-fundamentals", trainers=[trainer])
    group, coordinator = make_group(3, "Core crew")
    service.register_group(db.session, coordinator, group, cohort, member_ids(group))
    db.session.commit()
    login(client, trainer)
    table = board_of(client, f"/cohorts/{cohort.id}/registrations")
    assert table.rows == [["Core crew / Core crew union", "confirmed", "3 of 3", "—", "—", "3"]]


def test_the_roster_lists_confirmed_active_participants_in_order_and_is_audited(client, busy_cohort):
    login(client, busy_cohort["trainer"])
    cohort = busy_cohort["cohort"]
    response = client.get(f"/cohorts/{cohort.id}/roster.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="cohort-{cohort.id}-roster.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    _registration, experience_members = busy_cohort["experience"]
    _registration, completion_members, rosa = busy_cohort["completions"]
    expected = [["Name", "Email", "Group", "Organization", "Time zone"]]
    expected += [
        [m.user.name, m.user.email, "Experience crew", "Experience crew union", "UTC"] for m in experience_members
    ]
    expected += [
        [m.user.name, m.user.email, "Completions crew", "Completions crew union", m.user.timezone]
        for m in completion_members
    ]
    expected.append(["'=Doña Rosa", "", "Completions crew", "Completions crew union", ""])
    assert rows == expected
    assert 'Ana "Rosa", Jr.' in {row[0] for row in rows} and "America/Lima" in {row[4] for row in rows}
    assert rosa.display_name == "=Doña Rosa"

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.roster_csv"))
    assert (event.actor_id, event.subject, event.details) == (
        busy_cohort["trainer"].id,
        f"cohort {cohort.id}",
        {"rows": len(expected) - 1},
    )


def test_the_board_applies_a_passed_deadline_before_listing(client, busy_cohort):
    from app.lib.time import now_utc

    cohort = busy_cohort["cohort"]
    cohort.registration_deadline_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    login(client, busy_cohort["trainer"])
    table = board_of(client, f"/cohorts/{cohort.id}/registrations")
    assert [row[1] for row in table.rows] == [
        "lapsed",
        "confirmed",
        "confirmed",
        "lapsed",
        "lapsed",
        "declined",
        "withdrawn",
    ]
    assert db.session.scalar(sa.select(sa.func.count()).where(Registration.status == "lapsed")) == 3


def test_a_group_whose_roster_all_left_shows_no_members_and_exports_no_one(client, make_group, make_cohort, make_user):
    trainer = make_user()
    cohort = make_cohort("power-and-participation", trainers=[trainer])
    group, coordinator = make_group(10, "Empty crew")
    registration = service.register_group(
        db.session, coordinator, group, cohort, member_ids(group), attestation="We organize."
    )
    service.review_evidence(db.session, trainer, registration, approve=True)
    for membership in group.active_members:  # the cohort is under way: they stay on the roster, inactive
        membership.status = MembershipStatus.LEFT
    db.session.commit()
    login(client, trainer)
    table = board_of(client, f"/cohorts/{cohort.id}/registrations")
    assert table.rows == [
        ["Empty crew / Empty crew union", "confirmed", "0 of 10", "experience accepted", "not yet", "10"]
    ]
    csv_text = client.get(f"/cohorts/{cohort.id}/roster.csv").get_data(as_text=True)
    assert csv_text.splitlines() == ["Name,Email,Group,Organization,Time zone"]
