"""Accounts: login/logout, throttling, invitations, activation, reset, user admin, deputies."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from beteiligung.services import PermissionDenied, ValidationError, accounts
from models import (
    ROLE_ADMIN,
    ROLE_PARTNER,
    ROLE_PLANNER,
    AuditEntry,
    LoginFailure,
    OutboxMail,
    RoleAssignment,
    User,
    utcnow,
)
from tests.support.uow import refused
from tests.support.world import PASSWORD


def outbox_for(db, email):
    return db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == email).order_by(OutboxMail.id)).all()


def link_in(mail) -> str:
    match = re.search(r"http://localhost(/\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


# --- login / logout ------------------------------------------------------------------


def test_login_and_logout(client, world):
    r = client.post("/anmelden", data={"email": "  ADMIN@test.example ", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "Guten Tag, Admin Test" in html and "Willkommen, Admin Test" in html
    r = client.post("/abmelden", data={})
    assert r.status_code == 302 and r.headers["Location"] == "/anmelden"
    assert client.get("/").status_code == 302


def test_pages_require_login(client, world):
    for url in ("/", "/stammdaten/organisationen/", "/verwaltung/benutzer/", "/verwaltung/profil"):
        r = client.get(url)
        assert r.status_code == 302 and "/anmelden?next=" in r.headers["Location"], url


def test_wrong_password_is_401_german(client, db, world):
    r = client.post("/anmelden", data={"email": world.admin.email, "password": "falsch-falsch"})
    assert r.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in r.get_data(as_text=True)
    r = client.post("/anmelden", data={"email": "niemand@example.org", "password": "falsch-falsch"})
    assert r.status_code == 401 and "E-Mail-Adresse oder Passwort ist falsch." in r.get_data(as_text=True)
    r = client.post("/anmelden", data={"email": "", "password": ""})
    assert r.status_code == 422 and "Bitte E-Mail-Adresse angeben." in r.get_data(as_text=True)


def test_throttling_locks_then_unlocks(app, client, db, world):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert (
            client.post("/anmelden", data={"email": world.planner_a.email, "password": "falsch-falsch"}).status_code
            == 401
        )
    r = client.post("/anmelden", data={"email": world.planner_a.email, "password": PASSWORD})
    assert r.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in r.get_data(as_text=True)
    # Other accounts are not locked by one account's failures.
    assert client.post("/anmelden", data={"email": world.planner_k.email, "password": PASSWORD}).status_code == 302
    client.logout()
    # After the lock window the right password works again.
    db.session.execute(
        update(LoginFailure).values(at=utcnow() - timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1))
    )
    db.session.commit()
    assert client.post("/anmelden", data={"email": world.planner_a.email, "password": PASSWORD}).status_code == 302


def test_throttling_per_client(app, client, db, world):
    limit = app.config["LOGIN_MAX_FAILURES"] * 4
    for i in range(limit):
        client.post("/anmelden", data={"email": f"versuch{i}@example.org", "password": "falsch-falsch"})
    r = client.post("/anmelden", data={"email": world.admin.email, "password": PASSWORD})
    assert r.status_code == 429


def test_disabled_user_cannot_log_in_and_loses_session(app, client, db, world):
    other = app.test_client()
    other.login(world.partner_a.email)
    client.login(world.admin.email)
    user = db.session.get(User, world.partner_a.id)
    r = client.post(f"/verwaltung/benutzer/{user.id}/sperren", data={"enable": "0", "version": str(user.version)})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, world.partner_a.id).is_enabled is False
    r = app.test_client().post("/anmelden", data={"email": world.partner_a.email, "password": PASSWORD})
    assert r.status_code == 401
    # An existing session of the disabled user ends too.
    r = other.get("/stammdaten/organisationen/")
    assert r.status_code == 302 and "/anmelden" in r.headers["Location"]


def test_admin_cannot_disable_self(client, db, world):
    client.login(world.admin.email)
    r = client.post(
        f"/verwaltung/benutzer/{world.admin.id}/sperren",
        data={"enable": "0", "version": str(world.admin.version)},
        follow_redirects=True,
    )
    assert "eigenes Konto nicht sperren" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).is_enabled


# --- invitation and activation --------------------------------------------------------------


def invite(client, world, **overrides):
    data = {
        "display_name": "Nora Neu",
        "email": "nora.neu@example.org",
        "role": ROLE_PARTNER,
        "function_title": "Geschäftsführung",
        "body_id": "",
        "organisation_id": str(world.org_a.id),
        "areas": [],
    }
    data.update(overrides)
    return client.post("/verwaltung/benutzer/einladen", data=data)


def test_invitation_creates_inactive_user_and_mail(client, db, world):
    client.login(world.planner_a.email)
    assert client.get("/verwaltung/benutzer/einladen").status_code == 200
    r = invite(client, world)
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nora.neu@example.org"))
    assert user.password_hash is None and user.activated_at is None and not user.is_active
    assert [(r.role, r.organisation_id) for r in user.roles] == [(ROLE_PARTNER, world.org_a.id)]
    mails = outbox_for(db, "nora.neu@example.org")
    assert len(mails) == 1 and mails[0].subject == "Ihr Zugang zu beteiligung"
    assert "Planer Ahlen hat Sie" in mails[0].body_text
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "User", AuditEntry.entity_id == user.id)
    )
    # Not yet able to log in.
    client.logout()
    assert (
        client.post("/anmelden", data={"email": "nora.neu@example.org", "password": "irgendwas-langes"}).status_code
        == 401
    )

    link = link_in(mails[0])
    assert link.startswith("/aktivieren/")
    page = client.get(link)
    assert page.status_code == 200 and "nora.neu@example.org" in page.get_data(as_text=True)
    r = client.post(link, data={"password": "kurz", "password2": "kurz"})
    assert r.status_code == 422 and "mindestens 10 Zeichen" in r.get_data(as_text=True)
    r = client.post(link, data={"password": "Ein-gutes-Passwort", "password2": "Ein-anderes-Passwort"})
    assert r.status_code == 422 and "stimmen nicht überein" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None
    r = client.post(link, data={"password": "Ein-gutes-Passwort", "password2": "Ein-gutes-Passwort"})
    assert r.status_code == 302 and r.headers["Location"] == "/anmelden"
    db.session.expire_all()
    assert db.session.get(User, user.id).activated_at is not None
    # The link works only once.
    r = client.get(link)
    assert r.status_code == 400 and "bereits verwendet" in r.get_data(as_text=True)
    r = client.post(link, data={"password": "Noch-ein-Passwort", "password2": "Noch-ein-Passwort"})
    assert r.status_code == 400
    client.login("nora.neu@example.org", "Ein-gutes-Passwort")


def test_activation_link_expired_and_tampered(app, client, db, world, monkeypatch):
    client.login(world.planner_a.email)
    invite(client, world)
    client.logout()
    user = db.session.scalar(select(User).where(User.email == "nora.neu@example.org"))
    import itsdangerous.timed

    real = itsdangerous.timed.TimestampSigner.get_timestamp
    hours = app.config["TOKEN_MAX_AGE_HOURS"] + 1
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) - hours * 3600)
    with app.test_request_context():
        token = accounts.make_token(user, "activate")
    monkeypatch.undo()
    r = client.get(f"/aktivieren/{token}")
    assert r.status_code == 400 and "abgelaufen" in r.get_data(as_text=True)
    r = client.get("/aktivieren/manipuliert.abc.def")
    assert r.status_code == 400 and "ungültig" in r.get_data(as_text=True)
    # An activation token is no reset token.
    with app.test_request_context():
        token = accounts.make_token(user, "activate")
    assert client.get(f"/passwort/neu/{token}").status_code == 400


def test_invitation_bad_input(client, db, world):
    client.login(world.planner_a.email)
    before = db.session.scalar(select(func.count()).select_from(User))
    r = invite(client, world, email="keine-adresse")
    assert r.status_code == 422 and "gültige E-Mail-Adresse" in r.get_data(as_text=True)
    r = invite(client, world, email=world.partner_b.email)
    assert r.status_code == 422 and "bereits ein Konto" in r.get_data(as_text=True)
    r = invite(client, world, organisation_id="")
    assert r.status_code == 422 and "Bitte die Organisation angeben" in r.get_data(as_text=True)
    r = invite(client, world, display_name="<script>x</script>")
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert not db.session.scalars(select(OutboxMail)).all()


def test_planner_cannot_grant_admin_or_foreign_roles(client, db, world):
    client.login(world.planner_a.email)
    r = invite(client, world, role=ROLE_ADMIN, organisation_id="")
    assert r.status_code == 422  # not even offered
    r = invite(client, world, role=ROLE_PLANNER, organisation_id="", body_id=str(world.kreis.id))
    assert r.status_code in (403, 422)
    r = invite(client, world, organisation_id=str(world.org_b.id))  # org of Kommune B
    assert r.status_code == 403
    assert not db.session.scalar(select(User).where(User.email == "nora.neu@example.org"))
    with refused(PermissionDenied):
        accounts.invite_user(world.planner_a, "x@example.org", "X", {"role": ROLE_ADMIN})
    db.session.rollback()
    with refused(PermissionDenied):
        accounts.add_role(world.planner_a, world.partner_a, {"role": ROLE_ADMIN})
    db.session.rollback()
    assert [r.role for r in db.session.get(User, world.partner_a.id).roles] == [ROLE_PARTNER]


def test_planner_cannot_manage_users_of_other_bodies(client, world):
    client.login(world.planner_a.email)
    assert client.get(f"/verwaltung/benutzer/{world.partner_a.id}").status_code == 200
    for other in (world.planner_x, world.partner_b, world.admin, world.planner_k, 999999):
        uid = getattr(other, "id", other)
        assert client.get(f"/verwaltung/benutzer/{uid}").status_code == 404
        assert (
            client.post(f"/verwaltung/benutzer/{uid}/sperren", data={"enable": "0", "version": "1"}).status_code == 404
        )
    html = client.get("/verwaltung/benutzer/").get_data(as_text=True)
    assert "Partnerin Wohlfahrt" in html and "Planer Fremd" not in html and "Admin Test" not in html


def test_admin_user_page_roles(client, db, world):
    client.login(world.admin.email)
    html = client.get("/verwaltung/benutzer/").get_data(as_text=True)
    for name in ("Admin Test", "Planerin Kreis", "Planer Fremd", "Partnerin Wohlfahrt"):
        assert name in html
    assert "Planer Fremd" not in client.get("/verwaltung/benutzer/?q=wohlfahrt").get_data(as_text=True)
    html = client.get(f"/verwaltung/benutzer/{world.partner_a.id}").get_data(as_text=True)
    assert "Wohlfahrt Ahlen e. V." in html
    r = client.post(
        f"/verwaltung/benutzer/{world.partner_a.id}/rolle",
        data={
            "role": ROLE_PLANNER,
            "body_id": str(world.kommune_a.id),
            "function_title": "",
            "organisation_id": "",
            "areas": [],
        },
    )
    assert r.status_code == 303
    roles = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == world.partner_a.id)).all()
    assert {r.role for r in roles} == {ROLE_PARTNER, ROLE_PLANNER}
    planner_role = next(r for r in roles if r.role == ROLE_PLANNER)
    r = client.post(f"/verwaltung/rollen/{planner_role.id}/entfernen", data={})
    assert r.status_code == 303
    assert db.session.get(RoleAssignment, planner_role.id) is None


# --- password reset ----------------------------------------------------------------------------


def test_password_reset(client, db, world):
    r = client.post("/passwort/vergessen", data={"email": world.partner_b.email}, follow_redirects=True)
    known = r.get_data(as_text=True)
    r = client.post("/passwort/vergessen", data={"email": "unbekannt@example.org"}, follow_redirects=True)
    unknown = r.get_data(as_text=True)
    msg = "Wenn es zu dieser Adresse ein Konto gibt"
    assert msg in known and msg in unknown
    assert not outbox_for(db, "unbekannt@example.org")
    mails = outbox_for(db, world.partner_b.email)
    assert len(mails) == 1
    link = link_in(mails[0])
    assert link.startswith("/passwort/neu/")
    r = client.post(link, data={"password": "Neues-Passwort-1", "password2": "Neues-Passwort-1"})
    assert r.status_code == 302
    assert client.post("/anmelden", data={"email": world.partner_b.email, "password": PASSWORD}).status_code == 401
    client.login(world.partner_b.email, "Neues-Passwort-1")
    client.logout()
    assert client.get(link).status_code == 400  # once only
    r = client.post("/passwort/vergessen", data={"email": "kaputt"})
    assert r.status_code == 422


def test_reset_not_sent_for_disabled_or_uninvited(client, db, world):
    db.session.get(User, world.partner_b.id).is_enabled = False
    db.session.commit()
    client.post("/passwort/vergessen", data={"email": world.partner_b.email})
    assert not outbox_for(db, world.partner_b.email)


# --- deputies (Vertretung) ----------------------------------------------------------------------


def test_deputy_gets_rights_only_while_active(app, client, db, world):
    """planner_k deputises planner_a (Stadt Ahlen): only while active may she edit Ahlen's area."""
    role = world.planner_a.roles[0]
    url = f"/stammdaten/sozialraeume/{world.area_a1.id}/bearbeiten"
    client.login(world.planner_k.email)
    assert client.get(url).status_code == 403
    client.logout()

    owner = app.test_client()
    owner.login(world.planner_a.email)
    r = owner.post(
        f"/verwaltung/rollen/{role.id}/vertretung", data={"deputy_id": str(world.planner_k.id), "deputy_active": ""}
    )
    assert r.status_code == 303
    client.login(world.planner_k.email)
    assert client.get(url).status_code == 403  # named but not active

    owner.post(
        f"/verwaltung/rollen/{role.id}/vertretung", data={"deputy_id": str(world.planner_k.id), "deputy_active": "y"}
    )
    db.session.expire_all()
    assert db.session.get(RoleAssignment, role.id).deputy_active is True
    assert client.get(url).status_code == 200
    assert "in Vertretung für Planer Ahlen" in client.get("/").get_data(as_text=True)

    owner.post(
        f"/verwaltung/rollen/{role.id}/vertretung", data={"deputy_id": str(world.planner_k.id), "deputy_active": ""}
    )
    assert client.get(url).status_code == 403


