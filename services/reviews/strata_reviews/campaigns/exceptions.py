from strata_kit.errors import Conflict, NotFound


class CampaignNotFound(NotFound):
    title = "Campaign not found"
    slug = "campaign-not-found"


class RateeNotFound(NotFound):
    title = "Ratee not found"
    slug = "ratee-not-found"


class CampaignNotDraft(Conflict):
    title = "Campaign is no longer a draft"
    slug = "campaign-not-draft"


class CampaignNotOpen(Conflict):
    title = "Campaign is not open"
    slug = "campaign-not-open"


class CampaignClosed(Conflict):
    """The campaign accepts no more answers: closed, or past `closes_at`."""

    title = "Campaign closed"
    slug = "campaign-closed"


class CampaignNotReady(Conflict):
    title = "Campaign cannot open yet"
    slug = "campaign-not-ready"
