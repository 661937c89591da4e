"""Issue 16, part 9: protocols and contracts as PDF/A-3 (tagged, embedded fonts, metadata) for the eAkte."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.kontrakte.conftest import kw  # noqa: F401  (fixture)
from tests.protokolle.conftest import pw  # noqa: F401  (fixture)


def _check_pdfa(data: bytes, title: str) -> None:
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part="3"', xmp) and re.search(r'pdfaid:conformance="A"', xmp), xmp[:500]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged
    assert root["/Lang"] == "de" and "/OutputIntents" in root
    assert reader.metadata.title == title
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
            fonts += 1
    assert fonts


def test_protocol_pdf_is_pdfa3(client, pw):
    client.login("planung@kreis.example")
    r = client.get(f"/protokolle/sitzungen/{pw.spk_past.id}/protokoll.pdf")
    assert r.status_code == 200
    _check_pdfa(r.data, f"Ergebnisprotokoll {pw.spk_past.title}")


def test_contract_pdf_is_pdfa3_and_can_be_switched_off(app, client, kw):
    client.login(kw.w.planner_k.email)
    r = client.get(f"/kontrakte/{kw.contract.id}.pdf")
    assert r.status_code == 200
    _check_pdfa(r.data, kw.contract.title)
    app.config["PDF_VARIANT"] = ""
    try:
        r = client.get(f"/kontrakte/{kw.contract.id}.pdf")
    finally:
        app.config["PDF_VARIANT"] = "pdf/a-3a"
    assert "/Metadata" not in PdfReader(io.BytesIO(r.data)).trailer["/Root"]
