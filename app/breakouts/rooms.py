"""Assigning participants to breakout rooms: a pure, deterministic algorithm (no database, no clock).

`assign_rooms(people, target_size=..., strategy=..., seed=...)` takes plain descriptors and returns the rooms as
lists of keys. The same people, size, strategy and seed always give the same rooms; another seed usually gives
others. Everything is sorting plus one pass, O(n log n): ten thousand people take a few tens of milliseconds.

Keep groups together
    Each registered group forms its own rooms, in the order the groups first appear in the input (registration
    order). A group of n people is split into ceil(n / target) rooms whose sizes differ by at most one, so a group
    smaller than the target is one room. Inside a group, people are dealt round-robin from a seeded order sorted by
    region, so a group spread over continents does not end up with one continent per room.

Mix organizations
    round(n / target) rooms (halves round up, so rooms err on the small side; at least one), whose sizes differ by
    at most one across the whole cohort. The choices, in order of priority:

    1. Language first: people must be able to talk. Language "buckets" are chosen greedily, as a small set cover:
       the language the most people speak takes everyone who speaks it, then the next one among those left, and
       so on. When one language is shared by everybody who gave any (the usual case) there is a single bucket.
       People whose languages are unknown join the largest bucket. (The caller gives each person their group's
       languages, or the language of their profile when the group names none. When a cohort declares working
       languages, the caller passes each person's languages through `balanced_languages` first: only working
       languages count, and nobody is left without one.) Each bucket is laid out in turn, and rooms are cut from
       that layout in order, so a room lies inside one bucket except at most one room per boundary
       between buckets (a trainer can move someone there).
    2. Organizations spread: inside a bucket people are sorted by (the organization's main region, organization in
       a seeded order, region, seeded tie-break) and dealt round-robin over the bucket's rooms. Each organization is
       then one contiguous run of the deal, so its m members land in min(m, rooms) different rooms and no room gets
       two more of them than another: the best spread possible. (Hosts of shared screens, below, are dealt before
       everyone else, so that no two share a room while there are rooms enough; each can add one to a room's count
       of their organization.)
    3. Regions balanced: because organizations of one region are next to each other in that order, each region is
       also (nearly) one run and is dealt evenly over the rooms. Regions come from the first part of an IANA time
       zone ("America/Lima" -> "America"); people without a known zone have region None and are spread like the
       rest.

    Room sizes are fixed before dealing (the first n mod k rooms take one more person), and every room takes its
    share of each bucket it overlaps, so the size rule holds whatever the languages.

People sharing a screen (both strategies)
    Someone without an account takes part on a member of their group's screen (`companion_of` names that host).
    After dealing, each companion who landed elsewhere is swapped with someone unattached in the host's room (of
    the same organization when possible, so every room keeps its mix), so sizes stay as they were. When the host's
    room has nobody to swap, the host moves to the companion's room instead, if nobody sits with them yet; failing
    both, the companion stays where they are and the trainer can move them.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from app.breakouts.models import RoomStrategy

# Legacy IANA names ("US/Pacific", "Brazil/East") mapped to the continent their zones are on.
_LEGACY_REGIONS = {"US": "America", "Canada": "America", "Brazil": "America", "Mexico": "America", "Chile": "America"}
_REGIONS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
_LANGUAGE_SEPARATORS = re.compile(r"[\s,;/|]+")


@dataclass(frozen=True, slots=True)
class Person:
    """One participant as the algorithm sees them. `key` identifies them in the result (keys must be sortable
    among themselves, e.g. all integers); `group` is their registered group."""

    key: Hashable
    group: Hashable
    organization: str = ""
    region: str | None = None
    languages: frozenset[str] = field(default_factory=frozenset)
    companion_of: Hashable | None = None  # the key of the person whose screen they share, to sit in their room


def region_of_timezone(zone: str | None) -> str | None:
    """The region of an IANA time zone name: "Europe/Berlin" -> "Europe"; None for "UTC", "Etc/GMT+3" or nothing."""
    if not zone or "/" not in zone:
        return None
    first = zone.split("/", 1)[0]
    if first in _REGIONS:
        return first
    return _LEGACY_REGIONS.get(first)


def parse_languages(text: str | None) -> frozenset[str]:
    """A group's free-text language list ("es, en" or "Spanish / English") as a set of lower-case names."""
    return frozenset(part.lower() for part in _LANGUAGE_SEPARATORS.split(text or "") if part)