def test_deputy_cannot_be_self_and_foreign_role_not_settable(client, db, world):
    role = world.planner_a.roles[0]
    with refused(ValidationError):
        accounts.set_deputy(world.planner_a, role, world.planner_a, True)
    db.session.rollback()
    client.login(world.partner_b.email)
    r = client.post(
        f"/verwaltung/rollen/{role.id}/vertretung", data={"deputy_id": str(world.partner_b.id), "deputy_active": "y"}
    )
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(RoleAssignment, role.id).deputy_id is None


def test_user_list_matches_can_manage_user(app, db, world):
    """The SQL filter of the user list and can_manage_user agree for every account."""
    from beteiligung import permissions as perm

    roleless = User(email="ohne.rolle@example.org", display_name="Ohne Rolle")
    db.session.add(roleless)
    db.session.commit()
    everyone = db.session.scalars(select(User)).all()
    for who in ("admin", "planner_k", "planner_a", "planner_x", "srm_a", "partner_a", "politik"):
        actor = getattr(world, who)
        with app.test_request_context():
            listed = set(db.session.scalars(select(User.id).where(perm.user_filter(actor))))
            allowed = {u.id for u in everyone if perm.can_manage_user(actor, u)}
        assert listed == allowed, who
    with app.test_request_context():
        assert not perm.can_manage_user(world.planner_x, roleless)
        assert perm.can_manage_user(world.admin, roleless)


