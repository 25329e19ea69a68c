"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from app.models.aggregate import AggregateReport
from app.models.agreement import Agreement, AgreementStatus, AgreementTemplate
from app.models.archive import ArchiveNumber
from app.models.assessment import AssessmentScheme, JudgementScore, ScoreAdjustment
from app.models.audit import AuditEntry
from app.models.base import Base, SyncedRecord
from app.models.brand import Brand, BrandEvidence, BrandMilestone, BrandParticipant, BrandStatus
from app.models.bulletin import IssuedBulletin
from app.models.county_summary import CountySummary
from app.models.duty import Duty, Indicator, IndicatorMeasure
from app.models.evidence import EvidenceFlag, PhotoHash
from app.models.exchange import Direction, ExchangeConflict, LocalEdit, PackageLog
from app.models.inspection import (
    Inspection,
    RectificationItem,
    RectificationStatus,
    RectificationUpdate,
)
from app.models.ledger import (
    Attachment,
    CorrectionSubject,
    EntryAttachment,
    EntryKind,
    LedgerEntry,
    SubjectCategory,
)
from app.models.manual_value import ManualValue
from app.models.meeting import Meeting, MeetingDecision, MeetingReport
from app.models.peer_rating import PeerRating
from app.models.period_lock import PeriodUnlock
from app.models.programme import Goal, GoalMetric, Phase, Programme
from app.models.settings import LocalSetting
from app.models.statistics_report import (
    ReportStatus,
    StatisticsDecision,
    StatisticsReport,
    StatisticsReview,
    StatisticsUnlock,
)
from app.models.summary import (
    PhaseSummary,
    ReviewDecision,
    SummaryPhoto,
    SummaryReview,
    SummaryStatus,
)
from app.models.unit import Pairing, Unit, UnitKind
from app.models.user import User
from app.models.verification import DoubtAnswer, EntryVerification, VerificationStatus

# The Alembic revision this code's models correspond to; a test keeps it equal to head.
SCHEMA_HEAD = "0026"

__all__ = [
    "SCHEMA_HEAD",
    "AggregateReport",
    "Agreement",
    "AgreementStatus",
    "AgreementTemplate",
    "ArchiveNumber",
    "AssessmentScheme",
    "Attachment",
    "AuditEntry",
    "Base",
    "Brand",
    "BrandEvidence",
    "BrandMilestone",
    "BrandParticipant",
    "BrandStatus",
    "CorrectionSubject",
    "CountySummary",
    "Direction",
    "DoubtAnswer",
    "Duty",
    "EntryAttachment",
    "EntryKind",
    "EntryVerification",
    "EvidenceFlag",
    "ExchangeConflict",
    "Goal",
    "GoalMetric",
    "Indicator",
    "IndicatorMeasure",
    "Inspection",
    "IssuedBulletin",
    "JudgementScore",
    "LedgerEntry",
    "LocalEdit",
    "LocalSetting",
    "ManualValue",
    "Meeting",
    "MeetingDecision",
    "MeetingReport",
    "PackageLog",
    "Pairing",
    "PeerRating",
    "PeriodUnlock",
    "Phase",
    "PhaseSummary",
    "PhotoHash",
    "Programme",
    "RectificationItem",
    "RectificationStatus",
    "RectificationUpdate",
    "ReportStatus",
    "ReviewDecision",
    "ScoreAdjustment",
    "StatisticsDecision",
    "StatisticsReport",
    "StatisticsReview",
    "StatisticsUnlock",
    "SubjectCategory",
    "SummaryPhoto",
    "SummaryReview",
    "SummaryStatus",
    "SyncedRecord",
    "Unit",
    "UnitKind",
    "User",
    "VerificationStatus",
]
