"""Stammdaten: Pflege (pflege.py) und Import aus CSV/XLSX (importe.py)."""
