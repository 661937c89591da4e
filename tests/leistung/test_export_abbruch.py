"""An export the client stops reading leaves no temp file and no open file behind."""

from __future__ import annotations

import os
import tempfile

from beteiligung import exports
from beteiligung import survey_benchmark as bench
from beteiligung.extensions import db


def _open_files_in(directory) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


def test_interrupted_exports_leave_no_temp_files(app, world, client, tmp_path, monkeypatch):
    from tests.netzwerk.conftest import add_relation

    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    monkeypatch.setattr(exports, "SPOOL_MEMORY", 64)  # every download moves to a temp file
    survey = bench.build(300, seed=4, body=world.kommune_a, areas=[world.area_a1], zgs=[world.zg_senioren])
    survey.threshold = 1
    add_relation(world.kreis, world.org_a, world.org_b, "Kooperation")
    db.session.commit()
    downloads = {
        "planung@ahlen.example": [f"/befragungen/{survey.id}/export.csv", f"/befragungen/{survey.id}/export.xlsx"],
        world.planner_k.email: [
            "/netzwerk/export.graphml",
            "/netzwerk/export.gexf",
            "/netzwerk/export.json",
            "/netzwerk/export.knoten.csv",
            "/netzwerk/export.kanten.csv",
            "/stammdaten/personen/export.csv",
            "/stammdaten/organisationen/export.xlsx",
            "/protokolle/beschluesse.xlsx",
        ],
    }
    spooled = set()
    for email, urls in downloads.items():
        client.login(email)
        for url in urls:
            response = client.get(url, buffered=False)
            assert response.status_code == 200, url
            first = next(iter(response.response))  # the client reads one piece and goes away
            assert first, url
            if _open_files_in(spool_dir):  # the spool: an unnamed file, only an open descriptor
                spooled.add(url)
            assert os.listdir(spool_dir) == [], url  # nothing with a name, not even while downloading
            response.close()  # what the WSGI server does when the connection drops
            assert _open_files_in(spool_dir) == [], url
            assert os.listdir(spool_dir) == [], url
        client.logout()
    # every download but the network's really went through a temp file; the network exports are written while
    # they are sent (exports.streamed_response), without one
    network = {url for url in downloads[world.planner_k.email] if url.startswith("/netzwerk/")}
    assert spooled == {url for urls in downloads.values() for url in urls} - network
