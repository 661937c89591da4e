"""Plain-German labels for the audit log: model names, field names and stored values.

The audit log stores technical keys (model class names, column names, JSON values); the pages
show them through the filters registered here: ``audit_entity``, ``audit_field``, ``audit_value``.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from beteiligung.formatting import date_de, datetime_de, number_de

ACTION_LABELS = {
    "create": "angelegt",
    "angelegt": "angelegt",
    "update": "geändert",
    "delete": "gelöscht",
    "anonymise": "anonymisiert",
    "status": "Status geändert",
    "invite": "eingeladen",
    "rsvp": "Rückmeldung",
    "answer": "beantwortet",
    "login": "angemeldet",
    "logout": "abgemeldet",
    "password": "Passwort geändert",
    "role": "Rolle geändert",
    "import": "importiert",
    "importiert": "importiert",
    "send": "verschickt",
    "sign": "unterzeichnet",
    "submit": "eingereicht",
    "remind": "erinnert",
    "close": "abgeschlossen",
    "amend": "Nachtrag",
    "link": "verknüpft",
    "unlink": "Verknüpfung gelöst",
    "reorder": "neu geordnet",
    "add_budget": "Budgetposten hinzugefügt",
    "remove_budget": "Budgetposten entfernt",
    "add_duty": "Berichtspflicht hinzugefügt",
    "add_party": "Vertragspartei hinzugefügt",
    "remove_party": "Vertragspartei entfernt",
}

ENTITY_LABELS = {
    "User": "Konto",
    "RoleAssignment": "Rolle",
    "Body": "Körperschaft",
    "Area": "Sozialraum",
    "AreaGeometry": "Sozialraum-Umriss",
    "Term": "Begriff",
    "Handlungsfeld": "Handlungsfeld",
    "Zielgruppe": "Zielgruppe",
    "Thema": "Thema",
    "Organisation": "Organisation",
    "Person": "Person",
    "CommitteeType": "Gremienart",
    "Committee": "Gremium",
    "Membership": "Mitgliedschaft",
    "Meeting": "Sitzung",
    "AgendaItem": "Tagesordnungspunkt",
    "TopicProposal": "Themenvorschlag",
    "Invitation": "Einladung",
    "MeetingRegistration": "Anmeldung zur Sitzung",
    "AgendaDocument": "Sitzungsunterlage",
    "Contract": "Kontrakt",
    "ContractParty": "Vertragspartei",
    "ContractVersion": "Kontrakt-Fassung",
    "Goal": "Ziel",
    "BudgetLine": "Budgetposten",
    "Indicator": "Kennzahl",
    "Measurement": "Messwert",
    "ReportingDuty": "Berichtspflicht",
    "Report": "Bericht",
    "Attachment": "Anhang",
    "StatIndicator": "Monitoring-Indikator",
    "StatValue": "Monitoring-Wert",
    "IndexDefinition": "Indexdefinition",
    "MonitoringEdition": "Monitoring-Ausgabe",
    "Sozialbericht": "Sozialbericht",
    "Relation": "Beziehung",
    "Paper": "Vorlage",
    "PaperFile": "Datei zur Vorlage",
    "PaperConsultation": "Beratung einer Vorlage",
    "LegislativeTerm": "Wahlperiode",
    "Measure": "Maßnahme",
    "Milestone": "Meilenstein",
    "MeasureBudget": "Maßnahmenbudget",
    "PlanningProcess": "Planungsvorhaben",
    "ProcessPhase": "Phase",
    "ProcessAssignment": "Zuordnung",
    "ControllingNote": "Controlling-Vermerk",
    "Uptake": "Umsetzung",
    "Consultation": "Beteiligungsverfahren",
    "ConsultationParticipant": "Beteiligte Stelle",
    "Statement": "Stellungnahme",
    "Attendance": "Anwesenheit",
    "MeetingRole": "Sitzungsrolle",
    "Protocol": "Protokoll",
    "ProtocolEntry": "Protokolleintrag",
    "Survey": "Befragung",
    "SurveySection": "Befragungsabschnitt",
    "Question": "Frage",
    "QuestionOption": "Antwortmöglichkeit",
    "Code": "Code",
    "Finding": "Befund",
    "DatePoll": "Terminabstimmung",
    "Board": "Methodentafel",
    "BoardCard": "Karte",
    "DocumentJob": "PDF-Auftrag",
}

FIELD_LABELS = {
    "id": "Nummer",
    "created_at": "angelegt am",
    "updated_at": "geändert am",
    "author_name": "verfasst von",
    "author_user_id": "Konto",
    "board_id": "Methodentafel",
    "field": "Feld der Tafel",
    "rating": "Bewertung",
    "cluster": "Gruppe",
    "x": "Lage waagerecht",
    "y": "Lage senkrecht",
    "slot": "Zeitfenster",
    "documentation": "Dokumentation",
    "author_guest_id": "Gast",
    "merged_into_id": "zusammengeführt in",
    "current_phase": "laufende Phase",
    "active": "aktiv",
    "sitzung_id": "Anmeldesitzung",
    "weg": "Anmeldeweg",
    "addressee_org_id": "Adressat",
    "agenda_item_id": "Tagesordnungspunkt",
    "answered_at": "beantwortet am",
    "area": "Sozialraum",
    "areas": "Sozialräume",
    "body_id": "Körperschaft",
    "capacity": "Plätze",
    "city": "Ort",
    "street": "Straße",
    "postal_code": "Postleitzahl",
    "phone": "Telefon",
    "email": "E-Mail",
    "website": "Website",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "function": "Funktion",
    "version": "Fassung",
    "code": "Kürzel",
    "comment": "Kommentar",
    "committee_id": "Gremium",
    "council_paper_url": "Link zur Ratsvorlage",
    "created_by_id": "angelegt von",
    "deadline": "Frist",
    "deputy_id": "Stellvertretung",
    "description": "Beschreibung",
    "duration_minutes": "Dauer (Minuten)",
    "end": "Ende",
    "end_date": "Enddatum",
    "goal": "Ziel",
    "goals": "Ziele",
    "handlungsfelder": "Handlungsfelder",
    "has_mandate": "mit Mandat",
    "ical_sequence": "Änderungen der Kalendereinladung",
    "ical_uid": "Kalenderkennung",
    "indicators": "Kennzahlen",
    "is_public": "öffentlich",
    "kind": "Art",
    "location": "Ort",
    "meeting_id": "Sitzung",
    "name": "Name",
    "note": "Notiz",
    "number": "Nummer",
    "online_url": "Online-Zugang",
    "organisation_id": "Organisation",
    "paper_date": "Datum der Vorlage",
    "paper_type": "Art der Vorlage",
    "params": "Angaben",
    "person_id": "Person",
    "persons": "Personen",
    "position": "Position",
    "presenter": "Vortragende·r",
    "proposed_by_id": "vorgeschlagen von",
    "protocol_entry_id": "Protokolleintrag",
    "published_at": "veröffentlicht am",
    "purpose": "Zweck",
    "question": "Frage",
    "reference": "Aktenzeichen",
    "registration_open": "Anmeldung offen",
    "released_at": "freigegeben am",
    "released_by_id": "freigegeben von",
    "reminded_at": "erinnert am",
    "role": "Rolle",
    "room": "Raum",
    "rrule": "Serie",
    "rsvp": "Rückmeldung",
    "sent_at": "verschickt am",
    "sent_sequence": "verschickte Fassung der Einladung",
    "shared_at": "freigegeben am",
    "shared_with_kreis": "für den Kreis freigegeben",
    "source_label": "Quelle",
    "start": "Beginn",
    "start_date": "Startdatum",
    "state": "Stand",
    "status": "Status",
    "status_reason": "Grund",
    "stichtag": "Stichtag",
    "text": "Text",
    "title": "Titel",
    "titel": "Titel",
    "token_hash": "Zugangsschlüssel (verschlüsselt)",
    "type_id": "Art",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def entity_label(entity_type: str) -> str:
    return ENTITY_LABELS.get(entity_type, entity_type)


def field_label(key: str) -> str:
    """A German label; unknown keys at least lose underscores and the technical ``_id`` suffix."""
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    words = key.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def value_label(value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "Ja" if value else "Nein"
    if isinstance(value, datetime):
        return datetime_de(value)
    if isinstance(value, date):
        return date_de(value)
    if isinstance(value, int):
        return number_de(value)
    if isinstance(value, float):
        return number_de(value) if value.is_integer() else number_de(value, 2)
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return date_de(date.fromisoformat(value))
        if _ISO_DATETIME.match(value):
            try:
                return datetime_de(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return value
        return value
    if isinstance(value, list | tuple):
        return ", ".join(value_label(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(k))}: {value_label(v)}" for k, v in value.items())
    return str(value)


def register(app) -> None:
    app.jinja_env.filters.update(
        audit_action=action_label, audit_entity=entity_label, audit_field=field_label, audit_value=value_label
    )
