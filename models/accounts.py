"""Logins, roles (scoped to a Body, Areas or an Organisation) and login throttling."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow
from .masterdata import Area, Body, Organisation, Person

ROLE_ADMIN = "admin"
ROLE_PLANNER = "sozialplanung"
ROLE_AREA_MANAGER = "sozialraummanagement"
ROLE_PARTNER = "partner"
ROLE_POLITICS = "politik"

ROLE_LABELS = {
    ROLE_ADMIN: "Administration",
    ROLE_PLANNER: "Sozialplanung",
    ROLE_AREA_MANAGER: "Sozialraummanagement",
    ROLE_PARTNER: "Partner",
    ROLE_POLITICS: "Politik",
}

role_area = Table(
    "role_area",
    db.Model.metadata,
    Column("role_id", ForeignKey("role_assignment.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    person: Mapped[Person | None] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        foreign_keys="RoleAssignment.user_id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    deputy_for: Mapped[list[RoleAssignment]] = relationship(
        foreign_keys="RoleAssignment.deputy_id", lazy="selectin", viewonly=True
    )

    @property
    def is_active(self) -> bool:  # flask-login: disabled users cannot log in
        # activated: a password was set, or the account came from a directory/identity provider
        return self.is_enabled and (self.password_hash is not None or self.activated_at is not None)

    def __str__(self) -> str:
        return self.display_name

    def effective_roles(self) -> list[RoleAssignment]:
        """Own role assignments plus those of functions this user currently deputises."""
        return list(self.roles) + [r for r in self.deputy_for if r.deputy_active]


class RoleAssignment(TimestampMixin, db.Model):
    """A function (role in a scope) held by a user; a function can name a deputy."""

    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    function_title: Mapped[str | None] = mapped_column(String(200))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    deputy_active: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    deputy: Mapped[User | None] = relationship(foreign_keys=[deputy_id])
    body: Mapped[Body | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    areas: Mapped[list[Area]] = relationship(secondary=role_area, lazy="selectin")

    @property
    def label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def scope_label(self) -> str:
        if self.role == ROLE_PARTNER and self.organisation:
            return self.organisation.name
        if self.role == ROLE_AREA_MANAGER and self.areas:
            return ", ".join(a.name for a in self.areas)
        if self.body:
            return self.body.name
        return "alle Körperschaften"


class LoginFailure(db.Model):
    """Failed login attempts, keyed by a hash of e-mail or client; pruned after the lock window."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False, index=True)
