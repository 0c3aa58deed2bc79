from strata_kit.errors import Conflict, NotFound


class NominationNotFound(NotFound):
    title = "Nomination not found"
    slug = "nomination-not-found"


class NominationExists(Conflict):
    title = "Rater already nominated"
    slug = "nomination-exists"


class NominationLimitReached(Conflict):
    title = "Nomination limit reached"
    slug = "nomination-limit"


class NominationDecided(Conflict):
    title = "Nomination already decided"
    slug = "nomination-decided"


class NominationInvited(Conflict):
    title = "Rater already invited"
    slug = "nomination-invited"


class RateeNotInOrganisation(Conflict):
    title = "Ratee unknown to the organisation"
    slug = "ratee-not-in-organisation"
