"""On one machine the edges come first: the gateway and the pages at normal priority, the services and the servers
below them (decision 0034), and that order must hold for the kernel too, not only in ``ps``.

Where the processes share the root cpu cgroup with the kernel's autogroups on, niceness orders nothing: every
session is weighed alike, and PostgreSQL starts each backend in a session of its own. The launchers
(``deploy/local/servers.sh``, ``cli/stack.py``) then put what they start into a cpu cgroup of their own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from borgerplan_cli.servers import Servers
from borgerplan_cli.stack import EDGES, niceness_counts
from borgerplan_cli.system import System

pytestmark = pytest.mark.e2e


def nice(pid: int) -> int:
    # /proc/PID/stat: the command sits in parentheses and may hold spaces; niceness is the 17th field after it
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from one reading of /proc."""
    below: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            parent = next(line for line in status.read_text().splitlines() if line.startswith("PPid:"))
        except OSError:
            continue  # ended while we looked
        below.setdefault(int(parent.split()[1]), []).append(int(status.parent.name))
    found, todo = [], [pid]
    while todo:
        children = below.get(todo.pop(), [])
        found += children
        todo += children
    return found


def skip_unless_groupable() -> None:
    if os.geteuid() != 0 and not niceness_counts():
        pytest.skip("autogroups in the root cpu cgroup, and only root may make a cpu cgroup here")


def test_the_services_niceness_orders_them(system: System) -> None:
    skip_unless_groupable()
    for name, process in system.stack.processes.items():
        assert niceness_counts(process.pid), f"{name}'s niceness counts for nothing here"
        assert (nice(process.pid) == 0) == (name in EDGES), f"{name} runs at nice {nice(process.pid)}"


def test_the_servers_and_every_database_backend_sit_below_the_edges(servers: Servers) -> None:
    if servers.origin != "local-script":
        pytest.skip("only the project's own servers are started (and prioritised) by the project")
    skip_unless_groupable()
    pids = servers.local_pids
    assert {"postgres", "ferretdb", "kafka"} <= pids.keys(), pids
    backends = descendants(pids["postgres"])
    # the checkpointer, the writers, the launchers, FerretDB's connections: else not the server this test means
    assert len(backends) >= 3, f"PostgreSQL (pid {pids['postgres']}) has {len(backends)} children"
    for pid in [*pids.values(), *backends]:
        try:
            name, niceness = Path(f"/proc/{pid}/comm").read_text().strip(), nice(pid)
        except FileNotFoundError:
            continue  # a backend that ended meanwhile
        assert niceness_counts(pid), f"{name} (pid {pid}): its niceness counts for nothing here"
        assert niceness > 0, f"{name} (pid {pid}) runs at nice {niceness}, as high as the gateway"
