from strata_goals.models import GoalsModel
from strata_kit.jobs import JobFields


class Job(JobFields, GoalsModel, table=True):
    """A bulk load accepted at once and carried out in the background."""

    __tablename__ = "job"
