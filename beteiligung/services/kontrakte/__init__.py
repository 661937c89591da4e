"""Kontrakte: Verträge (vertraege.py), Parteien und Budget (parteien.py), Fassungen (versionen.py),
Berichte (berichte.py), Anhänge (anhaenge.py), Ziele und Kennzahlen (ziele.py) und die Auswertung der
Kennzahlen (kennzahlen.py: Ampel, Soll-Werte, deutsche Zahlenformate)."""
