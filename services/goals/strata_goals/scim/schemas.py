"""The SCIM wire model and the discovery documents (RFC 7643 §5 to §7, RFC 7644 §4).

Resources are scim2-models' `User` (with the enterprise extension) and `Group`; the only
change is the enterprise extension's `manager`, whose `value` and `$ref` scim2-models marks required
while RFC 7643 §8.7.2 does not, and which Okta and Entra ID send as `{"value": id}` alone.

`/Schemas` publishes every attribute of RFC 7643's User, enterprise User and Group schemas but
`password` (refused: people sign in through their identity provider): Strata maps some onto
its own rows and keeps the others as sent (`resources`).
"""

from typing import Annotated, Any

from pydantic import Field
from scim2_models import (
    URI,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Group,
    Meta,
    Mutability,
    Pagination,
    Patch,
    Reference,
    ResourceType,
    Schema,
    SchemaExtension,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models.urn import URN

SCIM_MEDIA_TYPE = "application/scim+json"
BASE_PATH = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

BULK_MAX_OPERATIONS = 1000
BULK_MAX_PAYLOAD = 1_048_576
DEFAULT_COUNT = 100
MAX_RESULTS = 1000
"""`filter.maxResults`: the largest page a list answers (a larger `count` is cut to it)."""

POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.forbid,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)
"""Strict on attributes no schema defines; tolerant of two PATCH forms Entra ID sends:
`remove` with a `value` listing the members to remove, and `replace` on a filtered path that
matches nothing yet (`addresses[type eq "work"].locality`), which adds the entry."""


class Manager(ComplexAttribute):
    """The user's manager: the `id` of another User."""

    value: Annotated[str | None, CaseExact.true] = None
    """The id of the SCIM resource representing the User's manager."""

    ref: Reference["User"] | None = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The URI of the SCIM resource representing the User's manager."""

    display_name: Annotated[str | None, Mutability.read_only] = None
    """The displayName of the User's manager."""


class EnterpriseUser(Extension):
    """Enterprise User"""

    __schema__ = URN(ENTERPRISE_SCHEMA)

    employee_number: str | None = None
    """Numeric or alphanumeric identifier assigned to a person, typically based on order of
    hire or association with an organization."""

    cost_center: str | None = None
    """Identifies the name of a cost center."""

    organization: str | None = None
    """Identifies the name of an organization."""

    division: str | None = None
    """Identifies the name of a division."""

    department: str | None = None
    """Identifies the name of a department."""

    manager: Manager | None = None
    """The User's manager: the 'id' of another User."""

    title: str | None = None
    """Not in RFC 7643 §4.3, but sent by providers that map a job title into the
    extension; read as the core `title` when that is absent, stored and returned as sent
    (not published in /Schemas)."""


ScimUser = User[EnterpriseUser]
ScimGroup = Group

_UNPUBLISHED: dict[str, set[str]] = {
    USER_SCHEMA: {"password"},
    ENTERPRISE_SCHEMA: {"title"},
    GROUP_SCHEMA: set(),
}
"""Not published: passwords are refused (people sign in through their identity provider);
the enterprise `title` is an alias some providers send, not an RFC 7643 attribute."""


def location(resource_type: str, resource_id: Any) -> str:
    return f"{BASE_PATH}/{resource_type}/{resource_id}"


def service_provider_config() -> ServiceProviderConfig:
    """What this service provider supports (RFC 7643 §5)."""
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(
            supported=True, max_operations=BULK_MAX_OPERATIONS, max_payload_size=BULK_MAX_PAYLOAD
        ),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Strata API key",
                description=(
                    "An API key of the tenant with the integration role (`strata key create "
                    "--tenant <id> --name Okta --role integration`), sent as "
                    "`Authorization: Bearer <key>`."
                ),
                primary=True,
            )
        ],
        pagination=Pagination(
            cursor=False,
            index=True,
            default_pagination_method=Pagination.DefaultPaginationMethod.index,
            default_page_size=DEFAULT_COUNT,
            max_page_size=MAX_RESULTS,
        ),
        meta=Meta(
            resource_type="ServiceProviderConfig", location=f"{BASE_PATH}/ServiceProviderConfig"
        ),
    )


def resource_types() -> list[ResourceType]:
    """The User and Group resource types (RFC 7643 §6)."""
    user = ResourceType(
        id="User",
        name="User",
        description="A person of the tenant: a Strata employee.",
        endpoint=Reference[URI]("/Users"),
        schema_=Reference[URI](USER_SCHEMA),
        schema_extensions=[
            SchemaExtension(schema_=Reference[URI](ENTERPRISE_SCHEMA), required=False)
        ],
        meta=Meta(resource_type="ResourceType", location=location("ResourceTypes", "User")),
    )
    group = ResourceType(
        id="Group",
        name="Group",
        description="An org unit of the tenant; its members are the employees placed in it.",
        endpoint=Reference[URI]("/Groups"),
        schema_=Reference[URI](GROUP_SCHEMA),
        schema_extensions=[],
        meta=Meta(resource_type="ResourceType", location=location("ResourceTypes", "Group")),
    )
    return [user, group]


def schemas() -> list[Schema]:
    """The schemas of the attributes Strata stores (RFC 7643 §7)."""
    generated = {
        USER_SCHEMA: User.to_schema(),
        ENTERPRISE_SCHEMA: EnterpriseUser.to_schema(),
        GROUP_SCHEMA: Group.to_schema(),
    }
    published = []
    for urn, schema in generated.items():
        hidden = _UNPUBLISHED[urn]
        attributes = [a for a in schema.attributes or [] if a.name not in hidden]
        published.append(
            schema.model_copy(
                update={
                    "attributes": attributes,
                    "meta": Meta(resource_type="Schema", location=location("Schemas", urn)),
                }
            )
        )
    return published
