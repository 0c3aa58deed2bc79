"""Nomination rules with no I/O: what a nomination may look like, what the reporting lines
make a rater, who approves, and when an anonymous group cannot reach its k.

The service (`service.py`) and the suggestions (`suggestions.py`) load the rows and call
these; nothing here reads the database or the organisation."""

from collections.abc import Sequence
from uuid import UUID

from strata_contracts.goals.org import EmployeeRead
from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_contracts.reviews.nominations import (
    NominationCreate,
    NominationRead,
    NominationWarning,
)
from strata_contracts.reviews.vocabulary import NominationSource, Relationship
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_reviews.access import is_hr, is_line_manager, is_person
from strata_reviews.campaigns.models import CampaignRatee, CampaignRelationship
from strata_reviews.nominations.models import Nomination, counted_as

ADJUSTABLE = frozenset({Relationship.PEER, Relationship.CUSTOMER})
"""What the ratee and their manager may add or remove; HR may adjust every relationship."""

Rules = dict[Relationship, CampaignRelationship]
"""A campaign's relationships and their limits, by relationship."""


def nomination_read(
    nomination: Nomination, warnings: Sequence[NominationWarning] = ()
) -> NominationRead:
    return NominationRead.model_validate(
        {
            **nomination.model_dump(),
            "counted_as": counted_as(nomination),
            "warnings": list(warnings),
        }
    )


def reporting_line(ratee: EmployeeRead, rater: EmployeeRead) -> Relationship:
    """What the organisation says the rater is to the ratee."""
    if ratee.manager_id is not None and rater.id == ratee.manager_id:
        return Relationship.SUPERVISOR
    if rater.manager_id == ratee.id:
        return Relationship.DIRECT_REPORT
    return Relationship.PEER


def may_approve(identity: IdentityClaims, ratee: CampaignRatee) -> bool:
    """HR or the ratee's manager; never the ratee, whatever their roles."""
    if is_person(identity, ratee.employee_id):
        return False
    return is_hr(identity) or is_line_manager(identity, ratee.manager_id)


def nomination_source(identity: IdentityClaims, approver: bool) -> NominationSource:
    """Who added the nomination: HR, the approving manager, or the ratee."""
    if is_hr(identity):
        return NominationSource.HR
    return NominationSource.MANAGER if approver else NominationSource.RATEE


def check_shape(data: NominationCreate, rules: Rules, ratee_id: UUID) -> None:
    """The fields a nomination of its relationship needs, and none it must not have."""
    errors: list[FieldProblem] = []
    if data.relationship is Relationship.SELF:
        errors.append(field("relationship", "self-assessments need no nomination", "not_allowed"))
    elif data.relationship not in rules:
        errors.append(
            field(
                "relationship",
                "this campaign does not use this relationship",
                "not_in_campaign",
            )
        )
    if data.relationship is Relationship.CUSTOMER:
        if data.rater_employee_id is not None:
            errors.append(
                field(
                    "rater_employee_id",
                    "customers are external: give name and e-mail",
                    "not_allowed",
                )
            )
        if data.external_name is None:
            errors.append(field("external_name", "required for a customer", "missing"))
        if data.external_email is None:
            errors.append(field("external_email", "required for a customer", "missing"))
    else:
        if data.rater_employee_id is None:
            errors.append(field("rater_employee_id", "required for an internal rater", "missing"))
        elif data.rater_employee_id == ratee_id:
            errors.append(
                field(
                    "rater_employee_id",
                    "the ratee rates themselves in the self-assessment",
                    "self",
                )
            )
        for name in ("external_name", "external_email"):
            if getattr(data, name) is not None:
                errors.append(field(name, "only for customers", "not_allowed"))
    if errors:
        raise InvalidInput("The nomination is not valid.", errors=errors)


def check_line(
    identity: IdentityClaims,
    data: NominationCreate,
    rules: Rules,
    ratee: EmployeeRead,
    rater: EmployeeRead,
) -> tuple[Relationship, str | None]:
    """The relationship must agree with the reporting lines (goals), or HR overrides it
    with a reason; a `supervisor` label so overridden must have an anonymous group to
    count in. Returns what the lines say and the override's reason."""
    line = reporting_line(ratee, rater)
    if data.relationship is line:
        return line, None
    if data.override_reason is None:
        raise InvalidInput(
            f"The reporting lines make this rater the ratee's {line.value}, not "
            f"{data.relationship.value}; HR may override with a reason.",
            errors=[
                field(
                    "relationship",
                    f"the reporting lines say {line.value}",
                    "reporting_line_mismatch",
                )
            ],
            reporting_line=line.value,
        )
    if not is_hr(identity):
        raise Forbidden("Only HR labels a rater against the reporting lines.")
    if data.relationship is Relationship.SUPERVISOR and line not in rules:
        raise InvalidInput(
            f"An overridden supervisor counts in the {line.value} group, which this "
            "campaign does not use.",
            errors=[field("relationship", f"{line.value} is not in the campaign", "no_group")],
        )
    return line, data.override_reason


def threshold_warnings(
    relationship: Relationship, rule: CampaignRelationship, k: int, nominated: int
) -> list[NominationWarning]:
    """Say so when an anonymous group of threshold `k` with `nominated` raters cannot, or
    does not yet, reach its k: its answers would be suppressed, scores and comments alike."""
    if rule.max_raters < k:
        return [
            NominationWarning(
                code="cannot_reach_threshold",
                relationship=relationship,
                detail=(
                    f"At most {rule.max_raters} {relationship.value} raters are allowed "
                    f"but their group is shown only with {k} responses: their answers "
                    "will never be shown (scores and comments are suppressed)."
                ),
                nominated=nominated,
                threshold=k,
            )
        ]
    if nominated < k:
        return [
            NominationWarning(
                code="below_threshold",
                relationship=relationship,
                detail=(
                    f"{nominated} {relationship.value} raters nominated; the group is "
                    f"shown only with {k} responses, so unless more are nominated (and "
                    "answer) their answers will be suppressed, scores and comments alike."
                ),
                nominated=nominated,
                threshold=k,
            )
        ]
    return []
