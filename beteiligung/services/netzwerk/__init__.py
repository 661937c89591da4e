"""Netzwerk: Beziehungen, das sichtbare Netzwerk, abgeleitete Verbindungen (beziehungen.py) und die
Netzwerkanalyse (analyse.py)."""
