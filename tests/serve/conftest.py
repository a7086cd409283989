"""Databases for the service tests: a SQLite file per test and a real PostgreSQL server per session.

Fixtures:
    pg_url: the URL of a PostgreSQL server that this session started (``initdb`` into a temporary folder,
        ``pg_ctl start`` on 127.0.0.1 and a free port, stopped at the end). Each test that asks for it
        gets a fresh, empty database on that server.
    db_url: parametrised over ``"sqlite"`` and ``"postgresql"``: a fresh SQLite file, or ``pg_url``.
        A test that takes it runs once per backend.

The server binaries are looked up in this order: ``WHYREC_PG_BINDIR``, ``pg_config --bindir``,
``/usr/lib/postgresql/<newest>/bin``, ``initdb`` on PATH. When none is found the PostgreSQL cases skip,
except when ``CI=true``: there they fail, because CI must test PostgreSQL (``make test`` installs it
in CI, see the Makefile's ``ci-postgres`` target). PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` system user (created when missing).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_PG_USER = "postgres"
_CI = os.environ.get("CI", "").lower() == "true"
_db_counter = itertools.count()


def _has_server(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def find_pg_bindir() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, or None when this machine has no server."""
    candidates: list[Path] = []
    if os.environ.get("WHYREC_PG_BINDIR"):
        candidates.append(Path(os.environ["WHYREC_PG_BINDIR"]))
    if shutil.which("pg_config"):
        # pg_config may come from libpq-dev alone, whose bindir has no server: _has_server checks
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)]
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb") or "").resolve().parent)
    return next((c for c in candidates if _has_server(c)), None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class _Runner:
    """Runs the server binaries, as the ``postgres`` user when this process is root."""

    bindir: Path
    user: pwd.struct_passwd | None

    def _as_user(self) -> tuple[dict[str, object], dict[str, str]]:
        kwargs: dict[str, object] = {}
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
            env["HOME"] = self.user.pw_dir
        return kwargs, env

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        kwargs, env = self._as_user()
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,  # type: ignore[call-overload]
                                cwd="/", check=False, **kwargs)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def watchdog(self, data: Path, root: Path) -> subprocess.Popen[bytes]:
        """A detached shell that stops the server and removes `root` if this test process dies unfinished
        (killed by a timeout, say), so that no server outlives its session."""
        script = (f'while [ -d /proc/{os.getpid()} ]; do sleep 1; done; '
                  f'"{self.bindir / "pg_ctl"}" -D "{data}" -m immediate -w stop >/dev/null 2>&1; rm -rf "{root}"')
        kwargs, env = self._as_user()
        return subprocess.Popen(["/bin/sh", "-c", script], env=env, cwd="/",  # type: ignore[call-overload]
                                start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, **kwargs)


def _server_user() -> pwd.struct_passwd | None:
    """None when not root; else the postgres system user, created when missing."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(_PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", _PG_USER], check=True, capture_output=True)
        return pwd.getpwnam(_PG_USER)


def _missing(reason: str) -> None:
    if _CI:
        pytest.fail(f"{reason} CI=true: the tests must run against PostgreSQL; `make test` installs it with apt-get "
                    "in CI (Makefile target ci-postgres).", pytrace=False)
    pytest.skip(f"{reason} Install the server (Debian: apt-get install postgresql) or set WHYREC_PG_BINDIR.")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server started for this test session; yields its admin URL (database ``postgres``)."""
    bindir = find_pg_bindir()
    if bindir is None:
        _missing("No PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine.")
        return
    run = _Runner(bindir, _server_user())
    root = Path(tempfile.mkdtemp(prefix="whyrec-pg-"))
    if run.user is not None:
        os.chown(root, run.user.pw_uid, run.user.pw_gid)
    data, log = root / "data", root / "server.log"
    run("initdb", "-D", str(data), "-U", _PG_USER, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
    # fsync off: a test server, thrown away at the end; killing a client (the durability test) is unaffected
    port = 0
    for _attempt in range(3):  # a free port can be taken between the probe and the start
        port = _free_port()
        opts = f"-k {root} -p {port} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
        started = run("pg_ctl", "-D", str(data), "-o", opts, "-l", str(log), "-w", "-t", "60", "start", check=False)
        if started.returncode == 0:
            break
    else:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL ({bindir}) did not start:\n{started.stdout}{started.stderr}\n{tail}", pytrace=False)
    guard = run.watchdog(data, root)
    try:
        yield f"postgresql+psycopg://{_PG_USER}@127.0.0.1:{port}/postgres"
    finally:
        guard.kill()
        guard.wait()
        run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the session's server, dropped after the test."""
    import psycopg

    admin = pg_server.replace("postgresql+psycopg://", "postgresql://")
    name = f"whyrec_test_{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL, once per backend: a SQLite file in ``tmp_path``, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'whyrec.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))
