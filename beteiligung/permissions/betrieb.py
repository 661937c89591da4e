"""Betrieb (issue 16): documents made by the job queue.

A document order belongs to the person who placed it: only they see its page and download the file
(the permission for the document itself is checked when it is ordered and again when the job makes it).
"""

from __future__ import annotations


def can_view_document_job(user, job) -> bool:
    return (
        job is not None
        and user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_enabled", True)
        and job.user_id == user.id
    )
