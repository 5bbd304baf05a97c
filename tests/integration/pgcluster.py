"""PostgreSQL clusters of one's own on this machine: a primary and streaming replicas made with
the server's own tools (initdb, pg_basebackup -R, pg_ctl), on free local ports, in a temporary
directory removed afterwards. Used by tests/integration/test_replicas.py and bench/replicas.py.

PostgreSQL refuses to run as root: when this process is root, the server's commands run as the
`postgres` user (runuser), which owns the directory; the SQL itself goes over TCP on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

SERVER_USER = "postgres"
# Search these ports first (PG_CLUSTER_PORTS=55432-55499 by default), then any free port.
PORTS = os.environ.get("PG_CLUSTER_PORTS", "55432-55499")


def bindir() -> Path:
    """The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(taken: set[int]) -> int:
    low, _sep, high = PORTS.partition("-")
    for port in range(int(low), int(high or low) + 1):
        if port not in taken and _free(port):
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *command]
    return command


class Cluster:
    """One PostgreSQL cluster (a data directory and its server on `port`)."""

    def __init__(self, root: Path, name: str, port: int) -> None:
        self.root, self.name, self.port = root, name, port
        self.data = root / name
        self.log = root / f"{name}.log"

    def url(self, database: str = "registry") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *command: str) -> None:
        subprocess.run(
            _as_server_user([str(bindir() / command[0]), *command[1:]]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
        )

    def start(self) -> None:
        self.run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log))

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.run("pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.data))

    def sql(self, statement: str, params: tuple = (), database: str = "registry") -> list[tuple]:
        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


def _configure(cluster: Cluster) -> None:
    """The server's settings, in its own configuration file (a base backup copies the primary's,
    so each replica rewrites its port)."""
    with (cluster.data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"port = {cluster.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{cluster.root}'\n"
            "max_connections = 60\n"
            # Throw-away clusters: no durability to pay for.
            "fsync = off\nfull_page_writes = off\nshared_buffers = 32MB\n"
        )


def make_primary(root: Path, taken: set[int]) -> Cluster:
    port = free_port(taken)
    taken.add(port)
    primary = Cluster(root, "primary", port)
    primary.run(
        "initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8", "--no-sync",
    )  # fmt: skip
    _configure(primary)
    primary.start()
    primary.sql("CREATE DATABASE registry", database="postgres")
    return primary


def make_replica(primary: Cluster, name: str, taken: set[int]) -> Cluster:
    """A hot standby streaming from `primary` (pg_basebackup -R writes its standby.signal and
    primary_conninfo)."""
    port = free_port(taken)
    taken.add(port)
    replica = Cluster(primary.root, name, port)
    replica.run(
        "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
    )  # fmt: skip
    _configure(replica)
    replica.start()
    wait_replayed(primary, replica)
    return replica


def wait_replayed(primary: Cluster, replica: Cluster, timeout: float = 30.0) -> None:
    """Until the replica has replayed everything the primary has committed so far. A commit of
    its own first: on an idle primary the insert position may sit past a page header that no
    record follows yet, which a replica's replay position never reaches."""
    primary.sql("SELECT txid_current()")
    (position,) = primary.sql("SELECT pg_current_wal_insert_lsn()::text")[0]
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(psycopg.OperationalError):
            if replica.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (position,))[0][0]:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"replica on port {replica.port} did not catch up")
        time.sleep(0.05)


@contextlib.contextmanager
def clusters_root() -> Iterator[Path]:
    """A temporary directory the server user owns; removed with everything in it."""
    root = Path(tempfile.mkdtemp(prefix="registry-pg-"))
    try:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def load_dump(source_url: str, target: Cluster) -> None:
    """The schema and rows of `source_url` (e.g. the migrated test database) into the target's
    `registry` database: faster than migrating again."""
    dump = subprocess.run(
        [str(bindir() / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    subprocess.run(
        [str(bindir() / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", target.url()],
        input=dump,
        check=True,
        capture_output=True,
        timeout=120,
    )
