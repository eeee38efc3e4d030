"""Settling the heap once a service process has started: what exists then is frozen, later garbage is still
collected, and only a process of its own settles (a test run that starts many apps keeps its collector as it is).

Each check runs in a fresh interpreter: freezing pytest's own heap would outlive the test."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from borgerplan_plumbing.heap import YOUNG_THRESHOLD
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_settling_freezes_what_exists_and_raises_the_young_threshold() -> None:
    out = run_python(
        """
        import gc
        from borgerplan_plumbing.heap import settle_heap
        print(gc.get_freeze_count())
        settle_heap()
        print(gc.get_freeze_count(), gc.get_threshold()[0], gc.get_count()[0])
        """
    )
    before, after, young, pending = (int(x) for x in out.split())
    assert before == 0
    assert after > 1_000  # the imported modules' objects, now out of the collector's reach
    assert young == YOUNG_THRESHOLD
    assert pending < 100  # collected just before freezing


def test_garbage_made_after_settling_is_still_collected() -> None:
    out = run_python(
        """
        import gc, weakref
        from borgerplan_plumbing.heap import settle_heap
        settle_heap()
        class Node: pass
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        alive = weakref.ref(a)
        del a, b
        gc.collect()
        print(alive() is None)
        """
    )
    assert out == "True"


def test_only_an_app_that_is_its_own_process_settles_the_heap() -> None:
    runtime = ServiceRuntime(Settings(environment="test"), "plan", title="plan", kafka=False)
    assert runtime.app is not None
    assert runtime.own_process is False  # tests and in-process use: the collector is left alone
    assert runtime.process_app() is runtime.app
    assert runtime.own_process is True
