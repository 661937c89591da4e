"""Gremien: Gremien und Gremienarten (gremien.py), Mitgliedschaften (mitglieder.py), Sitzungen und Serien
(sitzungen.py), Tagesordnung (tagesordnung.py), Themenspeicher (themen.py), Einladungen und Rückmeldungen
(einladungen.py), Kalender (kalender.py), Sitzungsdokumente: Einladung als PDF/DOCX und Dokumente an TOPs
(dokumente.py)."""
