"""All models; importing this package registers every table with the metadata."""
from .base import utcnow  # noqa: F401
from .masterdata import (  # noqa: F401
    AREA_KINDS, BODY_KINDS, ORGANISATION_KINDS, TERM_CLASSES, VOCABULARIES,
    Area, Body, Handlungsfeld, Organisation, Person, Term, Thema, Zielgruppe,
    organisation_area, organisation_term,
)
from .accounts import (  # noqa: F401
    ROLE_ADMIN, ROLE_AREA_MANAGER, ROLE_LABELS, ROLE_PARTNER, ROLE_PLANNER, ROLE_POLITICS,
    LoginFailure, RoleAssignment, User,
)
from .audit import AuditEntry  # noqa: F401
from .mail import OutboxMail  # noqa: F401
