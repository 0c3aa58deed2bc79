"""Data rules shared by the domains: who is HR, who manages a ratee.

A manager's reporting line is the ratee's direct manager as recorded when the ratee was
added to the campaign (`CampaignRatee.manager_id`), so access does not drift while the
organisation changes during a campaign.
"""

from uuid import UUID

from strata_contracts.identity import IdentityClaims, Role

HR_ROLES = (Role.HR, Role.ADMIN)


def is_hr(identity: IdentityClaims) -> bool:
    """HR and admins act for the whole tenant."""
    return identity.has_any(*HR_ROLES)


def is_line_manager(identity: IdentityClaims, manager_id: UUID | None) -> bool:
    """The caller is a manager and the ratee's recorded direct manager."""
    return (
        identity.has_any(Role.MANAGER)
        and identity.employee_id is not None
        and identity.employee_id == manager_id
    )


def is_person(identity: IdentityClaims, employee_id: UUID) -> bool:
    """The caller is this employee."""
    return identity.employee_id is not None and identity.employee_id == employee_id
