"""Registration pages: what is missing, each role's view, and one group never touching another's."""

import sqlalchemy as sa

from app.extensions import db
from app.registration.models import Registration
from tests.registration.conftest import member_ids


def login(client, user):
    assert client.submit("/login", {"email": user.email, "password": "correct horse battery"}).status_code == 302


def test_coordinator_registers_and_sees_what_is_missing(client, make_group, make_cohort):
    cohort = make_cohort("power-and-participation")
    group, coordinator = make_group(7)
    login(client, coordinator)
    page = client.get(f"/registrations/new/{cohort.id}").get_data(as_text=True)
    assert "Register for Power and Participation" in page and 'name="members"' in page
    response = client.submit(f"/registrations/new/{cohort.id}", {"members": member_ids(group)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "7 of 10 members have joined the roster." in page
    assert "Prerequisites missing" in page
    assert "Registration closes" in page and "(UTC)" in page


def test_registering_without_members_is_explained_next_to_the_field(client, make_group, make_cohort):
    cohort = make_cohort("organizing-fundamentals")
    group, coordinator = make_group(3)
    login(client, coordinator)
    response = client.submit(f"/registrations/new/{cohort.id}", {})
    assert response.status_code == 422
    assert 'id="members-error"' in response.get_data(as_text=True)


def test_another_groups_coordinator_cannot_see_or_change_a_registration(app, client, make_group, make_cohort):
    cohort = make_cohort("organizing-fundamentals")
    group, coordinator = make_group(3, "Ours")
    other_group, other = make_group(3, "Theirs")
    login(client, coordinator)
    client.submit(f"/registrations/new/{cohort.id}", {"members": member_ids(group)})
    registration = db.session.scalar(sa.select(Registration))

    intruder = app.test_client()
    login(intruder, other)
    assert intruder.get(f"/registrations/{registration.id}").status_code == 403
    withdraw = intruder.submit(f"/registrations/{registration.id}/withdraw", {}, page="/groups")
    assert withdraw.status_code == 403
    # Registering someone else's group with a forged group id is refused too.
    forged = intruder.submit(
        f"/registrations/new/{cohort.id}?group={group.id}", {"members": member_ids(group)}, page="/groups"
    )
    assert forged.status_code == 403
    db.session.refresh(registration)
    assert registration.status == "confirmed"


def test_trainer_approves_evidence_over_http(app, client, make_group, make_cohort, make_user):
    trainer = make_user(email="trainer@example.org")
    cohort = make_cohort("power-and-participation", trainers=[trainer])
    group, coordinator = make_group(10)
    login(client, coordinator)
    client.submit(
        f"/registrations/new/{cohort.id}",
        {"members": member_ids(group), "attestation": "Ten years of *union* organizing."},
    )
    registration = db.session.scalar(sa.select(Registration))
    page = client.get(f"/registrations/{registration.id}").get_data(as_text=True)
    assert "Prerequisite evidence waiting for trainer review." in page
    assert "<em>union</em>" in page

    reviewer = app.test_client()
    login(reviewer, trainer)
    response = reviewer.submit(
        f"/registrations/{registration.id}/review", {"approve": "Approve"}, page=f"/registrations/{registration.id}"
    )
    assert response.status_code == 302
    db.session.refresh(registration)
    assert registration.status == "confirmed"


def test_page_view_after_the_deadline_applies_it(client, make_group, make_cohort):
    from datetime import timedelta

    from app.lib.time import now_utc

    cohort = make_cohort("power-and-participation")
    group, coordinator = make_group(4)
    login(client, coordinator)
    client.submit(f"/registrations/new/{cohort.id}", {"members": member_ids(group)})
    cohort.registration_deadline_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    registration = db.session.scalar(sa.select(Registration))
    page = client.get(f"/registrations/{registration.id}").get_data(as_text=True)
    assert "Lapsed" in page
    db.session.refresh(registration)
    assert registration.status == "lapsed"


def test_trainer_board_lists_groups_filters_and_exports_the_roster(app, client, make_group, make_cohort, make_user):
    import csv
    import io

    from app.groups import service as groups

    trainer = make_user(email="trainer@example.org")
    cohort = make_cohort("organizing-fundamentals", trainers=[trainer])
    confirmed, c1 = make_group(3, "Confirmed crew")
    groups.add_roster_member(db.session, c1, confirmed, '=HYPERLINK("http://evil")')
    waiting, c2 = make_group(2, "Small crew")
    db.session.commit()
    for group, coordinator in ((confirmed, c1), (waiting, c2)):
        coordinator_client = app.test_client()
        login(coordinator_client, coordinator)
        coordinator_client.submit(f"/registrations/new/{cohort.id}", {"members": member_ids(group)})

    login(client, trainer)
    page = client.get(f"/cohorts/{cohort.id}/registrations").get_data(as_text=True)
    assert "Confirmed crew" in page and "Small crew" in page and "4 of 3" in page and "2 of 3" in page
    filtered = client.get(f"/cohorts/{cohort.id}/registrations?status=pending").get_data(as_text=True)
    assert "Small crew" in filtered and "Confirmed crew" not in filtered

    response = client.get(f"/cohorts/{cohort.id}/roster.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Name", "Email", "Group", "Organization", "Time zone"]
    assert len(rows) == 1 + 4  # only the confirmed group's roster
    assert all(row[2] == "Confirmed crew" for row in rows[1:])
    assert '\'=HYPERLINK("http://evil")' in [row[0] for row in rows]


def test_other_trainers_and_coordinators_cannot_see_the_board(app, client, make_group, make_cohort, make_user):
    trainer = make_user()
    cohort = make_cohort("organizing-fundamentals", trainers=[trainer])
    group, coordinator = make_group(3)
    login(client, coordinator)
    assert client.get(f"/cohorts/{cohort.id}/registrations").status_code == 403
    other = app.test_client()
    login(other, make_user())
    assert other.get(f"/cohorts/{cohort.id}/roster.csv").status_code == 403


def test_board_and_roster_take_the_same_queries_for_two_groups_or_six(
    client, make_group, make_cohort, make_user, count_queries
):
    from app.registration.service import register_group

    trainer = make_user(email="trainer@example.org")
    counts = []
    for number_of_groups in (2, 6):
        cohort = make_cohort("power-and-participation", trainers=[trainer], label=f"{number_of_groups} groups")
        for n in range(number_of_groups):
            group, coordinator = make_group(10, f"Crew {number_of_groups}.{n}")
            register_group(db.session, coordinator, group, cohort, member_ids(group), attestation="We organize.")
        db.session.commit()
        counts.append(cohort.id)
    login(client, trainer)
    measured = []
    for cohort_id in counts:
        db.session.expire_all()
        with count_queries() as board:
            page = client.get(f"/cohorts/{cohort_id}/registrations")
        with count_queries() as roster:
            client.get(f"/cohorts/{cohort_id}/roster.csv")
        assert page.status_code == 200 and page.get_data(as_text=True).count("waiting for your review") in (2, 6)
        measured.append((board.count, roster.count))
    assert measured[0] == measured[1]


def test_review_queue_lists_waiting_attestations_of_the_trainers_own_cohorts(
    app, client, make_group, make_cohort, make_user
):
    from app.registration.service import register_group, review_evidence

    trainer, other_trainer = make_user(email="trainer@example.org"), make_user(email="other@example.org")
    mine = make_cohort("power-and-participation", trainers=[trainer], label="Mine")
    theirs = make_cohort("power-and-participation", trainers=[other_trainer], label="Theirs")
    waiting, c1 = make_group(10, "Waiting crew")
    decided, c2 = make_group(10, "Decided crew")
    elsewhere, c3 = make_group(10, "Elsewhere crew")
    register_group(db.session, c1, waiting, mine, member_ids(waiting), attestation="We ran a campaign.")
    done = register_group(db.session, c2, decided, mine, member_ids(decided), attestation="We organize.")
    register_group(db.session, c3, elsewhere, theirs, member_ids(elsewhere), attestation="We organize too.")
    review_evidence(db.session, trainer, done, approve=True)
    db.session.commit()

    login(client, trainer)
    page = client.get("/reviews").get_data(as_text=True)
    assert "Waiting crew" in page and "Decided crew" not in page and "Elsewhere crew" not in page
    assert "/reviews" in client.get("/trainer").get_data(as_text=True)
    admin = make_user(email="admin@example.org", is_admin=True)
    admin_client = app.test_client()
    login(admin_client, admin)
    everything = admin_client.get("/reviews").get_data(as_text=True)
    assert "Waiting crew" in everything and "Elsewhere crew" in everything
    member_client = app.test_client()
    login(member_client, c1)
    assert "Nothing is waiting for your review." in member_client.get("/reviews").get_data(as_text=True)


def test_a_group_id_in_the_address_beyond_any_database_id_is_not_found(client, make_group, make_cohort):
    cohort = make_cohort("power-and-participation")
    _group, coordinator = make_group(3)
    login(client, coordinator)
    for huge in (2**31, 2**63, 10**30):  # PostgreSQL's integer, SQLite's integer, neither
        assert client.get(f"/registrations/new/{cohort.id}?group={huge}").status_code == 404
