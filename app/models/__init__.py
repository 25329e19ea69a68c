"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from app.models.agreement import Agreement, AgreementStatus, AgreementTemplate
from app.models.base import Base, SyncedRecord
from app.models.brand import Brand, BrandEvidence, BrandMilestone, BrandParticipant, BrandStatus
from app.models.duty import Duty, Indicator, IndicatorMeasure
from app.models.inspection import Inspection, RectificationItem, RectificationStatus
from app.models.ledger import (
    Attachment,
    CorrectionSubject,
    EntryAttachment,
    EntryKind,
    LedgerEntry,
    SubjectCategory,
)
from app.models.meeting import Meeting, MeetingDecision, MeetingReport
from app.models.programme import Goal, GoalMetric, Phase, Programme
from app.models.settings import LocalSetting
from app.models.summary import PhaseSummary, SummaryPhoto, SummaryStatus
from app.models.unit import Pairing, Unit, UnitKind

# The Alembic revision this code's models correspond to; a test keeps it equal to head.
SCHEMA_HEAD = "0003"

__all__ = [
    "SCHEMA_HEAD",
    "Agreement",
    "AgreementStatus",
    "AgreementTemplate",
    "Attachment",
    "Base",
    "Brand",
    "BrandEvidence",
    "BrandMilestone",
    "BrandParticipant",
    "BrandStatus",
    "CorrectionSubject",
    "Duty",
    "EntryAttachment",
    "EntryKind",
    "Goal",
    "GoalMetric",
    "Indicator",
    "IndicatorMeasure",
    "Inspection",
    "LedgerEntry",
    "LocalSetting",
    "Meeting",
    "MeetingDecision",
    "MeetingReport",
    "Pairing",
    "Phase",
    "PhaseSummary",
    "Programme",
    "RectificationItem",
    "RectificationStatus",
    "SubjectCategory",
    "SummaryPhoto",
    "SummaryStatus",
    "SyncedRecord",
    "Unit",
    "UnitKind",
]
