"""Einwilligung in die Veröffentlichung im Ratsinformations-Standard (PublicationConsent)."""

from __future__ import annotations

from datetime import date

from beteiligung.extensions import db
from beteiligung.services import NotFound, ValidationError, audit
from models import Person
from models.oparl import PublicationConsent


def set_publication_consent(user, person_id: int, given: bool, contact: bool, day: date) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("Diese Person gibt es nicht.")
    if given and person.anonymised_at is not None:
        raise ValidationError({"person": "Die Person ist anonymisiert und kann nicht veröffentlicht werden."})
    consent = db.session.get(PublicationConsent, person_id)
    before = {"publication_consent": consent is not None, "contact": bool(consent and consent.contact)}
    if given:
        if consent is None:
            consent = PublicationConsent(person_id=person_id, given_on=day, contact=contact)
            db.session.add(consent)
        else:
            consent.contact, consent.given_on = contact, day
    elif consent is not None:
        db.session.delete(consent)
    db.session.flush()
    audit.record(
        user,
        "update",
        person,
        before,
        {"publication_consent": given, "contact": given and contact},
        f"Einwilligung in die Veröffentlichung: {'erteilt' if given else 'widerrufen'}",
    )
    return person
