"""All models; importing this package registers every table with the metadata.

Every module in this package is imported automatically, so a new domain
module needs no edit here. The names below are the shared core.
"""

import importlib as _importlib
import pkgutil as _pkgutil

from .accounts import (  # noqa: F401
    ROLE_ADMIN,
    ROLE_AREA_MANAGER,
    ROLE_LABELS,
    ROLE_PARTNER,
    ROLE_PLANNER,
    ROLE_POLITICS,
    LoginFailure,
    RoleAssignment,
    User,
)
from .audit import AuditEntry  # noqa: F401
from .base import utcnow  # noqa: F401
from .committees import (  # noqa: F401
    DEFAULT_COMMITTEE_TYPES,
    MEETING_STATES,
    TOPIC_STATES,
    AgendaItem,
    Committee,
    CommitteeType,
    Invitation,
    Meeting,
    Membership,
    TopicProposal,
)
from .mail import OutboxMail  # noqa: F401
from .masterdata import (  # noqa: F401
    AREA_KINDS,
    BODY_KINDS,
    ORGANISATION_KINDS,
    TERM_CLASSES,
    VOCABULARIES,
    Area,
    Body,
    Handlungsfeld,
    Organisation,
    Person,
    Term,
    Thema,
    Zielgruppe,
    organisation_area,
    organisation_term,
)

for _module in _pkgutil.iter_modules(__path__):
    _importlib.import_module(f"{__name__}.{_module.name}")
