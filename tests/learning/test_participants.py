from app.extensions import db
from app.registration.participants import cohort_participants, participation


def test_participants_are_the_confirmed_rosters_including_people_without_accounts(make_running_cohort, make_user):
    world = make_running_cohort((3, 4), roster_only=1, started_days_ago=3)
    names = [p.name for p in world.participants]
    assert len(names) == 3 + 4 + 2
    assert sum(p.email is None for p in world.participants) == 2
    member = world.groups[1].members[2]
    assert participation(db.session, member, world.cohort).group.id == world.groups[1].group.id
    assert participation(db.session, make_user(), world.cohort) is None
    assert world.cohort.sessions[0].starts_at < world.cohort.sessions[1].starts_at


def test_participants_load_in_a_constant_number_of_queries(make_running_cohort, count_queries):
    small = make_running_cohort((3,))
    large = make_running_cohort((5, 6, 7))
    db.session.expire_all()
    small_cohort, large_cohort = db.session.merge(small.cohort), db.session.merge(large.cohort)
    with count_queries() as counted_small:
        cohort_participants(db.session, small_cohort)
    with count_queries() as counted_large:
        assert len(cohort_participants(db.session, large_cohort)) == 18
    assert counted_small.count == counted_large.count
