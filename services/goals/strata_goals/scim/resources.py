"""SCIM resources as stored, as Strata maps them, and as they read back.

A User is a `scim_resource` row (userName, externalId and everything the provider sent,
verbatim) linked to an employee; a Group is a row linked to an org unit. Strata maps a few
attributes onto its own rows and reads them back from there, so a change made through the
REST API shows in SCIM (docs/scim.md, "Mapping"):

- the work e-mail (`emails` of type work, else the primary one, else the first; else
  `userName` when it is an address) is the employee's e-mail; `userName` is never derived
  from it, nor it from `userName` once the employee exists;
- `name.formatted`, else `givenName familyName`, else `displayName`, else `userName`, is the
  employee's name;
- `title` (core, or the enterprise extension's `title` when the core one is absent) is the
  employee's position; the enterprise `department` their unit, `manager` their manager;
- `active` is the employee's status (false: terminated); `externalId` is the employee's
  `external_id`, the key a later User re-links to a kept person by.

Everything else (phoneNumbers, addresses, a home e-mail, locale, the enterprise costCenter,
...) is stored as sent and returned as stored.
"""

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scim2_models import Context, Email, GroupMember, GroupMembership, Meta, Name, Reference

from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_goals.org.models import Employee, OrgUnit
from strata_goals.scim.models import ScimResource
from strata_goals.scim.schemas import (
    ENTERPRISE_SCHEMA,
    EnterpriseUser,
    Manager,
    ScimGroup,
    ScimUser,
    location,
)

Member = tuple[uuid.UUID, str, int]
"""(SCIM User id, name, employee row version) of one member of a group."""

_DERIVED = ("id", "meta", "groups", "password")
"""Never stored: assigned by Strata (id, meta), derived from the org (groups), or refused
before storage (password)."""


def stored_attributes(resource: ScimUser | ScimGroup) -> dict[str, Any]:
    """What the provider sent, in the form it is stored and returned."""
    data = resource.model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    for key in _DERIVED:
        data.pop(key, None)
    if isinstance(resource, ScimGroup):
        data.pop("members", None)  # members are the employees placed in the unit
    return data


def left_out(user: ScimUser) -> list[str]:
    """Which of `MAPPED_OPTIONAL` the User has no value for."""
    data = user.model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    return [key for key in MAPPED_OPTIONAL if data.get(key) in (None, [], {})]


def marked_absent(row: ScimResource) -> list[str]:
    return list((row.attributes or {}).get(ABSENT) or ())


MAPPED_OPTIONAL = ("name", "displayName", "active", "emails")
"""User attributes Strata maps to its employee that a provider may leave out of a PUT or
remove (PATCH `remove`): the employee keeps its value, the SCIM view has none. (A POST
leaving out `displayName` or `name.formatted` reads them as the employee's name.)"""

ABSENT = "strata:absent"
"""The key, in a User's stored attributes, listing which of `MAPPED_OPTIONAL` the provider
left out (the employee's value is not rendered for them, RFC 7644 §3.5.2.2)."""


def user_version(row: ScimResource, employee: Employee) -> str:
    return f'W/"{row.version}-{employee.version}"'


def group_version(row: ScimResource, unit: OrgUnit, members: Sequence[Member]) -> str:
    """The resource's and the unit's row versions, and a digest of its members' ids and
    versions: someone joining, leaving or being renamed changes the group."""
    digest = hashlib.blake2b(digest_size=6)
    for member_id, _, version in sorted(members):
        digest.update(f"{member_id}:{version};".encode())
    return f'W/"{row.version}-{unit.version}-{digest.hexdigest()}"'


# --- what a resource asks Strata to store ------------------------------------------------------


@dataclass(frozen=True)
class UserIntent:
    """A User's values in Strata's terms; `department` and `title` are names to resolve,
    `manager` the SCIM id of another User."""

    user_name: str
    email: str | None
    name: str
    external_id: str | None
    active: bool
    title: str | None
    department: str | None
    manager: str | None


def user_intent(user: ScimUser) -> UserIntent:
    """What a whole User (POST or PUT body) asks for."""
    enterprise = user[EnterpriseUser] or EnterpriseUser()
    user_name = (user.user_name or "").strip()
    return UserIntent(
        user_name=user_name,
        email=work_email(user),
        name=mapped_name(user),
        external_id=_first(user.external_id),
        active=user.active is not False,
        title=_first(user.title, enterprise.title),
        department=_first(enterprise.department),
        manager=_first(enterprise.manager.value if enterprise.manager else None),
    )


def patched_intent(before: ScimUser, after: ScimUser) -> UserIntent:
    """What a PATCH asks for: `after` is `before` with the operations applied. Where several
    attributes hold the one name, the one the operations changed decides."""
    whole = user_intent(after)
    old_name, new_name = before.name or Name(), after.name or Name()
    name = mapped_name(before)
    if new_name.formatted != old_name.formatted and new_name.formatted:
        name = new_name.formatted
    elif _joined(new_name) != _joined(old_name) and _joined(new_name):
        name = _joined(new_name) or name
    elif after.display_name != before.display_name and after.display_name:
        name = after.display_name
    elif whole.name != mapped_name(before) and not _name_removed(before, after):
        name = whole.name
    return UserIntent(
        user_name=whole.user_name,
        email=whole.email,
        name=name,
        external_id=whole.external_id,
        active=whole.active,
        title=whole.title,
        department=whole.department,
        manager=whole.manager,
    )


