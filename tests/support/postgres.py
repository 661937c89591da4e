"""Start a throw-away PostgreSQL server for the tests (initdb/pg_ctl in a temp dir)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def _bindir() -> str | None:
    for name in ("pg_ctl",):
        found = shutil.which(name)
        if found:
            return os.path.dirname(os.path.realpath(found))
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return os.path.dirname(candidates[0]) if candidates else None


def available() -> bool:
    d = _bindir()
    return bool(d and os.path.exists(os.path.join(d, "initdb")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bindir = _bindir()
        self.base = tempfile.mkdtemp(prefix="beteiligung-pg-")
        self.datadir = os.path.join(self.base, "data")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres"

    def _run(self, *args):
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.base)

    def start(self):
        if not self.bindir:
            raise RuntimeError("PostgreSQL-Programme (initdb, pg_ctl) nicht gefunden")
        os.chmod(self.base, 0o755)
        if self.as_root:
            pw = pwd.getpwnam(self.user)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", self.datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        # The free port is only reserved until we close the probe socket; if another process
        # takes it before the server binds, start again on a new port.
        for attempt in range(3):
            options = (
                f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                # a statement waiting for a lock autovacuum holds cancels the autovacuum after this long (default 1 s)
                "-c deadlock_timeout=50ms"
            )
            try:
                self._run(
                    "pg_ctl", "-D", self.datadir, "-o", options, "-l", os.path.join(self.base, "log"), "-w", "start"
                )
                return
            except subprocess.CalledProcessError:
                if attempt == 2:
                    with open(os.path.join(self.base, "log"), errors="replace") as fh:
                        raise RuntimeError("PostgreSQL startete nicht:\n" + fh.read()[-2000:]) from None
                self.port = free_port()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self):
        try:
            self._run("pg_ctl", "-D", self.datadir, "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)
