"""The reviews service's private feed of submitted answers, for analytics only.

`GET /internal/v1/reviews/answers?tenant=<id>[&campaign_id=<id>][&cursor=…]` on the reviews
service itself (never proxied by the gateway), with a platform identity
(`service:analytics`, no tenant). It lists the answers of CLOSED campaigns only, so nothing
changes under a reader once served. Raters are pseudonymous: `rater_key` is an HMAC of the
tenant and the rater with the platform secret, stable across campaigns (so a rater's
tendencies can be measured) and useless to anyone without the secret. Only the
supervisor, whose group is never anonymous, also carries an employee id.
"""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts.reviews.vocabulary import ItemKind, Relationship

INTERNAL_ANSWERS_PATH = "/internal/v1/reviews/answers"
ANALYTICS_SUBJECT = "service:analytics"


class InternalAnswer(BaseModel):
    """One answer (a rating or a comment) of a submitted response in a closed campaign."""

    campaign_id: UUID
    cycle_id: UUID
    template_id: UUID
    closed_at: datetime
    anonymity_threshold: int = Field(
        description="The answer's group's k: the campaign's, or the relationship's own when higher."
    )
    ratee_id: UUID
    relationship: Relationship
    rater_key: str = Field(description="Pseudonymous rater: HMAC-SHA256, 32 hex characters.")
    rater_employee_id: UUID | None = Field(description="Set for the supervisor only.")
    kind: ItemKind
    item_id: UUID
    item_text: str
    competency_id: UUID | None = None
    competency_key: str | None = None
    competency_name: str | None = None
    scale_min: int | None = Field(default=None, description="Lowest point of the item's scale.")
    scale_max: int | None = Field(default=None, description="Highest point of the item's scale.")
    value: int | None = Field(default=None, description="The rating (rating items).")
    comment: str | None = Field(default=None, description="The text (open questions).")


class InternalAnswerPage(BaseModel):
    items: list[InternalAnswer]
    next_cursor: str | None = Field(default=None, description="Absent on the last page.")