def _name_removed(before: ScimUser, after: ScimUser) -> bool:
    """The operations removed `name` or `displayName`: the employee keeps its name (it has
    to have one), the SCIM view reads back without it."""
    return (before.name is not None and after.name is None) or (
        bool(before.display_name) and not after.display_name
    )


def work_email(user: ScimUser) -> str | None:
    """The e-mail Strata keeps on the employee."""
    emails = [e for e in user.emails or [] if e.value]
    chosen = (
        next((e for e in emails if e.type == Email.Type.work), None)
        or next((e for e in emails if e.primary), None)
        or (emails[0] if emails else None)
    )
    if chosen is not None:
        return str(chosen.value).strip()
    if user.user_name and "@" in user.user_name:
        return user.user_name.strip()
    return None


def mapped_name(user: ScimUser) -> str:
    name = user.name or Name()
    return _first(name.formatted, _joined(name), user.display_name, user.user_name) or ""


# --- what reads back ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UserFacts:
    """What Strata holds about a User's employee, for rendering."""

    employee: Employee
    title: str | None
    unit: OrgUnit
    group: ScimResource | None
    """The live Group of the employee's unit, if it has one."""
    manager: ScimResource | None
    """The live User of the employee's manager, if they have one."""
    manager_name: str | None


def user_resource(row: ScimResource, facts: UserFacts) -> ScimUser:
    employee = facts.employee
    stored = dict(row.attributes or {})
    absent = set(stored.pop(ABSENT, None) or ())
    user = ScimUser.model_validate(stored) if stored else _legacy_user(employee)
    user.id = str(row.id)
    user.user_name = row.name
    user.external_id = row.external_id
    terminated = employee.status == EmployeeStatus.TERMINATED
    # `active` left out reads back absent, unless Strata has since ended the employment
    user.active = None if "active" in absent and not terminated else not terminated
    if "emails" not in absent:
        _overlay_email(user, employee.email)
    name = user.name or Name()
    if "name" not in absent and (mapped_name(user) != employee.name or not name.formatted):
        # the name as Strata holds it (changed through the REST API, or never sent whole)
        user.name = name.model_copy(update={"formatted": employee.name})
    if not user.display_name and "displayName" not in absent:
        user.display_name = employee.name
    enterprise = user[EnterpriseUser] or EnterpriseUser()
    if _first(user.title, enterprise.title) != facts.title:
        user.title = facts.title
    department = facts.unit.name if facts.unit.parent_id is not None else None
    sent = _first(enterprise.department)
    if not (sent and department and sent.lower() == department.lower()):
        enterprise.department = department
    enterprise.manager = None
    if facts.manager is not None:
        enterprise.manager = Manager(
            value=str(facts.manager.id),
            ref=Reference(location("Users", facts.manager.id)),
            display_name=facts.manager_name,
        )
    if enterprise.model_dump(exclude_none=True, exclude={"schemas"}):
        enterprise.schemas = [ENTERPRISE_SCHEMA]
        user[EnterpriseUser] = enterprise
    else:
        user[EnterpriseUser] = None
    user.groups = None
    if facts.group is not None:
        user.groups = [
            GroupMembership(
                value=str(facts.group.id),
                ref=Reference(location("Groups", facts.group.id)),
                display=facts.group.name,
                type="direct",
            )
        ]
    user.meta = Meta(
        resource_type="User",
        created=row.created_at,
        last_modified=max(row.updated_at, employee.updated_at),
        location=location("Users", row.id),
        version=user_version(row, employee),
    )
    return user


def group_resource(row: ScimResource, unit: OrgUnit, members: Sequence[Member]) -> ScimGroup:
    group = ScimGroup.model_validate(row.attributes) if row.attributes else ScimGroup()
    group.id = str(row.id)
    group.display_name = row.name
    group.external_id = row.external_id
    group.members = [
        GroupMember(
            value=str(member_id),
            ref=Reference(location("Users", member_id)),
            type="User",
            display=name,
        )
        for member_id, name, _ in members
    ]
    group.meta = Meta(
        resource_type="Group",
        created=row.created_at,
        last_modified=max(row.updated_at, unit.updated_at),
        location=location("Groups", row.id),
        version=group_version(row, unit, members),
    )
    return group


def _legacy_user(employee: Employee) -> ScimUser:
    """A User provisioned before Strata kept what providers send: what Strata maps."""
    given, _, family = employee.name.rpartition(" ")
    return ScimUser(
        name=Name(formatted=employee.name, given_name=given or None, family_name=family),
        display_name=employee.name,
        emails=[Email(value=employee.email, type=Email.Type.work, primary=True)]
        if employee.email
        else None,
    )


def _overlay_email(user: ScimUser, email: str | None) -> None:
    """The employee's e-mail in the entry it maps from (changed through the REST API)."""
    mapped = work_email(user)
    if email is None:
        return
    if mapped is not None and mapped.lower() == email.lower():
        return
    emails = list(user.emails or [])
    for index, entry in enumerate(emails):
        if entry.value and mapped and str(entry.value).strip().lower() == mapped.lower():
            emails[index] = entry.model_copy(update={"value": email})
            user.emails = emails
            return
    user.emails = [Email(value=email, type=Email.Type.work, primary=not emails), *emails]


def _joined(name: Name) -> str | None:
    return (
        " ".join(p.strip() for p in (name.given_name, name.family_name) if p and p.strip()) or None
    )


def _first(*values: str | None) -> str | None:
    return next((v.strip() for v in values if v and v.strip()), None)
