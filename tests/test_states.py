"""States as enums (issue 11): the stored values stay exactly what the database already holds (so no data
migration), every member has a German label, and the groups of states are subsets of their enum."""

from __future__ import annotations

import pytest

from models.committees import (
    FINAL_MEETING_STATES,
    HELD_MEETING_STATES,
    INVITABLE_MEETING_STATES,
    UPCOMING_MEETING_STATES,
    MeetingStatus,
    RsvpStatus,
    TopicStatus,
)
from models.contracts import (
    CLOSED_STATES,
    IN_FORCE_STATES,
    LOCKED_STATES,
    OPEN_REPORT_STATES,
    PUBLISHED_STATES,
    ContractStatus,
    GoalStatus,
    ReportStatus,
)
from models.network import PipelineStatus, Visibility
from models.protocols import (
    FOLLOWUP_KINDS,
    FORWARDABLE_KINDS,
    AttendanceStatus,
    DecisionMode,
    EntryKind,
    MeetingRoleKind,
    PoliticalOutcome,
    ProtocolStatus,
    TaskStatus,
)
from models.surveys import COLLECTING_STATES, ENDED_STATES, PREPARATION_STATES, SurveyStatus

STORED = {
    MeetingStatus: ["geplant", "eingeladen", "durchgeführt", "protokolliert", "verschoben", "abgesagt"],
    RsvpStatus: ["offen", "zugesagt", "abgesagt", "vielleicht", "vertreten"],
    TopicStatus: ["offen", "eingeplant", "erledigt", "abgelehnt"],
    ContractStatus: ["Entwurf", "in Verhandlung", "unterzeichnet", "laufend", "ausgelaufen", "gekündigt"],
    GoalStatus: ["Entwurf", "abgestimmt", "beschlossen"],
    ReportStatus: ["offen", "eingereicht", "angenommen", "zurückgegeben"],
    ProtocolStatus: ["entwurf", "zur_abstimmung", "genehmigt"],
    EntryKind: ["Information", "Erkenntnis", "Empfehlung", "Beschluss", "Aufgabe", "Dissens"],
    TaskStatus: ["offen", "in Arbeit", "erledigt"],
    AttendanceStatus: ["anwesend", "entschuldigt", "abwesend"],
    MeetingRoleKind: ["sitzungsleitung", "moderation", "protokollfuehrung"],
    DecisionMode: ["konsens", "abstimmung"],
    PoliticalOutcome: ["beschlossen", "geändert beschlossen", "abgelehnt", "vertagt"],
    SurveyStatus: ["Entwurf", "geprüft", "offen", "geschlossen", "ausgewertet"],
    Visibility: ["kreis", "planung", "beteiligte"],
    PipelineStatus: ["identifiziert", "angesprochen", "aktiv"],
}


@pytest.mark.parametrize("enum", list(STORED), ids=lambda e: e.__name__)
def test_stored_values_unchanged_and_labelled(enum):
    assert [m.value for m in enum] == STORED[enum]
    for member in enum:
        assert member == member.value and str(member) == member.value  # compares and renders as the stored string
        assert member.label and member.label[0] != "_" and "_" not in member.label


def test_labels_that_differ_from_the_stored_value():
    assert ProtocolStatus.ZUR_ABSTIMMUNG.label == "zur Abstimmung"
    assert RsvpStatus.OFFEN.label == "keine Antwort" and RsvpStatus.VERTRETEN.label == "Vertretung"
    assert MeetingRoleKind.PROTOKOLLFUEHRUNG.label == "Protokollführung"
    assert Visibility.PLANUNG.label == "nur Sozialplanung"


@pytest.mark.parametrize(
    "group, enum",
    [
        (LOCKED_STATES, ContractStatus),
        (PUBLISHED_STATES, ContractStatus),
        (IN_FORCE_STATES, ContractStatus),
        (CLOSED_STATES, ContractStatus),
        (OPEN_REPORT_STATES, ReportStatus),
        (INVITABLE_MEETING_STATES, MeetingStatus),
        (UPCOMING_MEETING_STATES, MeetingStatus),
        (HELD_MEETING_STATES, MeetingStatus),
        (FINAL_MEETING_STATES, MeetingStatus),
        (FORWARDABLE_KINDS, EntryKind),
        (FOLLOWUP_KINDS, EntryKind),
        (PREPARATION_STATES, SurveyStatus),
        (COLLECTING_STATES, SurveyStatus),
        (ENDED_STATES, SurveyStatus),
    ],
)
def test_groups_are_made_of_their_enum(group, enum):
    assert group and all(isinstance(state, enum) for state in group)


def test_contract_groups_fit_together():
    assert set(IN_FORCE_STATES) | set(CLOSED_STATES) == set(LOCKED_STATES)
    assert ContractStatus.ENTWURF not in PUBLISHED_STATES


def test_every_badge_status_has_a_kern_tone(app):
    from enum import StrEnum

    toned = [v for v in app.jinja_env.globals.values() if isinstance(v, type) and issubclass(v, StrEnum)]
    assert {MeetingStatus, TopicStatus, ContractStatus, ReportStatus, EntryKind, ProtocolStatus} <= set(toned)
    for enum in toned:
        for member in enum:
            assert member.tone in ("info", "success", "warning", "danger"), (enum, member)
    assert MeetingStatus.ABGESAGT.tone == "danger" and MeetingStatus.PROTOKOLLIERT.tone == "success"
    assert ContractStatus.GEKUENDIGT.tone == "danger" and ReportStatus.ANGENOMMEN.tone == "success"
    assert EntryKind.BESCHLUSS.tone == "success" and EntryKind.AUFGABE.tone == "warning"


def test_state_badge_macro_shows_label_and_tone(app):
    with app.test_request_context():
        macro = app.jinja_env.get_template("macros.html").module.state_badge
        html = str(macro("zur_abstimmung", ProtocolStatus))
        assert "kern-badge--info" in html and "zur Abstimmung" in html
        html = str(macro("gekündigt", ContractStatus))
        assert "kern-badge--danger" in html and "gekündigt" in html
