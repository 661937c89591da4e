"""Kontrakte: Verträge, Berichte, Anhänge, Ziele und Kennzahlen."""
