"""Disclosure of who answered what: an audited exception for HR, never a view.

Results never tie an answer to a rater. HR sees who was invited and who has finished
(to chase the late), but which rater gave which answers, in the anonymous groups too,
only through a disclosure: an admin grants one HR user (by identity subject) the right
for one campaign (or every campaign), with a reason and an expiry; each disclosure then
needs its own reason and is recorded in the audit trail. Use it for cases such as an
abusive comment that must be followed up.
"""

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from strata_contracts._base import Read, Reason, Strict
from strata_contracts.reviews.responses import AnswerRead
from strata_contracts.reviews.vocabulary import InvitationStatus, Relationship


class RevealGrantCreate(Strict):
    grantee_subject: str = Field(min_length=1, max_length=200)
    campaign_id: UUID | None = Field(default=None, description="Absent: every campaign.")
    reason: Reason
    expires_at: AwareDatetime


class RevealGrantRead(Read):
    grantee_subject: str
    campaign_id: UUID | None
    granted_by: str
    reason: str
    expires_at: datetime
    revoked_at: datetime | None


class RevealGrantRevoke(Strict):
    reason: Reason


class RaterDisclosureRequest(Strict):
    reason: Reason


class DisclosedRater(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    invitation_id: UUID
    relationship: Relationship
    rater_employee_id: UUID | None
    external_name: str | None
    external_email: str | None
    status: InvitationStatus
    submitted_at: datetime | None
    answers: list[AnswerRead]


class RaterDisclosureRead(BaseModel):
    campaign_id: UUID
    ratee_id: UUID
    grant_id: UUID
    disclosed_at: datetime
    raters: list[DisclosedRater]
