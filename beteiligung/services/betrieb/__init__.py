"""Betrieb im Rechenzentrum: jobs, worker heartbeat, health and metrics (issue 16)."""
