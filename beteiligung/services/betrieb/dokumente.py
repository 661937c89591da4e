"""Documents made by the job queue instead of inside the web request (issue 16).

A request orders a document (`order()`): it checks the permission, writes a DocumentJob and defers the job
"dokument" in the same transaction. The job (`build()`) renders the PDF with the permissions of the person
who ordered it, stores the file through the storage interface (storage.py: database or shared directory, so
every server can hand it out) and marks the order ready. The page of the order says "wird erstellt" until
then and offers the file afterwards.

Idempotent: a ready order is not rendered again; a retried job (worker killed) overwrites the same key.
An order for the same document by the same person that is still waiting is reused, not doubled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.formatting import anzahl
from beteiligung.services import NotFound, PermissionDenied
from models import User, utcnow
from models.betrieb import DocumentJob, DocumentStatus

from . import storage

# A ready document is offered for this long; then the order (and its file) is removed by `prune()`.
KEEP = timedelta(days=2)


@dataclass(frozen=True)
class Kind:
    key: str
    # (user, params) -> (title, filename); raises NotFound / PermissionDenied
    describe: Callable[[User, dict], tuple[str, str]]
    # (user, params) -> PDF bytes
    render: Callable[[User, dict], bytes]
    params: tuple[str, ...]


def _int(params: dict, key: str) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise NotFound()
    return value


# --- Sozialbericht (monitoring) ------------------------------------------------------------------------------------


def _edition_and_focus(user, params):
    from beteiligung.permissions import monitoring as mperm
    from beteiligung.services.monitoring import index as index_svc
    from models import Handlungsfeld

    edition = index_svc.get_edition(user, _int(params, "edition_id"))
    if not mperm.can_work_monitoring(user):
        raise NotFound()
    focus = None
    if params.get("focus_id") is not None:
        focus = db.session.get(Handlungsfeld, _int(params, "focus_id"))
        if focus is None:
            raise NotFound()
    return edition, focus


def _report_describe(user, params):
    edition, focus = _edition_and_focus(user, params)
    date = edition.reference_date.isoformat()
    if focus is not None:
        return f"Fokusbericht {focus.name} ({date})", f"Fokusbericht-{focus.name}-{date}.pdf"
    return f"Sozialbericht ({date})", f"Sozialbericht-{date}.pdf"


def _report_render(user, params):
    from beteiligung.services.monitoring import bericht

    edition, focus = _edition_and_focus(user, params)
    return bericht.report_pdf(user, edition, focus)


# --- Sozialraumprofil (monitoring) ---------------------------------------------------------------------------------


def _profile_describe(user, params):
    from beteiligung.services.monitoring import dossier

    area = dossier.get_area(user, _int(params, "area_id"))
    return f"Sozialraumprofil {area.name}", f"Sozialraumprofil-{area.code}.pdf"


def _profile_render(user, params):
    from beteiligung.services.monitoring import dossier

    area = dossier.get_area(user, _int(params, "area_id"))
    return dossier.profile_pdf(user, area)


# --- every Sozialraumprofil in one PDF (bulk generation: one page set per area, minutes for a large Kreis) ------


def _profiles_areas(user):
    from beteiligung.services.monitoring import dossier

    areas = [a for a, _body, _geometry in dossier.dossier_areas(user)]
    if not areas:
        raise NotFound()
    return areas


def _profiles_describe(user, params):
    from models import utcnow as now

    count = len(_profiles_areas(user))
    return (
        f"Alle Sozialraumprofile ({anzahl(count, 'Gebiet', 'Gebiete')})",
        f"Sozialraumprofile-{now().date().isoformat()}.pdf",
    )


def _profiles_render(user, params):
    import io

    from pypdf import PdfWriter

    from beteiligung.services.monitoring import dossier

    writer = PdfWriter()
    for area in _profiles_areas(user):
        writer.append(io.BytesIO(dossier.profile_pdf(user, area)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- Vorlage (Ratsinformation) -------------------------------------------------------------------------------------


def _paper(user, params):
    from beteiligung.permissions import oparl as perm
    from beteiligung.services.oparl import papers

    paper = papers.get_paper(user, _int(params, "paper_id"))
    if not perm.can_manage_paper(user, paper):
        raise NotFound()
    return paper


def _paper_describe(user, params):
    paper = _paper(user, params)
    return f"Vorlage {paper.reference} (Entwurf)", paper.reference.replace("/", "-") + "-entwurf.pdf"


def _paper_render(user, params):
    from beteiligung.services.oparl import papers

    return papers.paper_pdf(_paper(user, params))


KINDS = {
    k.key: k
    for k in (
        Kind("sozialbericht", _report_describe, _report_render, ("edition_id", "focus_id")),
        Kind("sozialraumprofil", _profile_describe, _profile_render, ("area_id",)),
        Kind("sozialraumprofile", _profiles_describe, _profiles_render, ()),
        Kind("vorlage", _paper_describe, _paper_render, ("paper_id",)),
    )
}


def _clean(kind: Kind, params: dict) -> dict:
    return {k: params[k] for k in kind.params if params.get(k) is not None}


def order(user, kind_key: str, **params) -> DocumentJob:
    """Order a document (permission checked now and again when it is made); flushes and defers the job."""
    from beteiligung.services.audit import record

    from .jobs import defer

    kind = KINDS.get(kind_key)
    if kind is None or user is None or not user.is_authenticated:
        raise NotFound()
    params = _clean(kind, params)
    title, filename = kind.describe(user, params)
    waiting = db.session.scalars(
        select(DocumentJob).where(
            DocumentJob.user_id == user.id,
            DocumentJob.kind == kind.key,
            DocumentJob.status == DocumentStatus.WARTEND,
        )
    ).all()
    for job in waiting:
        if job.params == params:
            return job
    job = DocumentJob(kind=kind.key, params=params, user_id=user.id, title=title, filename=filename)
    db.session.add(job)
    db.session.flush()
    record(user, "create", job, None, {"kind": kind.key, "params": params}, f"Dokument angefordert: {title}")
    defer("dokument", auftrag_id=job.id)
    return job


def get(user, job_id: int) -> DocumentJob:
    """An order of this user (someone else's order is 404, like a guessed id)."""
    from beteiligung.permissions.betrieb import can_view_document_job

    job = db.session.get(DocumentJob, job_id)
    if not can_view_document_job(user, job):
        raise NotFound()
    return job


def load(user, job_id: int) -> tuple[DocumentJob, bytes]:
    job = get(user, job_id)
    if job.status != DocumentStatus.FERTIG or not job.file_key:
        raise NotFound()
    data = storage.load(job.file_key)
    if data is None:
        raise NotFound()
    return job, data


def build(job_id: int) -> str:
    """The job: render and store the document (flushes; the job's unit of work commits)."""
    job = db.session.get(DocumentJob, job_id)
    if job is None:
        return f"Auftrag {job_id} gibt es nicht (mehr)"
    if job.status == DocumentStatus.FERTIG:
        return f"Auftrag {job_id} ist schon fertig"
    user = db.session.get(User, job.user_id)
    kind = KINDS.get(job.kind)
    try:
        if kind is None or user is None or not user.is_enabled:
            raise PermissionDenied()
        data = kind.render(user, job.params)
    except (NotFound, PermissionDenied):
        job.status = DocumentStatus.FEHLGESCHLAGEN
        job.error = "Das Dokument ist für Sie nicht (mehr) verfügbar."
        job.finished_at = utcnow()
        db.session.flush()
        return f"Auftrag {job_id}: nicht verfügbar"
    key = f"dokumente/auftrag-{job.id}.pdf"
    storage.save(key, data)
    job.file_key = key
    job.status = DocumentStatus.FERTIG
    job.error = None
    job.finished_at = utcnow()
    db.session.flush()
    return f"Auftrag {job_id}: {len(data)} Bytes"


def prune(now=None) -> int:
    """Remove orders (and their files) finished longer than KEEP ago (retention job)."""
    now = now or utcnow()
    old = db.session.scalars(
        select(DocumentJob).where(DocumentJob.finished_at.is_not(None), DocumentJob.finished_at < now - KEEP)
    ).all()
    for job in old:
        if job.file_key:
            storage.delete(job.file_key)
        db.session.delete(job)
    db.session.flush()
    return len(old)
