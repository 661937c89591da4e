"""Auswahl (the pickers): the count behind their rate limit."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from beteiligung.extensions import db


class Suchzaehler(db.Model):
    """Searches of one account in one window of the pickers' rate limit (services/auswahl, allow_search). In the
    database, so that every process on every server counts against the same limit."""

    __tablename__ = "auswahl_suchzaehler"

    schluessel: Mapped[str] = mapped_column(String(60), primary_key=True)
    fenster: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, index=True)
    anzahl: Mapped[int] = mapped_column(Integer, nullable=False)
