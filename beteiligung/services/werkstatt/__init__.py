"""Werkstatt-Methoden (issue 18). Sub-modules: `polls` (Terminabstimmung)."""
