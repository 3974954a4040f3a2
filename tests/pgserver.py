"""A throwaway PostgreSQL + PostGIS server on loopback, for the tests and for CI.

``python -m tests.pgserver start DIR`` creates a cluster in DIR (``initdb``, trust
authentication on 127.0.0.1 only), starts it on a free port and prints its URL;
``python -m tests.pgserver stop DIR`` stops it. The tests start one themselves when
``GRIDHOUSE_TEST_BACKEND=postgis`` and no ``GRIDHOUSE_TEST_POSTGRES_URL`` is given.

PostgreSQL refuses to run as root: as root the server runs as the ``postgres`` user that
Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

URL_FILE = "url"


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for version in sorted(Path("/usr/lib/postgresql").glob("*"), reverse=True):
        candidate = version / "bin" / name
        if candidate.exists():
            return str(candidate)
    msg = f"{name} not found: install Debian's postgresql and postgresql-15-postgis-3"
    raise FileNotFoundError(msg)


def available() -> bool:
    """PostgreSQL's server programs and the PostGIS extension are installed."""
    try:
        _bin("initdb")
    except FileNotFoundError:
        return False
    return any(Path("/usr/share/postgresql").glob("*/extension/postgis.control"))


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(directory: Path) -> str:
    """Create and start a cluster in ``directory``; return its URL (database ``postgres``)."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
        directory.chmod(0o700)
    subprocess.run(
        _as_server_user(
            [
                _bin("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        " -c max_connections=200 -c shared_buffers=256MB"
    )
    subprocess.run(
        _as_server_user(
            [
                _bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(directory / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    (directory / URL_FILE).write_text(url, encoding="utf-8")
    return url


def stop(directory: Path) -> None:
    """Stop the cluster in ``directory`` (fast shutdown) if it runs."""
    data = directory / "data"
    if not (data / "postmaster.pid").exists():
        return
    subprocess.run(
        _as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        check=False,
        capture_output=True,
    )
    deadline = time.monotonic() + 30
    while (data / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.pgserver start|stop DIR", file=sys.stderr)
        return 2
    directory = Path(argv[1]).resolve()
    if argv[0] == "start":
        print(start(directory))
    else:
        stop(directory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
