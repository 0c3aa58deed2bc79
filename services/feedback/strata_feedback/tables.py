"""Every table of the feedback service, imported once so the metadata is complete
(migrations and tests read `metadata` from here)."""

from strata_feedback.appeals.models import Appeal, ChangeRequest
from strata_feedback.improvement.models import ImprovementAction, ImprovementProgress
from strata_feedback.interviews.models import Interview, InterviewGap, InterviewParticipant
from strata_feedback.models import AuditRecord, OutboxEvent, metadata
from strata_feedback.notes.models import FeedbackNote, TenantSetting

__all__ = [
    "Appeal",
    "AuditRecord",
    "ChangeRequest",
    "FeedbackNote",
    "ImprovementAction",
    "ImprovementProgress",
    "Interview",
    "InterviewGap",
    "InterviewParticipant",
    "OutboxEvent",
    "TenantSetting",
    "metadata",
]
