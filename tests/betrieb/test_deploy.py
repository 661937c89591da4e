"""Issue 16, part 7: deployment artefacts in deploy/ (the nginx site and gunicorn.conf.py run for real in
test_mehrere_server.py; here the units, the environment example and the release archive)."""

from __future__ import annotations

import configparser
import json
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
    analyse = _unit("beteiligung-analyse.service")
    assert analyse["Service"]["ExecStart"].endswith("flask --app beteiligung betrieb worker --warteschlange analyse")
    assert analyse["Service"]["Environment"] == "JOBS_IN_PROCESS=false" and analyse["Service"]["Restart"] == "always"
    result = app.test_cli_runner().invoke(args=["betrieb", "worker", "--help"])
    assert result.exit_code == 0 and "--einmal" in result.output and "--warteschlange" in result.output


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """`systemd-analyze verify` on the units, with the install path pointed at this virtualenv (verify checks
    that ExecStart's program exists); any warning fails."""
    import shutil
    import sys

    from tests.support.components import require

    analyze = shutil.which("systemd-analyze")
    require(bool(analyze), "systemd-analyze", ".ci/run installiert das Debian-Paket systemd.")
    venv_bin = str(Path(sys.executable).parent) + "/"
    for name in ("beteiligung-web.service", "beteiligung-worker.service", "beteiligung-analyse.service"):
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


def test_container_files_match_the_project(app):
    """The Containerfile and compose file checked against the project (tests/betrieb/test_behaelter.py builds and
    runs them with podman, `make test-behaelter`): every COPY source exists, every package and runtime folder is copied, the asset stage copies exactly what
    `make assets` copies, and every command and setting the compose file uses exists."""
    containerfile = (ROOT / "deploy/Containerfile").read_text()
    copies = re.findall(r"^COPY (?!--from)(.+) (\S+)$", containerfile, re.M)
    sources = {src for line, _dest in copies for src in line.split()}
    assert sources and all((ROOT / src).exists() for src in sources), sources
    for folder in ("beteiligung", "models", "views", "migrations", "templates", "static", "deploy"):
        assert folder in sources, folder
    makefile = (ROOT / "Makefile").read_text()
    for asset in re.findall(r"node_modules/\S+", containerfile):
        assert asset in makefile, asset  # the image builds the assets the way `make assets` does
    assert "COPY --from=assets /src/static/vendor static/vendor" in containerfile
    assert 'CMD ["gunicorn", "-c", "/opt/beteiligung/deploy/gunicorn.conf.py"]' in containerfile
    assert "/healthz" in containerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"**/.env", ".git", "node_modules", "instance"} <= set(ignored)  # no secrets or local state in the image

    compose = (ROOT / "deploy/compose.yaml").read_text()
    services = re.findall(r"^  (\w+):$", compose, re.M)
    assert services == ["db", "migrate", "web", "worker"], services
    runner = app.test_cli_runner()
    for command in re.findall(r"command: (\[.*\])", compose):
        args = json.loads(command)
        assert args[:3] == ["flask", "--app", "beteiligung"], args
        result = runner.invoke(args=[*args[3:], "--help"])
        assert result.exit_code == 0, (args, result.output)
    known = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', (ROOT / "beteiligung/config.py").read_text()))
    known |= {"BETEILIGUNG_DATABASE_URL"}
    app_settings = set(re.findall(r"^      ([A-Z][A-Z0-9_]+):", compose, re.M)) - {
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
    }
    assert app_settings and app_settings <= known, app_settings - known
    assert "condition: service_completed_successfully" in compose  # migrations once, before web and worker