def balanced_languages(spoken: frozenset[str], working: Sequence[str]) -> frozenset[str]:
    """The languages a participant's room is chosen by, in a cohort whose declared working languages are `working`
    (the main one first). Without any, all the participant speaks. With them, those of the cohort's languages the
    participant speaks; someone who speaks none of them, or whose group gave none, is balanced as a speaker of the
    first working language: that is the one the cohort is run in, and rooms are never formed in a language the
    cohort does not work in."""
    if not working:
        return spoken
    shared = spoken & set(working)
    return frozenset(shared) if shared else frozenset({working[0]})


def room_sizes(count: int, rooms: int) -> list[int]:
    """`count` people in `rooms` rooms whose sizes differ by at most one, larger rooms first."""
    base, extra = divmod(count, rooms)
    return [base + 1 if index < extra else base for index in range(rooms)]


def mixed_room_count(count: int, target_size: int) -> int:
    """round(count / target_size) with halves rounded up, and at least one room."""
    return max(1, (2 * count + target_size) // (2 * target_size))


def assign_rooms(
    people: Iterable[Person], *, target_size: int, strategy: RoomStrategy | str, seed: int
) -> list[list[Hashable]]:
    """The rooms, in order, each a list of keys. Raises ValueError for a target size below two, an unknown
    strategy or a key that appears twice."""
    if target_size < 2:
        raise ValueError("target_size must be at least 2")
    strategy = RoomStrategy(strategy)
    people = list(people)
    if len({p.key for p in people}) != len(people):
        raise ValueError("every person needs a distinct key")
    if not people:
        return []
    rng = random.Random(seed)
    organization_of = {p.key: _organization_key(p) for p in people}
    if strategy == RoomStrategy.KEEP_GROUPS:
        rooms = _keep_groups(people, target_size, rng)
    else:
        rooms = _mix_organizations(people, target_size, rng, organization_of)
    return _seat_companions(people, rooms, organization_of)


def _seat_companions(
    people: list[Person], rooms: list[list[Hashable]], organization_of: dict[Hashable, Hashable]
) -> list[list[Hashable]]:
    """Swap each person sharing a screen into their host's room (see the module's docstring).

    Whom to swap out of the host's room, best first: someone unattached of the same organization (both rooms keep
    their mix), a companion whose own host is in the room being left (both end up seated), anyone unattached, a
    companion not seated with their host anyway. When none is left, the host moves instead, if nobody is seated
    with them yet. Each step looks at two rooms only, so the work is linear in the number of people."""
    hosts = _hosts(people)
    host_of = {p.key: p.companion_of for p in people if p.companion_of in hosts and p.companion_of != p.key}
    if not host_of:
        return rooms
    room_of = {key: index for index, room in enumerate(rooms) for key in room}

    def seated(key: Hashable) -> bool:
        return key in host_of and room_of[key] == room_of[host_of[key]]

    def swap(first: Hashable, second: Hashable) -> None:
        a, b = room_of[first], room_of[second]
        rooms[a][rooms[a].index(first)] = second
        rooms[b][rooms[b].index(second)] = first
        room_of[first], room_of[second] = b, a

    def best_swap(person: Hashable, room: int) -> Hashable | None:
        """Who in `room` should give their seat to `person` (coming from room_of[person]), or None."""
        ranked = []
        for key in rooms[room]:
            if key in hosts or seated(key) or host_of.get(key) == person:
                continue
            if key in host_of:  # a companion away from their host: best if their host is where they would go
                ranked.append((1 if room_of[host_of[key]] == room_of[person] else 3, key))
            else:
                ranked.append((0 if organization_of[key] == organization_of[person] else 2, key))
        return min(ranked, key=lambda pair: pair[0])[1] if ranked else None

    for companion in sorted(host_of):  # sorted: the result must not depend on the order people were given in
        host = host_of[companion]
        if seated(companion):
            continue
        out = best_swap(companion, room_of[host])
        if out is not None:
            swap(companion, out)
            continue
        nobody_with_host = not any(host_of.get(key) == host for key in rooms[room_of[host]])
        out = best_swap(host, room_of[companion]) if nobody_with_host else None
        if out is not None:
            swap(host, out)
    return rooms


def _hosts(people: list[Person]) -> set[Hashable]:
    keys = {p.key for p in people}
    return {p.companion_of for p in people if p.companion_of in keys and p.companion_of != p.key}


def _seeded_order(people: Sequence[Person], rng: random.Random) -> dict[Hashable, int]:
    """A random rank per person from the seed, independent of the order the people were given in."""
    keys = sorted(p.key for p in people)
    rng.shuffle(keys)
    return {key: rank for rank, key in enumerate(keys)}


def _deal(ordered: Sequence[Person], sizes: Sequence[int]) -> list[list[Hashable]]:
    """Round-robin over the rooms that still have room: consecutive people go to different rooms.

    Each pass gives one person to every open room, so the work is linear in the number of people."""
    rooms: list[list[Hashable]] = [[] for _ in sizes]
    open_rooms = [index for index, size in enumerate(sizes) if size > 0]
    position = 0
    while position < len(ordered) and open_rooms:
        for index in open_rooms:
            if position == len(ordered):
                break
            rooms[index].append(ordered[position].key)
            position += 1
        open_rooms = [index for index in open_rooms if len(rooms[index]) < sizes[index]]
    return rooms


def _keep_groups(people: list[Person], target_size: int, rng: random.Random) -> list[list[Hashable]]:
    rank = _seeded_order(people, rng)
    hosts = _hosts(people)
    by_group: dict[Hashable, list[Person]] = {}
    for person in people:
        by_group.setdefault(person.group, []).append(person)
    rooms: list[list[Hashable]] = []
    for members in by_group.values():
        members.sort(key=lambda p: (p.key not in hosts, p.region or "", rank[p.key]))
        count = math.ceil(len(members) / target_size)
        rooms.extend(_deal(members, room_sizes(len(members), count)))
    return rooms


def _language_buckets(people: list[Person]) -> list[list[Person]]:
    """People split by a language they share (see the module's docstring), largest bucket first."""
    remaining = [p for p in people if p.languages]
    unknown = [p for p in people if not p.languages]
    buckets: list[tuple[str, list[Person]]] = []
    while remaining:
        speakers = Counter(language for p in remaining for language in p.languages)
        language = min(speakers, key=lambda name: (-speakers[name], name))
        buckets.append((language, [p for p in remaining if language in p.languages]))
        remaining = [p for p in remaining if language not in p.languages]
    buckets.sort(key=lambda bucket: (-len(bucket[1]), bucket[0]))
    if not buckets:
        return [unknown]
    buckets[0][1].extend(unknown)
    return [members for _, members in buckets]


def _mix_organizations(
    people: list[Person], target_size: int, rng: random.Random, organization_of: dict[Hashable, Hashable]
) -> list[list[Hashable]]:
    rank = _seeded_order(people, rng)
    organizations = sorted(set(organization_of.values()), key=repr)
    rng.shuffle(organizations)
    organization_rank = {name: index for index, name in enumerate(organizations)}
    regions_of: defaultdict[Hashable, Counter] = defaultdict(Counter)
    for person in people:
        regions_of[organization_of[person.key]][person.region or ""] += 1
    main_region = {name: min(counts, key=lambda r: (-counts[r], r)) for name, counts in regions_of.items()}

    hosts = _hosts(people)

    def order(person: Person) -> tuple:
        # Hosts of shared screens first, so that they are dealt to different rooms with seats for their companions.
        organization = organization_of[person.key]
        return (
            person.key not in hosts,
            main_region[organization],
            organization_rank[organization],
            person.region or "",
            rank[person.key],
        )

    sizes = room_sizes(len(people), mixed_room_count(len(people), target_size))
    rooms: list[list[Hashable]] = [[] for _ in sizes]
    start = 0  # the first seat of the layout not taken yet: room boundaries are cumulative sizes
    boundaries = [0]
    for size in sizes:
        boundaries.append(boundaries[-1] + size)
    for bucket in _language_buckets(people):
        bucket.sort(key=order)
        end = start + len(bucket)
        # This bucket takes seats [start, end) of the layout: its share of each room it overlaps.
        shares = [max(0, min(end, boundaries[i + 1]) - max(start, boundaries[i])) for i in range(len(sizes))]
        for index, keys in enumerate(_deal(bucket, shares)):
            rooms[index].extend(keys)
        start = end
    return rooms


def _organization_key(person: Person) -> Hashable:
    """Organizations compared by name, ignoring case and spacing; a group without one counts as its own."""
    name = " ".join(person.organization.split()).casefold()
    return name if name else ("group", person.group)
