"""Protokolle, Beschlüsse und Nachhalten."""
