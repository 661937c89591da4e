"""PDF for the archive (eAkte): PDF/A-3a by default – tagged, fonts embedded (WeasyPrint always embeds),
XMP metadata with title and language from the HTML (<title>, lang). PDF_VARIANT="" switches it off."""

from __future__ import annotations

from flask import current_app


def pdf_options() -> dict:
    variant = (current_app.config.get("PDF_VARIANT") or "").strip().lower()
    return {"pdf_variant": variant} if variant else {}
