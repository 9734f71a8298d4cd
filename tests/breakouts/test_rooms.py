"""The room-assignment algorithm on its own: sizes, determinism, both strategies, spreading, and scale."""

import math
from collections import Counter

import pytest

from app.breakouts.models import RoomStrategy
from app.breakouts.rooms import (
    Person,
    assign_rooms,
    balanced_languages,
    mixed_room_count,
    parse_languages,
    region_of_timezone,
)
from app.lib.languages import base_language

KEEP = RoomStrategy.KEEP_GROUPS
MIX = RoomStrategy.MIX_ORGANIZATIONS


def cohort(group_sizes, *, regions=None, languages=None, organizations=None):
    """People numbered from 0, group by group; the organization defaults to one per group."""
    people, key = [], 0
    for index, size in enumerate(group_sizes):
        for _ in range(size):
            people.append(
                Person(
                    key=key,
                    group=index,
                    organization=organizations[index] if organizations else f"Organization {index}",
                    region=regions[key % len(regions)] if regions else None,
                    languages=frozenset(languages[index]) if languages else frozenset(),
                )
            )
            key += 1
    return people


def assert_everyone_once(people, rooms):
    placed = [key for room in rooms for key in room]
    assert sorted(placed) == sorted(p.key for p in people)


@pytest.mark.parametrize("group_sizes", [(4,), (3, 9, 10), (17, 1, 8, 5), (25, 24, 23)])
@pytest.mark.parametrize("target", [2, 4, 5, 7])
def test_keep_groups_gives_each_group_ceil_n_over_target_rooms_of_even_sizes(group_sizes, target):
    people = cohort(group_sizes)
    group_of = {p.key: p.group for p in people}
    rooms = assign_rooms(people, target_size=target, strategy=KEEP, seed=7)
    assert_everyone_once(people, rooms)
    assert len(rooms) == sum(math.ceil(n / target) for n in group_sizes)
    by_group = {}
    for room in rooms:
        groups = {group_of[key] for key in room}
        assert len(groups) == 1, "a room mixes groups"
        by_group.setdefault(groups.pop(), []).append(len(room))
    for group, sizes in by_group.items():
        assert len(sizes) == math.ceil(group_sizes[group] / target)
        assert max(sizes) - min(sizes) <= 1, sizes


def test_keep_groups_puts_a_group_smaller_than_the_target_in_one_room_in_registration_order():
    people = cohort((3, 2, 4))
    rooms = assign_rooms(people, target_size=5, strategy=KEEP, seed=1)
    assert [sorted(room) for room in rooms] == [[0, 1, 2], [3, 4], [5, 6, 7, 8]]


@pytest.mark.parametrize("group_sizes", [(4, 4), (10, 10, 3), (12, 1, 1, 1, 6), (30, 29, 7, 2)])
@pytest.mark.parametrize("target", [2, 3, 4, 6])
def test_mix_makes_round_n_over_target_rooms_whose_sizes_differ_by_at_most_one(group_sizes, target):
    people = cohort(group_sizes, regions=["Europe", "America", "Asia", None])
    rooms = assign_rooms(people, target_size=target, strategy=MIX, seed=3)
    assert_everyone_once(people, rooms)
    assert len(rooms) == mixed_room_count(len(people), target)
    sizes = [len(room) for room in rooms]
    assert max(sizes) - min(sizes) <= 1, sizes


def test_mix_room_count_rounds_halves_up_and_is_at_least_one():
    assert mixed_room_count(10, 4) == 3  # 2.5 rounds up: rooms of 3, 3 and 4 rather than two of 5
    assert mixed_room_count(9, 4) == 2
    assert mixed_room_count(1, 4) == 1
    assert mixed_room_count(21, 5) == 4


def test_mix_spreads_each_organization_over_as_many_rooms_as_possible():
    # Organization 0 has 10 people for 5 rooms: exactly 2 per room; the others at most one per room.
    people = cohort((10, 4, 3, 3), regions=["Europe", "Africa"])
    org_of = {p.key: p.organization for p in people}
    for seed in range(20):
        rooms = assign_rooms(people, target_size=4, strategy=MIX, seed=seed)
        assert len(rooms) == 5
        for organization, members in Counter(org_of.values()).items():
            counts = [sum(org_of[key] == organization for key in room) for room in rooms]
            assert max(counts) - min(counts) <= 1, (seed, organization, counts)
            assert sum(1 for c in counts if c) == min(members, len(rooms))


def test_mix_counts_an_organization_with_two_groups_as_one():
    people = cohort((3, 3, 6), organizations=["Transit Union", "transit  union", "Other"])
    org_of = {p.key: p.group < 2 for p in people}  # True for the union's two groups
    rooms = assign_rooms(people, target_size=2, strategy=MIX, seed=11)
    assert [sum(org_of[key] for key in room) for room in rooms] == [1] * 6


def test_mix_balances_regions_across_rooms():
    people = cohort((4, 4, 4, 4, 4, 4), organizations=[f"O{i}" for i in range(6)])
    regions = ["America", "America", "Europe", "Europe", "Asia", "Asia"]
    people = [Person(p.key, p.group, p.organization, regions[p.group]) for p in people]
    region_of = {p.key: p.region for p in people}
    rooms = assign_rooms(people, target_size=4, strategy=MIX, seed=5)
    for room in rooms:
        assert sorted(Counter(region_of[key] for key in room).values()) == [1, 1, 2], room


