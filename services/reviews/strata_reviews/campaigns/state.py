"""Guards on a campaign's state, shared by every domain that acts inside a campaign."""

from datetime import datetime

from strata_contracts.reviews.vocabulary import CampaignStatus
from strata_reviews.campaigns.exceptions import CampaignClosed, CampaignNotDraft, CampaignNotOpen
from strata_reviews.campaigns.models import Campaign


def accepting_answers(campaign: Campaign, now: datetime) -> bool:
    return campaign.status is CampaignStatus.OPEN and now < campaign.closes_at


def ensure_accepting_answers(campaign: Campaign, now: datetime) -> None:
    """Raters may answer or decline only while the campaign is open and before it closes:
    a late submission is refused, never stored."""
    if campaign.status is CampaignStatus.DRAFT:
        raise CampaignNotOpen("The campaign has not opened yet.")
    if not accepting_answers(campaign, now):
        raise CampaignClosed(
            f"The campaign closed at {campaign.closes_at.isoformat()}; no answers are accepted."
        )


def ensure_draft(campaign: Campaign) -> None:
    if campaign.status is not CampaignStatus.DRAFT:
        raise CampaignNotDraft(f"The campaign is {campaign.status.value}; this needs a draft.")


def ensure_nominations_open(campaign: Campaign, now: datetime) -> None:
    """Nominations change while the campaign is a draft, or open and not yet past closing."""
    if campaign.status is CampaignStatus.CLOSED or now >= campaign.closes_at:
        raise CampaignClosed("The campaign is closed; nominations are frozen.")
