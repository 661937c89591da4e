"""Podman for the container test (tests/betrieb/test_behaelter.py, `make test-behaelter`): a containers.conf that
works in a CI sandbox, the Debian base image built locally with debootstrap, and the image of deploy/Containerfile.

- No registry for base images is reachable here: debian:bookworm-slim is made with `debootstrap --variant=minbase`
  from Debian's package mirror and imported under its real name, so the Containerfile builds unchanged
  (`--pull=never`). The root file system is kept as a tar in BEHAELTER_CACHE (default /var/cache/beteiligung-ci):
  the next run on the same machine imports it in seconds.
- containers.conf: crun refuses cgroups v1/hybrid hosts ("cgroups in hybrid mode not supported") – runc is used
  there; the default ulimits (nofile 1048576) exceed what a process without CAP_SYS_RESOURCE may set – the
  limits of this process are used instead.
- A TLS-inspecting proxy (as in CI) is trusted during the build only: the host's CA bundle goes in as the build
  secret `ca-zertifikate` (see deploy/Containerfile); it does not end up in the image."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
IMAGE = "localhost/beteiligung:behaelter-test"
POSTGRES_IMAGE = "localhost/beteiligung-test-postgres:15"
CACHE = Path(os.environ.get("BEHAELTER_CACHE", "/var/cache/beteiligung-ci"))
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
CA_BUNDLE = Path(os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"))


class Podman:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.env = {**os.environ, "CONTAINERS_CONF": str(self._config())}
        self.timings: dict[str, float] = {}

    def _config(self) -> Path:
        _soft, nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
        _soft, nproc = resource.getrlimit(resource.RLIMIT_NPROC)
        nproc = 4096 if nproc == resource.RLIM_INFINITY else min(nproc, 4096)
        hybrid = not Path("/sys/fs/cgroup/cgroup.controllers").exists()  # cgroups v1 or hybrid
        lines = ["[containers]", f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]']
        if hybrid and shutil.which("runc"):
            lines += ["[engine]", 'runtime = "runc"']
        path = self.workdir / "containers.conf"
        path.write_text("\n".join(lines) + "\n")
        return path

    def __call__(self, *args: str, check: bool = True, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["podman", *args], env=self.env, capture_output=True, text=True, timeout=timeout, **kwargs
        )
        if check and result.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)} → {result.returncode}\n{result.stderr[-4000:]}")
        return result

    def timed(self, name: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        started = time.monotonic()
        try:
            return self(*args, **kwargs)
        finally:
            self.timings[name] = round(time.monotonic() - started, 1)

    def ensure_base_image(self) -> None:
        """debian:bookworm-slim: already there, or imported from the cached tar, or built with debootstrap."""
        if self("image", "exists", BASE_IMAGE, check=False).returncode == 0:
            return
        tar = CACHE / "debian-bookworm-minbase.tar"
        if not tar.exists():
            started = time.monotonic()
            CACHE.mkdir(parents=True, exist_ok=True)
            rootfs = CACHE / "rootfs-bookworm.tmp"
            shutil.rmtree(rootfs, ignore_errors=True)
            subprocess.run(
                ["debootstrap", "--variant=minbase", "bookworm", str(rootfs), MIRROR],
                check=True,
                capture_output=True,
                timeout=900,
            )
            for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for path in (rootfs / leftover).glob("*"):
                    if path.is_file():
                        path.unlink()
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar) + ".tmp", "."], check=True, timeout=300)
            os.replace(str(tar) + ".tmp", tar)
            shutil.rmtree(rootfs, ignore_errors=True)
            self.timings["debootstrap"] = round(time.monotonic() - started, 1)
        self.timed("import", "import", str(tar), BASE_IMAGE)

    def build(self) -> None:
        args = [
            "build",
            "--pull=never",
            "--network",
            "host",
            "--format",
            "docker",
            "-f",
            "deploy/Containerfile",
            "-t",
            IMAGE,
        ]
        if CA_BUNDLE.is_file():
            args += ["--secret", f"id=ca-zertifikate,src={CA_BUNDLE}"]
        self.timed("build", *args, ".", cwd=ROOT, timeout=1500)

    def build_postgres(self) -> None:
        """The stand-in for docker.io/library/postgres:15 (tests/support/behaelter_postgres)."""
        args = ["build", "--pull=never", "--network", "host", "-t", POSTGRES_IMAGE]
        self.timed("build-postgres", *args, str(ROOT / "tests/support/behaelter_postgres"), timeout=900)
