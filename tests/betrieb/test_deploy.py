"""Issue 16, part 7: deployment artefacts in deploy/ (the nginx site and gunicorn.conf.py run for real in
test_mehrere_server.py; here the units, the environment example and the release archive)."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy/systemd" / name)
    return parser


def test_systemd_units_start_the_shipped_commands(app):
    web = _unit("beteiligung-web.service")
    assert web["Service"]["ExecStart"].endswith("gunicorn -c /opt/beteiligung/deploy/gunicorn.conf.py")
    assert (ROOT / "deploy/gunicorn.conf.py").is_file()
    assert web["Service"]["EnvironmentFile"] == "/etc/beteiligung/beteiligung.env"
    worker = _unit("beteiligung-worker.service")
    assert worker["Service"]["ExecStart"].endswith("flask --app beteiligung betrieb worker")
    assert worker["Service"]["Environment"] == "JOBS_IN_PROCESS=false" and worker["Service"]["Restart"] == "always"
    result = app.test_cli_runner().invoke(args=["betrieb", "worker", "--help"])
    assert result.exit_code == 0 and "--einmal" in result.output


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """`systemd-analyze verify` on both units, with the install path pointed at this virtualenv (verify checks
    that ExecStart's program exists); any warning fails."""
    import shutil
    import sys

    from tests.support.components import require

    analyze = shutil.which("systemd-analyze")
    require(bool(analyze), "systemd-analyze", ".ci/run installiert das Debian-Paket systemd.")
    venv_bin = str(Path(sys.executable).parent) + "/"
    for name in ("beteiligung-web.service", "beteiligung-worker.service"):
        text = (ROOT / "deploy/systemd" / name).read_text().replace("/opt/beteiligung/.venv/bin/", venv_bin)
        (tmp_path / name).write_text(text)
        result = subprocess.run(
            [analyze, "verify", str(tmp_path / name)], capture_output=True, text=True, timeout=60, env=os.environ
        )
        assert result.returncode == 0 and result.stderr.strip() == "", f"{name}: {result.stderr}"


def test_environment_example_names_only_known_settings():
    known = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', (ROOT / "beteiligung/config.py").read_text()))
    known |= {"SECRET_KEY", "BETEILIGUNG_DATABASE_URL", "BETEILIGUNG_INSTANCE", "MAX_UPLOAD_MB", "REMEMBER_DAYS"}
    names = [
        line.split("=", 1)[0]
        for line in (ROOT / "deploy/beteiligung.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert names and set(names) <= known, set(names) - known
    # nginx accepts what the app accepts (MAX_UPLOAD_MB=20 plus the form fields)
    site = (ROOT / "deploy/nginx/beteiligung.conf").read_text()
    assert (
        "client_max_body_size 21m;" in site
        and "MAX_UPLOAD_MB=20" in (ROOT / "deploy/beteiligung.env.example").read_text()
    )


def test_release_archive_contains_the_built_assets(tmp_path):
    assert (ROOT / "static/vendor/kern/kern.min.css").is_file(), "make assets"
    result = subprocess.run(
        [str(ROOT / "deploy/release.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "RELEASE_WHEELS": "0", "RELEASE_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.strip().splitlines()[-1])
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    prefix = archive.name.removesuffix(".tar.gz")
    for needed in (
        "static/vendor/kern/kern.min.css",
        "static/vendor/cytoscape/cytoscape.min.js",
        "migrations/env.py",
        "templates/base.html",
        "beteiligung/__init__.py",
        "pyproject.toml",
        "constraints.txt",
    ):
        assert f"{prefix}/{needed}" in names, needed
    assert not any("/tests/" in n or "node_modules" in n for n in names)
