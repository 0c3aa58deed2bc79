from strata_kit.errors import NotFound


class CampaignNotFound(NotFound):
    title = "Campaign not found"
