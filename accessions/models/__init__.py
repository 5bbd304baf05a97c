"""Market access and its dated states and conditions (access), how it was gained (accessions),
registration regimes and establishment registrations (registrations), expiry alerts and the outbox
(outbox), proposals and imports (proposals), answers as given (answers): one module a concept.

Django finds an app's models in its models module, so this one imports them from the concept
modules (as netbox-community/netbox dcim/models/ does), with every name the single models.py
held: `from accessions.models import X` keeps working. The history event models django-pghistory
makes are set on this module by pghistory itself.
"""

from accessions.models.access import (
    NOTE_REVIEW_FIELDS,
    NOTE_WRITTEN_ON,
    AccessCondition,
    AccessState,
    AccessStatus,
    ConditionKind,
    EstablishmentsBasis,
    InstrumentKind,
    MarketAccess,
    StateKind,
    StateOrigin,
    instrument_phrase,
)
from accessions.models.accessions import (
    STAGE_ORDER,
    Accession,
    AccessionBasis,
    AccessionStage,
    DiplomaticEvent,
    Stage,
)
from accessions.models.answers import (
    AnswerRecord,
)
from accessions.models.coverage import (
    CoverageStep,
)
from accessions.models.outbox import (
    Alert,
    AlertKind,
    EventKind,
    OutboxEvent,
)
from accessions.models.proposals import (
    ImportKind,
    ImportRun,
    ImportRunState,
    Proposal,
    ProposalAction,
    ProposalBatch,
    ProposalState,
)
from accessions.models.registrations import (
    ACTIVE_REGISTRATION_STATUSES,
    DEMO_PREFIX,
    REGISTRATION_NUMBER_REGEX,
    STOPPED_REGISTRATION_STATUSES,
    EstablishmentRegistration,
    ExtensionExclusion,
    RegistrationRegime,
    RegistrationStatus,
)

__all__ = [
    "ACTIVE_REGISTRATION_STATUSES",
    "DEMO_PREFIX",
    "NOTE_REVIEW_FIELDS",
    "NOTE_WRITTEN_ON",
    "REGISTRATION_NUMBER_REGEX",
    "STAGE_ORDER",
    "STOPPED_REGISTRATION_STATUSES",
    "AccessCondition",
    "AccessState",
    "AccessStatus",
    "Accession",
    "AccessionBasis",
    "AccessionStage",
    "Alert",
    "AlertKind",
    "AnswerRecord",
    "CoverageStep",
    "ConditionKind",
    "DiplomaticEvent",
    "EstablishmentRegistration",
    "EstablishmentsBasis",
    "EventKind",
    "ExtensionExclusion",
    "ImportKind",
    "ImportRun",
    "ImportRunState",
    "InstrumentKind",
    "MarketAccess",
    "OutboxEvent",
    "Proposal",
    "ProposalAction",
    "ProposalBatch",
    "ProposalState",
    "RegistrationRegime",
    "RegistrationStatus",
    "Stage",
    "StateKind",
    "StateOrigin",
    "instrument_phrase",
]
