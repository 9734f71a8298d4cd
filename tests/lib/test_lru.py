"""The bounded store behind the cohort snapshots, the kept fragments and the public page cache."""

from app.lib.lru import LockedLRU


def test_the_least_recently_used_entry_goes_first_when_full():
    store = LockedLRU(2)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # "a" is now the most recently used
    store.put("c", 3)
    assert (store.get("a"), store.get("b"), store.get("c")) == (1, None, 3)
    assert len(store) == 2


def test_discard_leaves_a_newer_value_in_place():
    store = LockedLRU(4)
    stale, fresh = object(), object()
    store.put("page", stale)
    store.put("page", fresh)  # another thread refreshed it meanwhile
    store.discard("page", stale)
    assert store.get("page") is fresh
    store.discard("page", fresh)
    assert store.get("page") is None
