"""Start, watch and stop the five services and the pages as local processes (``borgerplan dev`` and the e2e tests)."""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("plan", "meetings", "consent", "notify", "outreach", "gateway", "web")
DEFAULT_PORTS = {
    "gateway": 8000,
    "plan": 8001,
    "meetings": 8002,
    "consent": 8003,
    "notify": 8004,
    "outreach": 8005,
    "web": 8080,
}


# The edges (the public API and the pages) run at normal priority, the services behind them lower
# (``BORGERPLAN_SERVICE_NICE``, default 5; the local servers likewise, ``BORGERPLAN_SERVER_NICE``). On one machine
# every process shares the same cores: under a burst the work the gateway admitted would otherwise take the CPU it
# needs to refuse the rest at once (decision 0034). Idle or at ordinary load it changes nothing. In a cluster each
# has its own CPU instead. For the niceness to count, the launcher first joins the servers' cpu cgroup where the
# kernel would otherwise weigh each session alike (``join_cpu_group``).
EDGES = ("gateway", "web")


def niceness(service: str) -> int:
    return 0 if service in EDGES else int(os.environ.get("BORGERPLAN_SERVICE_NICE", "5"))


@functools.cache
def join_cpu_group() -> None:
    """Put this process (and so the services it starts) where niceness counts: on a machine whose processes share the
    root cpu cgroup with the kernel's autogroups on, every session weighs the same whatever its niceness (the
    servers script's ``join_cpu_group`` says more). Once per process; nothing to do elsewhere."""
    servers("join-cpu-group", str(os.getpid()))


def niceness_counts(pid: int | str = "self") -> bool:
    """Whether the process's niceness orders it among the others: not so when it sits in the root cpu cgroup with the
    kernel's autogroups on (then each session is weighed alike)."""
    try:
        autogroups = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return True
    # "N:controllers:path"; the cpu controller's line (cgroup v1), else the unified hierarchy's ("0::path")
    cpu = [line.split(":", 2)[2] for line in lines if "cpu" in line.split(":", 2)[1].split(",")]
    unified = [line.split(":", 2)[2] for line in lines if line.startswith("0::")]
    return not autogroups or (cpu or unified) != ["/"]


def data_dir() -> Path:
    return Path(os.environ.get("BORGERPLAN_DATA_DIR", ROOT / ".data"))


def servers_script() -> Path:
    return ROOT / "deploy" / "local" / "servers.sh"


def servers(*args: str, env: Mapping[str, str] | None = None) -> str:
    """Run the local servers script and return what it prints on stdout."""
    result = subprocess.run(
        ["bash", str(servers_script()), *args],
        check=True,
        text=True,
        stdout=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    return result.stdout


def server_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Where the local servers of the instance ``env`` names (default: this checkout's) are reached."""
    pairs = (line.split("=", 1) for line in servers("env", env=env).splitlines() if "=" in line)
    return dict(pairs)


def free_port() -> int:
    """A TCP port on the loopback nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class ServiceStack:
    """The five services on the given ports, configured by ``env`` (servers, namespace)."""

    env: dict[str, str]
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    run_dir: Path = field(default_factory=lambda: data_dir() / "run")
    log_dir: Path = field(default_factory=lambda: data_dir() / "logs")
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # where people reach the API and the pages, when not on the processes' own ports (the edge's, decision 0040)
    public_urls: dict[str, str] = field(default_factory=dict)

    def service_env(self, service: str) -> dict[str, str]:
        urls = {
            f"BORGERPLAN_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in self.ports.items()
        }
        # the pages: where people reach them, and the demo citizen their development sign-in offers
        pages = (
            {
                "BORGERPLAN_WEB_PUBLIC_URL": self.public_url("web"),
                "BORGERPLAN_WEB_DEMO_FILE": str(data_dir() / "demo.json"),
            }
            if "web" in self.ports
            else {}
        )
        return {
            **os.environ,
            **pages,
            **self.env,
            **urls,
            "BORGERPLAN_SERVICE_NAME": service,
            "BORGERPLAN_PUBLIC_BASE_URL": self.public_url("gateway"),
        }

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def public_url(self, service: str) -> str:
        return self.public_urls.get(service, f"http://localhost:{self.ports[service]}")

    def pid_file(self, service: str) -> Path:
        return self.run_dir / f"service-{service}.pid"

    def start(self, service: str) -> None:
        join_cpu_group()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"service-{service}.log").open("ab")
        lowered = niceness(service)
        process = subprocess.Popen(
            [
                # nice(1) execs the command, so the pid is the service's own
                *(["nice", "-n", str(lowered)] if lowered > 0 else []),
                sys.executable,
                "-m",
                "borgerplan_plumbing.serve",  # uvicorn with the guarded door (decision 0041)
                f"{service}_service.bootstrap:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[service]),
                "--timeout-graceful-shutdown",
                "5",
            ],
            env=self.service_env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[service] = process
        self.pid_file(service).write_text(str(process.pid))

    def start_all(self) -> None:
        for service in SERVICES:
            self.start(service)

    def wait_ready(self, services: tuple[str, ...] = SERVICES, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services)
        while pending:
            service = pending[0]
            process = self.processes.get(service)
            if process is not None and process.poll() is not None:
                raise RuntimeError(
                    f"{service} exited with {process.returncode}; see {self.log_dir}/service-{service}.log"
                )
            try:
                if httpx.get(f"{self.url(service)}/readyz", timeout=2.0).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{service} not ready within {timeout:.0f}s; see {self.log_dir}/service-{service}.log"
                )
            time.sleep(0.3)

    def stop(self, service: str) -> None:
        pid_file = self.pid_file(service)
        process = self.processes.pop(service, None)
        pid = process.pid if process else (int(pid_file.read_text()) if pid_file.exists() else None)
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pid_file.unlink(missing_ok=True)
            return
        for _ in range(100):
            if process is not None and process.poll() is not None:
                break
            if process is None and not _alive(pid):
                break
            time.sleep(0.1)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        pid_file.unlink(missing_ok=True)

    def kill(self, service: str) -> None:
        """SIGKILL at once, no shutdown: whatever the process was doing is left half done, as in a crash."""
        process = self.processes.pop(service)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
        self.pid_file(service).unlink(missing_ok=True)

    def stop_all(self) -> None:
        for service in reversed(SERVICES):
            self.stop(service)

    def running(self, service: str) -> bool:
        pid_file = self.pid_file(service)
        return pid_file.exists() and _alive(int(pid_file.read_text()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