def test_user_list_counts_only_manageable_accounts(client, world):
    client.login(world.planner_a.email)
    html = client.get("/verwaltung/benutzer/").get_data(as_text=True)
    # Planer Ahlen manages himself, partner_a (org in Ahlen) and srm_a (area in Ahlen).
    assert "3 Einträge" in html
    for name in ("Planer Ahlen", "Partnerin Wohlfahrt", "Sozialraum Ahlen"):
        assert name in html


def test_deputy_choices_stay_within_the_kreis(client, db, world):
    client.login(world.partner_a.email)
    html = client.get("/verwaltung/profil").get_data(as_text=True)
    assert "Planer Ahlen" in html and "Politik Kreis" in html
    assert "Planer Fremd" not in html  # accounts of another Kreis are not even shown by name
    role = world.partner_a.roles[0]
    r = client.post(
        f"/verwaltung/rollen/{role.id}/vertretung", data={"deputy_id": str(world.planner_x.id), "deputy_active": "y"}
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(RoleAssignment, role.id).deputy_id is None
    r = client.post(
        f"/verwaltung/rollen/{role.id}/vertretung", data={"deputy_id": str(world.partner_b.id), "deputy_active": "y"}
    )
    db.session.expire_all()
    assert db.session.get(RoleAssignment, role.id).deputy_id == world.partner_b.id
    client.logout()
    client.login(world.admin.email)
    assert "Planer Fremd" in client.get(f"/verwaltung/benutzer/{world.partner_a.id}").get_data(as_text=True)