def test_mix_keeps_people_who_share_no_language_apart_when_the_sizes_allow():
    people = cohort((4, 4, 4, 4), languages=[{"es"}, {"es", "en"}, {"pt"}, {"pt"}])
    speaks = {p.key: p.languages for p in people}
    rooms = assign_rooms(people, target_size=4, strategy=MIX, seed=2)
    for room in rooms:
        assert frozenset.intersection(*(speaks[key] for key in room)), room
    # ...and the Spanish speakers of the two organizations are mixed.
    assert all(len({key // 4 for key in room}) == 2 for room in rooms)


def test_a_language_everyone_shares_does_not_split_the_cohort():
    people = cohort((6, 6), languages=[{"bn", "en"}, {"en", "es"}])
    rooms = assign_rooms(people, target_size=4, strategy=MIX, seed=9)
    assert all({key // 6 for key in room} == {0, 1} for room in rooms)


def test_same_input_and_seed_give_the_same_rooms_whatever_the_input_order():
    people = cohort((7, 5, 9, 3), regions=["Europe", "Asia", None], languages=[{"en"}, {"en"}, {"en", "fr"}, {"fr"}])
    for strategy in RoomStrategy:
        first = assign_rooms(people, target_size=4, strategy=strategy, seed=42)
        again = assign_rooms(list(people), target_size=4, strategy=strategy, seed=42)
        assert first == again
        if strategy == MIX:
            assert assign_rooms(list(reversed(people)), target_size=4, strategy=strategy, seed=42) == first


def test_different_seeds_usually_give_different_rooms():
    people = cohort((8, 8, 8, 8))
    for strategy in RoomStrategy:
        results = {
            tuple(tuple(sorted(room)) for room in assign_rooms(people, target_size=4, strategy=strategy, seed=seed))
            for seed in range(10)
        }
        assert len(results) >= 8, strategy


def test_ten_thousand_participants_are_placed():
    regions = ["America", "Europe", "Africa", "Asia", "Australia", None]
    languages = [{"en"}, {"en", "es"}, {"es"}, {"bn", "en"}, set(), {"pt"}]
    people = [
        Person(
            key=key,
            group=key // 12,
            organization=f"Organization {key // 36}",
            region=regions[key % 6],
            languages=frozenset(languages[(key // 12) % 6]),
        )
        for key in range(10_000)
    ]
    for strategy in RoomStrategy:
        rooms = assign_rooms(people, target_size=5, strategy=strategy, seed=1)
        assert_everyone_once(people, rooms)
        sizes = [len(room) for room in rooms]
        assert max(sizes) - min(sizes) <= 1 if strategy == MIX else max(sizes) <= 5


def test_no_people_no_rooms_and_bad_arguments_are_refused():
    assert assign_rooms([], target_size=4, strategy=MIX, seed=1) == []
    with pytest.raises(ValueError):
        assign_rooms(cohort((3,)), target_size=1, strategy=MIX, seed=1)
    with pytest.raises(ValueError):
        assign_rooms(cohort((3,)), target_size=3, strategy="alphabetical", seed=1)
    with pytest.raises(ValueError):
        assign_rooms([Person(1, 1), Person(1, 2)], target_size=2, strategy=KEEP, seed=1)


@pytest.mark.parametrize(
    ("zone", "region"),
    [
        ("America/Argentina/Buenos_Aires", "America"),
        ("Europe/Berlin", "Europe"),
        ("Africa/Lagos", "Africa"),
        ("Pacific/Auckland", "Pacific"),
        ("US/Pacific", "America"),
        ("UTC", None),
        ("Etc/GMT+3", None),
        ("", None),
        (None, None),
    ],
)
def test_region_is_the_first_part_of_the_time_zone(zone, region):
    assert region_of_timezone(zone) == region


def test_languages_are_read_from_free_text():
    assert parse_languages("es, EN") == {"es", "en"}
    assert parse_languages("Spanish / English; Tagalog") == {"spanish", "english", "tagalog"}
    assert parse_languages(None) == frozenset()


@pytest.mark.parametrize("strategy", list(RoomStrategy))
def test_people_sharing_a_screen_sit_with_their_host_and_sizes_hold(strategy):
    # Each group of 6: person 0 of the group hosts the group's last two people, who have no account.
    people = []
    for group in range(5):
        first = group * 6
        for key in range(first, first + 6):
            host = first if key >= first + 4 else None
            people.append(Person(key, group, f"Organization {group}", "Europe", frozenset({"en"}), companion_of=host))
    for seed in range(10):
        rooms = assign_rooms(people, target_size=4, strategy=strategy, seed=seed)
        assert_everyone_once(people, rooms)
        room_of = {key: index for index, room in enumerate(rooms) for key in room}
        for person in people:
            if person.companion_of is not None:
                assert room_of[person.key] == room_of[person.companion_of], (seed, person.key)
        sizes = [len(room) for room in rooms]
        if strategy == MIX:
            assert max(sizes) - min(sizes) <= 1 and len(rooms) == 8
        else:
            assert sizes == [3, 3] * 5
            assert all(len({key // 6 for key in room}) == 1 for room in rooms)


def test_a_cohorts_working_languages_decide_what_each_person_is_balanced_by():
    assert balanced_languages(frozenset({"pt", "es"}), []) == {"pt", "es"}  # none declared: all they speak
    assert balanced_languages(frozenset({"es", "en", "fr"}), ["es", "en"]) == {"es", "en"}
    assert balanced_languages(frozenset({"pt", "en"}), ["es", "en"]) == {"en"}
    assert balanced_languages(frozenset({"pt"}), ["es", "en"]) == {"es"}  # none of the cohort's: its first
    assert balanced_languages(frozenset(), ["fr"]) == {"fr"}  # unknown: the cohort's first too


def test_a_language_is_known_by_its_code_its_variant_or_its_name():
    assert [base_language(e) for e in ("es", "ES-mx", "pt_BR", "Portuguese", "português", "kiswahili")] == [
        "es",
        "es",
        "pt",
        "pt",
        "pt",
        "sw",
    ]
    assert base_language("klingon") is None
