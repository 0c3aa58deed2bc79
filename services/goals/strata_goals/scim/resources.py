"""Strata rows as SCIM resources, and SCIM resources as what Strata should store.

A User is an employee; a Group is an org unit whose members are the employees placed in it.
Where SCIM has several attributes for one Strata field, reading shows the field in each of
them, and writing follows fixed rules (docs/scim.md, "Mapping"):

- `userName` and the primary e-mail are the employee's e-mail. A request that changes both
  to different values stores `userName`, which is what IdPs find users again by.
- `name.formatted`, `displayName` and `givenName` + `familyName` are the employee's name;
  the given and family names read as "all but the last word" and "the last word".
- `externalId` and the enterprise `employeeNumber` are the employee's `external_id` (the
  HRIS key); when a request sets both to different values, `employeeNumber` wins.
"""

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from scim2_models import Email, GroupMember, GroupMembership, Meta, Name, Reference

from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_goals.org.models import Employee, OrgUnit
from strata_goals.scim.repository import split_name
from strata_goals.scim.schemas import EnterpriseUser, Manager, ScimGroup, ScimUser, location

Member = tuple[uuid.UUID, str, int]
"""(employee id, name, row version) of one member of a group."""


def user_version(employee: Employee) -> str:
    return f'W/"{employee.version}"'


def group_version(unit: OrgUnit, members: Sequence[Member]) -> str:
    """The unit's row version, and a digest of its members' ids and row versions: a group's
    representation lists its members, so someone joining, leaving or being renamed changes
    it without touching the unit's row."""
    digest = hashlib.blake2b(digest_size=6)
    for employee_id, _, version in sorted(members):
        digest.update(f"{employee_id}:{version};".encode())
    return f'W/"{unit.version}-{digest.hexdigest()}"'


def user_resource(
    employee: Employee, *, title: str | None, unit: OrgUnit, manager_name: str | None
) -> ScimUser:
    given, family = split_name(employee.name)
    user = ScimUser(
        id=str(employee.id),
        external_id=employee.external_id,
        user_name=employee.email,
        name=Name(formatted=employee.name, given_name=given, family_name=family),
        display_name=employee.name,
        title=title,
        active=employee.status != EmployeeStatus.TERMINATED,
        emails=[Email(value=employee.email, type=Email.Type.work, primary=True)],
        groups=[
            GroupMembership(
                value=str(unit.id),
                ref=Reference(location("Groups", unit.id)),
                display=unit.name,
                type="direct",
            )
        ],
        meta=Meta(
            resource_type="User",
            created=employee.created_at,
            last_modified=employee.updated_at,
            location=location("Users", employee.id),
            version=user_version(employee),
        ),
    )
    manager = None
    if employee.manager_id is not None:
        manager = Manager(
            value=str(employee.manager_id),
            ref=Reference(location("Users", employee.manager_id)),
            display_name=manager_name,
        )
    user[EnterpriseUser] = EnterpriseUser(
        employee_number=employee.external_id,
        # The enterprise unit is where people without a department sit: it is no department.
        department=unit.name if unit.parent_id is not None else None,
        manager=manager,
    )
    return user


def group_resource(unit: OrgUnit, members: Sequence[Member]) -> ScimGroup:
    return ScimGroup(
        id=str(unit.id),
        external_id=unit.external_id,
        display_name=unit.name,
        members=[
            GroupMember(
                value=str(employee_id),
                ref=Reference(location("Users", employee_id)),
                type="User",
                display=name,
            )
            for employee_id, name, _ in members
        ],
        meta=Meta(
            resource_type="Group",
            created=unit.created_at,
            last_modified=unit.updated_at,
            location=location("Groups", unit.id),
            version=group_version(unit, members),
        ),
    )


# --- what a request asks Strata to store -----------------------------------------------------


@dataclass(frozen=True)
class UserIntent:
    """A User's values in Strata's terms; `department` and `title` are names to resolve."""

    email: str
    name: str
    external_id: str | None
    active: bool
    title: str | None
    department: str | None
    manager: str | None


def user_intent(user: ScimUser) -> UserIntent:
    """What a whole User (POST or PUT body) asks for."""
    enterprise = user[EnterpriseUser] or EnterpriseUser()
    name = user.name or Name()
    return UserIntent(
        email=user.user_name or "",
        name=_first(name.formatted, _joined(name), user.display_name, user.user_name) or "",
        external_id=_first(enterprise.employee_number, user.external_id),
        active=user.active is not False,
        title=_first(user.title),
        department=_first(enterprise.department),
        manager=_first(enterprise.manager.value if enterprise.manager else None),
    )


def patched_intent(before: ScimUser, after: ScimUser) -> UserIntent:
    """What a PATCH asks for: `after` is `before` with the operations applied. Where several
    SCIM attributes hold one Strata field, the one the operations changed decides."""
    whole = user_intent(after)
    was = user_intent(before)
    old_name, new_name = before.name or Name(), after.name or Name()
    old_ext = before[EnterpriseUser] or EnterpriseUser()
    new_ext = after[EnterpriseUser] or EnterpriseUser()

    email = was.email
    if (after.user_name or "").lower() != (before.user_name or "").lower() and after.user_name:
        email = after.user_name
    elif (primary := _primary_email(after)) and primary.lower() != was.email.lower():
        email = primary

    name = was.name
    if new_name.formatted != old_name.formatted and new_name.formatted:
        name = new_name.formatted
    elif _joined(new_name) != _joined(old_name) and _joined(new_name):
        name = _joined(new_name) or name
    elif after.display_name != before.display_name and after.display_name:
        name = after.display_name

    external_id = was.external_id
    if new_ext.employee_number != old_ext.employee_number and new_ext.employee_number:
        external_id = new_ext.employee_number
    elif after.external_id != before.external_id:
        external_id = after.external_id
    elif new_ext.employee_number != old_ext.employee_number:
        external_id = None  # employeeNumber removed, externalId untouched: both are one key
    return UserIntent(
        email=email,
        name=name,
        external_id=external_id,
        active=whole.active,
        title=whole.title,
        department=whole.department,
        manager=whole.manager,
    )


def _primary_email(user: ScimUser) -> str | None:
    emails = [e for e in user.emails or [] if e.value]
    chosen = next((e for e in emails if e.primary), None) or next(
        (e for e in emails if e.type == Email.Type.work), None
    )
    chosen = chosen or (emails[0] if emails else None)
    return str(chosen.value) if chosen is not None else None


def _joined(name: Name) -> str | None:
    return (
        " ".join(p.strip() for p in (name.given_name, name.family_name) if p and p.strip()) or None
    )


def _first(*values: str | None) -> str | None:
    return next((v.strip() for v in values if v and v.strip()), None)
