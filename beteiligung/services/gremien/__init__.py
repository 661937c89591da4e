"""Gremien: Gremien und Sitzungen (sitzungen.py), Einladungen und Rückmeldungen (einladungen.py),
Kalender (kalender.py), Sitzungsdokumente (dokumente.py)."""
