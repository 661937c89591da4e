"""Befragungen: Fragebogen und Antworten (befragung.py), Ergebnisse (ergebnisse.py), Kodierung der
Freitexte (kodierung.py) und die öffentliche Wirkungskette eines Befunds (wirkungskette.py)."""
