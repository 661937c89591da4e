"""Board exports: PDF with the board as drawn (an SVG rendered by WeasyPrint) and DOCX as a list."""

from __future__ import annotations

import io
import textwrap
from xml.sax.saxutils import escape

from flask import render_template

from beteiligung.formatting import date_de
from models.werkstatt import Board, BoardKind

from .boards import cards_by_field, places, ranking, visible_cards

COLOURS = {"staerken": "#1b7a3a", "schwaechen": "#a32a1b", "chancen": "#0b5aa2", "risiken": "#8a5a00"}


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width) or [""]


def _swot_svg(board: Board) -> str:
    w, h = 400, 330
    rows = (len(board.fields) + 1) // 2  # SWOT: 2 × 2; Zukunftskonferenz: five phases in three rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {2 * w + 10} {rows * (h + 10)}" '
        f'width="{2 * w + 10}" height="{rows * (h + 10)}" font-family="DejaVu Sans, sans-serif">'
    ]
    by_field = cards_by_field(board)
    for i, (key, label) in enumerate(board.fields):
        x0, y0 = (i % 2) * (w + 10), (i // 2) * (h + 10)
        parts.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="#ffffff" stroke="#8a8a8a"/>')
        parts.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="6" fill="{COLOURS.get(key, "#333333")}"/>')
        parts.append(
            f'<text x="{x0 + 10}" y="{y0 + 28}" font-size="15" font-weight="bold">{escape(label)} '
            f'({len(by_field[key])})</text>'
        )
        y = y0 + 50
        cards = by_field[key]
        for n, card in enumerate(cards):
            lines = _lines(card.text, 52)[:3]
            if y + 16 * len(lines) > y0 + h - 20:
                parts.append(
                    f'<text x="{x0 + 10}" y="{y0 + h - 10}" font-size="11">… und {len(cards) - n} '
                    'weitere Karten (siehe Liste)</text>'
                )
                break
            parts.append(
                f'<rect x="{x0 + 8}" y="{y - 13}" width="{w - 16}" height="{16 * len(lines) + 6}" '
                'fill="#fff8c5" stroke="#c9b800"/>'
            )
            for line in lines:
                parts.append(f'<text x="{x0 + 14}" y="{y + 2}" font-size="12">{escape(line)}</text>')
                y += 16
            y += 12
    parts.append("</svg>")
    return "".join(parts)


def _dots_svg(board: Board) -> str:
    rows = ranking(board)
    top = max([n for _c, n in rows] + [1])
    height = 30 * len(rows) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 810 {height}" width="810" height="{height}" '
        'font-family="DejaVu Sans, sans-serif">'
    ]
    for i, (place, card, n) in enumerate(places(rows)):
        y = 10 + 30 * i
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{place}. {escape(_lines(card.text, 40)[0])}</text>')
        parts.append(f'<rect x="330" y="{y + 2}" width="{max(2, int(420 * n / top))}" height="20" fill="#0b5aa2"/>')
        parts.append(f'<text x="{336 + int(420 * n / top)}" y="{y + 16}" font-size="12">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _portfolio_svg(board: Board) -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 420 420" width="420" height="420" '
        'font-family="DejaVu Sans, sans-serif">',
        '<rect x="40" y="10" width="370" height="370" fill="#ffffff" stroke="#1b1b1b"/>',
        '<line x1="225" y1="10" x2="225" y2="380" stroke="#8a8a8a" stroke-dasharray="4 4"/>',
        '<line x1="40" y1="195" x2="410" y2="195" stroke="#8a8a8a" stroke-dasharray="4 4"/>',
        f'<text x="225" y="405" text-anchor="middle" font-size="14">{escape(board.x_label or "")} →</text>',
        f'<text x="16" y="195" text-anchor="middle" font-size="14" transform="rotate(-90 16 195)">'
        f'{escape(board.y_label or "")} →</text>',
    ]
    for i, c in enumerate(visible_cards(board), 1):
        cx, cy = 40 + (c.x or 0) * 3.7, 380 - (c.y or 0) * 3.7
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="11" fill="#0b5aa2"/>')
        parts.append(
            f'<text x="{cx:.1f}" y="{cy + 5:.1f}" text-anchor="middle" font-size="12" fill="#ffffff">{i}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _market_svg(board: Board) -> str:
    from .boards import marketplace

    market = marketplace(board)
    rooms, slots = market["rooms"] or ["–"], market["slots"] or ["–"]
    cw, rh = min(220, 700 // len(rooms)), 60
    width, height = 110 + cw * len(rooms), 30 + rh * len(slots)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="DejaVu Sans, sans-serif">'
    ]
    for j, room in enumerate(rooms):
        parts.append(f'<text x="{115 + j * cw}" y="18" font-size="12" font-weight="bold">{escape(room)}</text>')
    for i, slot in enumerate(slots):
        y = 30 + i * rh
        parts.append(f'<text x="0" y="{y + 20}" font-size="12" font-weight="bold">{escape(slot[:16])}</text>')
        for j, room in enumerate(rooms):
            x = 110 + j * cw
            parts.append(f'<rect x="{x}" y="{y}" width="{cw - 6}" height="{rh - 6}" fill="#ffffff" stroke="#8a8a8a"/>')
            card = market["grid"].get((slot, room))
            if card is not None:
                parts.append(
                    f'<rect x="{x + 3}" y="{y + 3}" width="{cw - 12}" height="{rh - 12}" fill="#fff8c5" '
                    'stroke="#c9b800"/>'
                )
                for k, line in enumerate(_lines(card.text, max(10, cw // 8))[:2]):
                    parts.append(f'<text x="{x + 8}" y="{y + 20 + 15 * k}" font-size="11">{escape(line)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _contrib_svg(board: Board) -> str:
    from .boards import contribution_ranking

    rows = contribution_ranking(board)
    height = 30 * len(rows) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 810 {height}" width="810" height="{height}" '
        'font-family="DejaVu Sans, sans-serif">'
    ]
    for i, row in enumerate(rows):
        y, w = 10 + 30 * i, int(420 * row.average / 3)
        name = escape(_lines(row.organisation.name, 40)[0])
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{row.place}. {name}</text>')
        parts.append(f'<rect x="330" y="{y + 2}" width="{max(2, w)}" height="20" fill="#0b5aa2"/>')
        avg = f"{row.average:.1f}".replace(".", ",")
        parts.append(f'<text x="{336 + w}" y="{y + 16}" font-size="12">{avg}</text>')
    parts.append("</svg>")
    return "".join(parts)


def board_svg(board: Board) -> str:
    kind = BoardKind(board.kind)
    if kind == BoardKind.WIRKUNGSBEITRAG:
        return _contrib_svg(board)
    if kind == BoardKind.OPEN_SPACE:
        return _market_svg(board)
    if kind in (BoardKind.SWOT, BoardKind.ZUKUNFTSKONFERENZ):
        return _swot_svg(board)
    if kind == BoardKind.PUNKTABFRAGE:
        return _dots_svg(board)
    return _portfolio_svg(board)


def _list_rows(board: Board):
    """(heading, [(text, detail)]) per field, in the order of the board (Punktabfrage: ranked)."""
    if board.kind == BoardKind.PUNKTABFRAGE:
        return [("Rangfolge", [(c.text, f"{n} {'Punkt' if n == 1 else 'Punkte'}") for c, n in ranking(board)])]
    by_field = cards_by_field(board)
    out = []
    if board.kind == BoardKind.WIRKUNGSBEITRAG:
        from .boards import contribution_ranking

        ranked = [
            (
                f"{r.place}. {r.organisation.name}",
                f"Durchschnitt {r.average:.1f}".replace(".", ",") + f", Summe {r.total}, {r.count} Bewertungen",
            )
            for r in contribution_ranking(board)
        ]
        out.append(("Rangfolge der Akteure", ranked))
    for n, (key, label) in enumerate(board.fields, 1):
        if board.kind == BoardKind.ZUKUNFTSKONFERENZ:
            label = f"Phase {n}: {label}"
        rows = []
        for c in by_field[key]:
            detail = [c.author_name]
            if c.cluster:
                detail.append(f"Gruppe: {c.cluster}")
            if board.kind == BoardKind.PORTFOLIO:
                detail.append(f"{board.x_label} {c.x}, {board.y_label} {c.y}")
            if board.kind == BoardKind.WIRKUNGSBEITRAG:
                detail.insert(0, f"{c.organisation.name if c.organisation else 'Akteur gelöscht'}: {c.rating_label}")
            if board.kind == BoardKind.OPEN_SPACE:
                detail.append(f"{c.slot}, {c.room}" if c.slot and c.room else "ohne Raum und Zeit")
                if c.documentation:
                    detail.append(f"Dokumentation: {c.documentation}")
            rows.append((c.text, " · ".join(detail)))
        out.append((label, rows))
    return out


def board_pdf(board: Board) -> bytes:
    from weasyprint import HTML

    html = render_template(
        "werkstatt/board_pdf.html",
        board=board,
        svg=board_svg(board),
        sections=_list_rows(board),
        kind_label=BoardKind(board.kind).label,
    )
    return HTML(string=html).write_pdf()


def board_docx(board: Board) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    m = board.meeting
    doc.core_properties.title = f"{BoardKind(board.kind).label}: {board.title}"
    doc.core_properties.language = "de-DE"
    doc.add_heading(f"{BoardKind(board.kind).label}: {board.title}", level=1)
    doc.add_paragraph(f"{m.committee.name} – {m.title}, {date_de(m.start)}")
    if board.question:
        doc.add_paragraph(f"Leitfrage: {board.question}")
    for heading, rows in _list_rows(board):
        doc.add_heading(heading, level=2)
        if not rows:
            doc.add_paragraph("keine Karten")
        for text, detail in rows:
            p = doc.add_paragraph(style="List Number" if board.kind == BoardKind.PUNKTABFRAGE else "List Bullet")
            p.add_run(text)
            if detail:
                p.add_run(f" ({detail})").italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
