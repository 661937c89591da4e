"""Leistung: scale generator (`demo skalieren`) and page benchmark (`benchmark seiten`)."""
