"""Protokolle: Einträge, Genehmigung, Nachhalten und Erinnerungen (eintraege.py), Sitzungsrollen und
Anwesenheit (anwesenheit.py), Kennzahlen eines Gremiums (auswertung.py), PDF/DOCX (ausgaben.py)."""
