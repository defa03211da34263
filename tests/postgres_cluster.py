"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary directory, on a free port.

initdb refuses to run as root, so as root the cluster belongs to the `postgres`
user. The database is UTF-8 with LC_CTYPE C.UTF-8: under plain C, pg_trgm
makes no trigrams of Japanese text.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the cluster would not start."""


@dataclass
class Cluster:
    directory: Path
    port: int
    run_as: str | None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        _run(
            self.run_as, [_binary("pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "stop"], check=False
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def _binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or (
        [shutil.which(name)] if shutil.which(name) else []
    )
    if not found:
        raise PostgresUnavailable(f"no `{name}` found: install the PostgreSQL server (e.g. apt-get install postgresql)")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(run_as: str | None, command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", run_as, "--"] if run_as else []
    done = subprocess.run(prefix + command, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise PostgresUnavailable(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")
    return done


def start_cluster() -> Cluster:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root and there is no `postgres` user to own the cluster") from None
        run_as = "postgres"
    directory = Path(tempfile.mkdtemp(prefix="remarks-pg-"))
    if run_as:
        shutil.chown(directory, user=run_as)
    data = directory / "data"
    _run(run_as, [initdb, "-D", str(data), "-E", "UTF8", "--locale=C.UTF-8", "-A", "trust", "-U", "postgres"])
    port = _free_port()
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run(run_as, [pg_ctl, "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "-t", "60", "start"])
    cluster = Cluster(directory, port, run_as)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return cluster
        time.sleep(0.1)
    cluster.stop()
    raise PostgresUnavailable(f"PostgreSQL did not accept connections on port {port}")
