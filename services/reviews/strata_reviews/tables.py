"""Every table of the service, imported once so the metadata is complete (Alembic, tests)."""

from strata_reviews.campaigns.models import Campaign, CampaignRatee, CampaignRelationship
from strata_reviews.disclosure.models import RevealGrant
from strata_reviews.invitations.models import Invitation, InvitationLink, Reminder
from strata_reviews.models import AuditRecord, OutboxEvent
from strata_reviews.nominations.models import Nomination
from strata_reviews.responses.models import Answer
from strata_reviews.templates.models import Competency, Item, RatingScale, Template, TemplateVersion

__all__ = [
    "Answer",
    "AuditRecord",
    "Campaign",
    "CampaignRatee",
    "CampaignRelationship",
    "Competency",
    "Invitation",
    "InvitationLink",
    "Item",
    "Nomination",
    "OutboxEvent",
    "RatingScale",
    "Reminder",
    "RevealGrant",
    "Template",
    "TemplateVersion",
]
