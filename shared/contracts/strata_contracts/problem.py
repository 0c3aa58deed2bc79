"""RFC 9457 problem details, the body of every error Strata returns."""

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://strata.dev/problems/"


class FieldProblem(BaseModel):
    """One invalid input, located by a JSON pointer (RFC 6901) into the request."""

    pointer: str = Field(
        description="JSON pointer to the bad input, rooted at its location, e.g. `/body/weight`."
    )
    detail: str = Field(description="What is wrong with it, in words.")
    code: str | None = Field(default=None, description="Machine-readable reason, if any.")


class Problem(BaseModel):
    """An RFC 9457 problem details object (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="URI identifying the problem type.")
    title: str = Field(description="Short, human-readable summary of the problem type.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="Explanation of this occurrence.")
    instance: str | None = Field(default=None, description="The request path it happened on.")
    request_id: str | None = Field(default=None, description="Correlation id of the request.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="For validation problems: one entry per bad field."
    )
