"""Requests that must arrive at the same instant, for the race tests against a real server."""

from __future__ import annotations

import threading
from collections.abc import Callable


def race(actions: list[Callable[[], Callable[[], object]]]) -> list:
    """Run the callables at the same instant, each in its own thread; their results in order.

    Each action does its preparation (logging in, reading the form) when called and returns the final step, which
    every thread takes only once all are ready (a barrier)."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int) -> None:
        final_step = actions[index]()
        barrier.wait()
        results[index] = final_step()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
