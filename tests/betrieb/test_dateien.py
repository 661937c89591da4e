"""Issue 16, part 4: uploads behind one storage interface (database or directory), moving between them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from beteiligung.services.betrieb import storage
from models.betrieb import StoredFile
from tests.gremien.conftest import gw  # noqa: F401  (fixture)
from tests.kontrakte.conftest import kw  # noqa: F401  (fixture)

PDF = b"%PDF-1.7 unterzeichneter Kontrakt"


@pytest.fixture
def db_storage(app):
    app.config["FILE_STORAGE"] = "datenbank"
    yield
    app.config["FILE_STORAGE"] = "verzeichnis"


def _upload_annex(client, kw, data=PDF):
    from tests.kontrakte.conftest import login_as

    rep = kw.reports[0]
    login_as(client, kw.w.partner_a.email)
    r = client.post(
        f"/kontrakte/berichte/{rep.id}/anhaenge",
        data={"file": (io.BytesIO(data), "Sachbericht.pdf"), "description": "Anlage"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303, r.status_code
    return rep


def test_default_backend_follows_the_database(app):
    old = app.config["FILE_STORAGE"]
    app.config["FILE_STORAGE"] = ""
    try:
        expected = "datenbank" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "verzeichnis"
        assert storage.backend().name == expected
    finally:
        app.config["FILE_STORAGE"] = old
    with pytest.raises(ValueError, match="FILE_STORAGE"):
        storage.backend("cloud")


@pytest.mark.parametrize("bad", ["../x", "a/../../b", "a", "a/b/c", "a/", "/b", "a\\b/c"])
def test_bad_keys_refused(app, bad):
    with pytest.raises(ValueError):
        storage.backend("verzeichnis").path(bad)


def test_upload_is_stored_in_the_database_and_downloaded_from_there(app, client, kw, db, db_storage):
    from models.contracts import Attachment

    rep = _upload_annex(client, kw)
    att = db.session.scalar(select(Attachment).where(Attachment.report_id == rep.id))
    row = db.session.get(StoredFile, f"kontrakte/{att.stored_name}")
    assert row is not None and row.data == PDF and row.size == len(PDF)
    assert not Path(app.config["UPLOAD_FOLDER"], "kontrakte", att.stored_name).exists()
    r = client.get(f"/kontrakte/anhang/{att.id}")
    assert r.status_code == 200 and r.data == PDF
    # deleting the annex removes the stored bytes in the same transaction
    r = client.post(f"/kontrakte/anhang/{att.id}/loeschen", data={})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(StoredFile, f"kontrakte/{att.stored_name}") is None


def test_rejected_upload_leaves_nothing(app, client, kw, db, db_storage):
    from tests.kontrakte.conftest import login_as

    rep = kw.reports[0]
    login_as(client, kw.w.partner_a.email)
    r = client.post(
        f"/kontrakte/berichte/{rep.id}/anhaenge",
        data={"file": (io.BytesIO(b"<html>"), "falsch.pdf")},
        content_type="multipart/form-data",
    )
    assert 400 <= r.status_code < 500
    assert db.session.scalar(select(StoredFile)) is None


def _upload_agenda_document(client, gw):
    client.login("planung@kreis.example")
    return client.post(
        f"/gremien/top/{gw.meeting.agenda_items[0].id}/dokumente",
        data={"datei": (io.BytesIO(b"%PDF-1.4 Vorlage"), "Vorlage.pdf")},
        content_type="multipart/form-data",
    )


def test_agenda_document_in_the_database(app, client, gw, db, db_storage):
    from models.committees import AgendaDocument

    assert _upload_agenda_document(client, gw).status_code == 303
    doc = db.session.scalar(select(AgendaDocument))
    assert db.session.get(StoredFile, f"tagesordnung/{doc.stored_name}").data == b"%PDF-1.4 Vorlage"
    r = client.get(f"/gremien/dokumente/{doc.id}")
    assert r.status_code == 200 and r.data == b"%PDF-1.4 Vorlage"


def test_move_files_between_backends_keeps_downloads_working(app, client, kw, db):
    from models.contracts import Attachment

    rep = _upload_annex(client, kw)  # directory backend (tests default)
    att = db.session.scalar(select(Attachment).where(Attachment.report_id == rep.id))
    on_disk = Path(app.config["UPLOAD_FOLDER"], "kontrakte", att.stored_name)
    assert on_disk.read_bytes() == PDF
    result = app.test_cli_runner().invoke(args=["betrieb", "dateien-umziehen", "--nach", "datenbank"])
    assert result.exit_code == 0, result.output
    assert "FILE_STORAGE=datenbank" in result.output
    assert not on_disk.exists()
    db.session.expire_all()
    assert db.session.get(StoredFile, f"kontrakte/{att.stored_name}").data == PDF
    app.config["FILE_STORAGE"] = "datenbank"
    try:
        assert client.get(f"/kontrakte/anhang/{att.id}").data == PDF
        result = app.test_cli_runner().invoke(args=["betrieb", "dateien-umziehen", "--nach", "verzeichnis"])
        assert result.exit_code == 0, result.output
    finally:
        app.config["FILE_STORAGE"] = "verzeichnis"
    db.session.expire_all()
    assert on_disk.read_bytes() == PDF and db.session.scalar(select(StoredFile)) is None
    assert client.get(f"/kontrakte/anhang/{att.id}").data == PDF
    result = app.test_cli_runner().invoke(args=["betrieb", "dateien-umziehen", "--nach", "wolke"])
    assert result.exit_code != 0


def test_file_not_moved_yet_is_still_found(app, db, db_storage):
    storage.backend("verzeichnis").save("kontrakte/alt.pdf", b"%PDF vor dem Umzug")
    assert storage.backend().name == "datenbank"
    assert storage.load("kontrakte/alt.pdf") == b"%PDF vor dem Umzug"
    assert storage.load("kontrakte/fehlt.pdf") is None


# --- files in the directory follow the unit of work ---------------------------------------------------------------


def _on_disk(app, key: str) -> bool:
    return Path(app.config["UPLOAD_FOLDER"], key).exists()


def _work_begins(db) -> None:
    """What every service does before it stores a file: it reads (the record the file belongs to)."""
    db.session.scalar(select(StoredFile.key))


def test_a_file_written_in_a_failed_unit_of_work_is_removed_and_a_committed_one_stays(app, db):
    from beteiligung.uow import unit_of_work

    directory = storage.backend("verzeichnis")
    db.session.commit()
    with pytest.raises(RuntimeError), unit_of_work():
        _work_begins(db)
        directory.save("kontrakte/verworfen.pdf", PDF)
        assert _on_disk(app, "kontrakte/verworfen.pdf")  # written at once: a later step of the work may read it
        raise RuntimeError("ein späterer Schritt scheitert")
    assert not _on_disk(app, "kontrakte/verworfen.pdf")
    with unit_of_work():
        _work_begins(db)
        directory.save("kontrakte/bleibt.pdf", PDF)
    assert directory.load("kontrakte/bleibt.pdf") == PDF
    # a deletion counts only when its work is committed: after a failure the file is still there
    with pytest.raises(RuntimeError), unit_of_work():
        _work_begins(db)
        directory.delete("kontrakte/bleibt.pdf")
        raise RuntimeError
    assert directory.load("kontrakte/bleibt.pdf") == PDF
    with unit_of_work():
        _work_begins(db)
        directory.delete("kontrakte/bleibt.pdf")
        assert _on_disk(app, "kontrakte/bleibt.pdf")
    assert not _on_disk(app, "kontrakte/bleibt.pdf")


def test_a_savepoint_keeps_or_removes_its_own_files(app, db):
    from beteiligung.uow import durable, unit_of_work

    directory = storage.backend("verzeichnis")
    db.session.commit()
    with unit_of_work():
        _work_begins(db)
        directory.save("kontrakte/aussen.pdf", PDF)
        with pytest.raises(RuntimeError), durable():
            directory.save("kontrakte/innen-gescheitert.pdf", PDF)
            raise RuntimeError
        with durable():
            directory.save("kontrakte/innen.pdf", PDF)
    assert [_on_disk(app, f"kontrakte/{n}.pdf") for n in ("aussen", "innen-gescheitert", "innen")] == [
        True,
        False,
        True,
    ]
    # a released savepoint's file goes with the outer work when that one fails
    with pytest.raises(RuntimeError), unit_of_work():
        _work_begins(db)
        with db.session.begin_nested():
            directory.save("kontrakte/spaeter-verworfen.pdf", PDF)
        raise RuntimeError
    assert not _on_disk(app, "kontrakte/spaeter-verworfen.pdf")


def test_an_upload_whose_request_fails_after_the_file_was_written_leaves_no_file(app, client, gw, db, monkeypatch):
    """The agenda document is written to the directory, then the audit entry fails: the answer is a 500, and
    neither the row nor the file remain (before, the file stayed on disk without a record – personal data that
    no deletion period would ever find)."""
    import beteiligung.services.gremien.dokumente as dokumente
    from models.committees import AgendaDocument

    folder = Path(app.config["UPLOAD_FOLDER"], "tagesordnung")
    before = set(folder.iterdir()) if folder.is_dir() else set()

    def failing_record(*args, **kwargs):
        raise RuntimeError("Protokolleintrag scheitert")

    monkeypatch.setattr(dokumente, "record", failing_record)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert _upload_agenda_document(client, gw).status_code == 500
    db.session.rollback()
    assert db.session.scalar(select(AgendaDocument)) is None
    assert (set(folder.iterdir()) if folder.is_dir() else set()) == before
