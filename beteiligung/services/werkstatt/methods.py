"""Methodenbibliothek: the method cards of the handbook „Moderne Sozialplanung“ (seed 000, chapter 6),
in its card format (Anwendungsbereich, Ziele, Akteure, Beschreibung, Ergebnis, Good Practice,
Literatur; L5278-5293), each linked to the board type that supports it (if any). Quotes are
abridged from the handbook; line references point into the seed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.werkstatt import BoardKind


@dataclass(frozen=True)
class Method:
    key: str
    name: str
    chapter: str
    step: str  # where in the Steuerungskreislauf
    anwendungsbereich: str
    ziele: str
    akteure: str
    beschreibung: tuple[str, ...]
    ergebnis: str
    good_practice: str = ""
    literatur: str = ""
    when: str = ""  # guidance: when to use it
    boards: tuple[BoardKind, ...] = ()
    source: str = ""
    steps: tuple[str, ...] = field(default_factory=tuple)


METHODS: tuple[Method, ...] = (
    Method(
        key="swot",
        name="SWOT-Analyse",
        chapter="6.3.5",
        step="Bestandsaufnahme und Zielbildung",
        anwendungsbereich="Unterstützung von Entscheidungen",
        ziele="Identifizierung und Priorisierung von Herausforderungen",
        akteure="Fachplanung, Sozialplanung, ggfs. auch andere Stellen",
        beschreibung=(
            "In einem ersten Schritt wird nach den bestehenden Stärken und Schwächen im Zielfeld "
            "„Ergebnisse/Wirkungen“ gefragt – nach Möglichkeit, indem die subjektiven Wahrnehmungen der "
            "Beteiligten mit den vorhandenen statistischen Daten (Fallzahlen, Ergebnisse aus "
            "Klientenbefragungen) verbunden werden.",
            "Welche Stärken und Schwächen sind auch zukünftig besonders wichtig? Dafür fragt die SWOT-Analyse "
            "nach den von außen kommenden Chancen und Risiken – etwa ein schwächerer regionaler Arbeitsmarkt "
            "(Risiko) oder eine sinkende Nachfrage nach Kindertagesbetreuung (Chance).",
        ),
        ergebnis="Ein einfaches Instrument, um Herausforderungen zu sammeln, zu klären, zu hinterfragen und in einem "
        "nachvollziehbaren Verfahren Prioritäten zu entscheiden. „Sie verbindet Intuition mit Analyse!“",
        good_practice="Stadt Dortmund: Kleinräumige Quartiersanalyse „Erpinghofsiedlung“",
        literatur="KGSt B9/2004",
        when="Wenn eine Runde ein gemeinsames Bild der Lage braucht, bevor sie Prioritäten setzt – in der "
        "Sozialraumkonferenz oder als Einstieg einer Werkstatt. Danach mit einer Punktabfrage priorisieren.",
        boards=(BoardKind.SWOT, BoardKind.PUNKTABFRAGE),
        source="Seed 000, L5882-5933",
    ),
    Method(
        key="portfolio",
        name="Portfolioanalyse",
        chapter="6.3.3",
        step="Zielbildung und Controlling",
        anwendungsbereich="Unterstützung von Entscheidungen",
        ziele="Komplexitätsreduktion durch Visualisierung",
        akteure="Sozialplanung",
        beschreibung=(
            "Portfolios bereiten viele möglicherweise relevante Informationen so auf, dass sie durch Visualisierung "
            "Komplexität reduzieren und die Entscheidung unterstützen; bloße Zahlentabellen sind dafür oft ungeeignet.",
            "Ein Portfolio ist in der Regel eine Vier- oder Neun-Felder-Matrix. Jede Position ist mit einer "
            "Entscheidungsempfehlung („strategische Stoßrichtung“) verbunden – z. B. Produkte nach "
            "Ressourcenverbrauch und Wirkungsbeitrag verortet.",
        ),
        ergebnis="Visuelle Darstellung des Untersuchungsgegenstands; zusammen mit den Produktbeschreibungen "
        "Grundlage einer stimmigen Strategie.",
        literatur="KGSt B2/2005",
        boards=(BoardKind.PORTFOLIO,),
        source="Seed 000, L5744-5800",
        when="Wenn viele Maßnahmen oder Angebote nach zwei Gesichtspunkten (z. B. Aufwand und Wirkung) "
        "eingeordnet werden sollen – oft im Anschluss an eine Wirkungsbeitragsanalyse.",
    ),
    Method(
        key="wirkungsbeitragsanalyse",
        name="Wirkungsbeitragsanalyse",
        chapter="6.6.4",
        step="Controlling",
        anwendungsbereich="Bewertung von Projekten, Produkten und Maßnahmen",
        ziele="Aufzeigen des Nutzens von Maßnahmen",
        akteure="Sozialplanung, Produktverantwortliche",
        beschreibung=(
            "Stellt auf der Grundlage subjektiver Einschätzungen die Wirkungszusammenhänge zwischen den Produkten "
            "mit ihren Kosten und den (gewichteten) Zielen her: „Welchen Beitrag leisten die Produkte und Projekte "
            "und die mit ihnen gebundenen Ressourcen zur Erreichung der strategischen Ziele?“",
            "Verwaltungsführung, Politik und Fachleute kommen dabei systematisch miteinander ins Gespräch.",
        ),
        steps=(
            "Strategische Ziele erarbeiten oder überprüfen.",
            "Die strategischen Ziele bewerten und gewichten.",
            "Gemeinsam bewerten: „Welchen Beitrag leistet das Produkt/Projekt zur Erreichung der Ziele?“",
            "Ressourcen in Relation zur Zielerreichung setzen.",
        ),
        ergebnis="Bewertete Produkte: Gewicht des Ziels × Beitrag ergibt den Wirkungsbeitrag; die Summe über alle Ziele "
        "eine rechnerische Rangfolge, die zur Entscheidung in ein Portfolio überführt wird.",
        good_practice="Landeshauptstadt Potsdam",
        literatur="KGSt B2/2005",
        boards=(BoardKind.WIRKUNGSBEITRAG, BoardKind.PORTFOLIO),
        source="Seed 000, L6518-6570",
        when="Wenn Ressourcen knapp sind und begründet werden muss, welche Maßnahmen am meisten zu den Zielen "
        "beitragen. In der Werkstatt: die Tafel „Wirkungsbeitragsanalyse“ nennt die Wirkung; die Teilnehmenden "
        "bewerten auf Karten den Beitrag von Akteuren aus dem Netzwerk, die Tafel rangiert die Akteure. "
        "Ressourcen × Wirkungsbeitrag lassen sich danach auf einer Portfolio-Tafel festhalten.",
    ),
    Method(
        key="zukunftskonferenz",
        name="Zukunftskonferenz",
        chapter="6.5.1",
        step="Zielbildung und Maßnahmenplanung",
        anwendungsbereich="Planung von Maßnahmen und Aktionsplänen",
        ziele="Konsenserzielung, Einbeziehung aller Stakeholder",
        akteure="Alle Stakeholder; die wichtigsten müssen teilnehmen",
        beschreibung=(
            "Durch Einbindung aller relevanten Akteure eine ausgewogene Abschätzung künftiger Entwicklungen oder "
            "Idealbilder erhalten, an der sich kurz- und mittelfristiges Handeln ausrichtet. Zeitrahmen 1–3 Tage.",
            "Wiederholte Kleingruppenarbeit (Phase 1 und 3) und Spiegeln im Plenum schaffen einen allgemein "
            "anerkannten Konsens.",
        ),
        steps=(
            "Reflexion der Vergangenheit: Hoch- und Tiefpunkte auf einem Zeitstrahl.",
            "Analyse der Gegenwart: Herausforderungen, Stärken und Schwächen (z. B. als SWOT-Tafel).",
            "Entwicklung von Zukunftsentwürfen: Bilder der erwünschten Zukunft.",
            "Gemeinsamkeiten herausarbeiten: Ziele, die alle tragen (z. B. mit einer Punktabfrage).",
            "Planung konkreter Maßnahmen mit Verantwortlichen und verbindlichen Terminen "
            "(als Aufgaben ins Protokoll übernehmen).",
        ),
        ergebnis="Konkrete Maßnahmenpläne mit benannten Verantwortlichkeiten und verbindlichen Terminplänen.",
        literatur="Burow 2008; Bertelsmann Stiftung 2010",
        boards=(BoardKind.ZUKUNFTSKONFERENZ, BoardKind.SWOT, BoardKind.PUNKTABFRAGE),
        source="Seed 000, L6090-6137",
        when="Für einen breiten Neustart eines Themas mit allen Beteiligten. Die Tafel „Zukunftskonferenz“ führt "
        "durch die fünf Phasen (die Moderation schaltet weiter; nur die laufende Phase nimmt Karten an); "
        "Phase 4 lässt sich zusätzlich mit einer Punktabfrage verdichten.",
    ),
    Method(
        key="open-space",
        name="Open-Space-Konferenz",
        chapter="6.5.3",
        step="Beteiligung und Maßnahmenplanung",
        anwendungsbereich="Partizipative Bearbeitung eines Rahmenthemas",
        ziele="Ideen und Vorschläge entwickeln und konkrete Vorhaben ableiten",
        akteure="Organisator·innen; offen für alle",
        beschreibung=(
            "Offenheit für alle und eine ungezwungene Atmosphäre schaffen Raum für kreative und unerwartete Lösungen. "
            "Die Organisator·innen legen nur ein Rahmenthema fest; Arbeitsgruppen bilden sich frei und halten ihre "
            "Themen an zentraler Stelle fest.",
            "Spielregeln: Gesetz der zwei Füße · Wer immer kommt, ist die richtige Person · Was auch geschieht, es ist "
            "das Einzige, was geschehen kann · Wann immer es beginnt, es ist die richtige Zeit · Vorbei ist vorbei.",
        ),
        ergebnis="Die Ergebnisse der Arbeitsgruppen werden dokumentiert und allen zugänglich gemacht; zum Abschluss "
        "eine Dokumentation für alle Teilnehmenden.",
        good_practice="Stadt Nürnberg",
        literatur="Bertelsmann Stiftung 2010",
        source="Seed 000, L6206-6246",
        when="Wenn ein offenes Thema viele Menschen betrifft und die Themen von ihnen selbst kommen sollen. "
        "Im Open-Space-Marktplatz schlagen Teilnehmende Sessions vor, die Moderation verteilt Räume und "
        "Zeiten, wer eine Session anbietet, dokumentiert sie; die Ergebnisse gehen gesammelt ins Protokoll.",
        boards=(BoardKind.OPEN_SPACE,),
    ),
    Method(
        key="szenariotechnik",
        name="Szenariotechnik",
        chapter="6.4.2",
        step="Zielbildung",
        anwendungsbereich="Problembeschreibung und Lösungssuche",
        ziele="Handlungsalternativen und mögliche künftige Entwicklungen entwerfen",
        akteure="Planende Einheit",
        beschreibung=(
            "Nicht zu früh auf einen einzigen Lösungsweg festlegen: drei Entwicklungen betrachten – bestmögliche "
            "(z. B. Arbeitslosigkeit in drei Jahren 4 Prozentpunkte niedriger), Status quo und schlechteste "
            "(z. B. +0,5 Prozentpunkte pro Jahr).",
        ),
        ergebnis="Unterschiede in den Grundannahmen werden geklärt; Alternativen werden ausdrücklich formuliert und "
        "zum Gegenstand der Entscheidung von Politik und Verwaltung.",
        source="Seed 000, L6013-6089",
        when="Vor Zielvereinbarungen mit Kennzahlen, wenn die Annahmen über die Entwicklung auseinandergehen. "
        "Noch ohne eigene Tafel.",
    ),
    Method(
        key="leitbild",
        name="Leitbildentwicklung",
        chapter="6.4.1",
        step="Vision/Leitbild",
        anwendungsbereich="Normative Begründung kommunalen Handelns",
        ziele="Werte, Ziele und Selbstverständnis festlegen",
        akteure="Politik, Verwaltung, alle Stakeholder",
        beschreibung=(
            "Ein Leitbild erfüllt Identifikations-, Integrations-, Koordinations-, Motivations- und Strategiefunktion.",
            "Damit es vom „Wunschzettel“ zur gelebten Norm wird, braucht es einen transparenten Prozess, der auch "
            "Bürger·innen einbezieht.",
        ),
        ergebnis="Ein von allen getragenes Leitbild als Grundlage für strategisches und operatives Management.",
        source="Seed 000, L5939-6012",
        when="Am Anfang des Steuerungskreislaufs, in der Steuerungsgruppe. Sammeln mit einer SWOT-Tafel, "
        "Schwerpunkte mit einer Punktabfrage.",
        boards=(BoardKind.SWOT, BoardKind.PUNKTABFRAGE),
    ),
    Method(
        key="punktabfrage",
        name="Punktabfrage",
        chapter="–",
        step="in jedem Schritt",
        anwendungsbereich="Priorisieren in der Gruppe",
        ziele="Schnell sichtbar machen, was der Runde am wichtigsten ist",
        akteure="Alle Teilnehmenden",
        beschreibung=(
            "Alle erhalten gleich viele Punkte (meist drei) und verteilen sie auf die Karten; mehrere Punkte auf "
            "dieselbe Karte sind erlaubt. Die Rangfolge steht sofort fest.",
        ),
        ergebnis="Eine Rangfolge, die als Empfehlung oder Aufgabe ins Protokoll übernommen wird.",
        source="Moderationstechnik (nicht als eigene Methode im Handbuch)",
        when="Nach dem Sammeln (SWOT, Open Space, Zukunftskonferenz Phase 4), wenn aus vielen Vorschlägen "
        "wenige ausgewählt werden müssen.",
        boards=(BoardKind.PUNKTABFRAGE,),
    ),
)

BY_KEY = {m.key: m for m in METHODS}


def methods_for_board(kind: str) -> list[Method]:
    return [m for m in METHODS if kind in {b.value for b in m.boards}]
