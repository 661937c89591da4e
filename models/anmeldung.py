"""Anmeldung: server-side sessions, two-factor (TOTP) and accounts from a directory (LDAP/OIDC)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .accounts import RoleAssignment, User
from .base import utcnow


class Anmeldeweg(StrEnum):
    PASSWORT = "passwort"
    LDAP = "ldap"
    OIDC = "oidc"

    @property
    def label(self) -> str:
        return {
            "passwort": "Passwort",
            "ldap": "Verzeichnis (LDAP/Active Directory)",
            "oidc": "Identitätsanbieter (OpenID Connect)",
        }[self.value]


class SitzungsEnde(StrEnum):
    """Why a session ended."""

    ABGEMELDET = "abgemeldet"
    BEENDET = "beendet"  # ended by the user from the session list
    PASSWORT = "passwort"  # password set or reset
    GESPERRT = "gesperrt"  # account deactivated
    ZWEI_FAKTOR = "zwei_faktor"  # two-factor switched off or reset

    @property
    def label(self) -> str:
        return {
            "abgemeldet": "abgemeldet",
            "beendet": "von Ihnen beendet",
            "passwort": "Passwort geändert",
            "gesperrt": "Konto gesperrt",
            "zwei_faktor": "Zwei-Faktor-Anmeldung geändert",
        }[self.value]


class Sitzung(db.Model):
    """One login (browser session and its "Angemeldet bleiben" token); only a hash of the token is stored."""

    __tablename__ = "anmeldung_sitzung"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    weg: Mapped[str] = mapped_column(String(20), nullable=False, default=Anmeldeweg.PASSWORT)
    browser: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    # directory sessions: when the directory entry was last checked (a locked entry ends the session)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    # OpenID Connect: the provider's name (for RP-initiated logout).
    provider: Mapped[str | None] = mapped_column(String(50))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def weg_label(self) -> str:
        return Anmeldeweg(self.weg).label

    @property
    def end_label(self) -> str:
        return SitzungsEnde(self.end_reason).label if self.end_reason else ""


class ZweiFaktor(db.Model):
    """TOTP secret of an account; confirmed_at is empty while enrolment is not finished."""

    __tablename__ = "anmeldung_zwei_faktor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True, nullable=False)
    secret: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Time step (30 s window counter) of the last accepted code: a code is accepted once.
    last_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None


class Wiederherstellungscode(db.Model):
    """A one-time recovery code (hashed like a password)."""

    __tablename__ = "anmeldung_wiederherstellungscode"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    code_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class KontoQuelle(db.Model):
    """Links a local account to its entry in a directory or identity provider."""

    __tablename__ = "anmeldung_konto_quelle"
    __table_args__ = (UniqueConstraint("quelle", "extern_id", name="uq_anmeldung_konto_quelle_extern"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    quelle: Mapped[str] = mapped_column(String(60), nullable=False)  # "ldap" or "oidc:<provider>"
    extern_id: Mapped[str] = mapped_column(String(500), nullable=False)  # DN or subject
    last_sync_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    user: Mapped[User] = relationship()


class VerzeichnisRolle(db.Model):
    """Marks a role assignment that came from a directory group; it is replaced at every login from there."""

    __tablename__ = "anmeldung_verzeichnisrolle"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(
        ForeignKey("role_assignment.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    quelle: Mapped[str] = mapped_column(String(60), nullable=False)
    gruppe: Mapped[str] = mapped_column(String(500), nullable=False)

    role: Mapped[RoleAssignment] = relationship()
