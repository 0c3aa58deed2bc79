"""SCIM 2.0 provisioning at /scim/v2 (RFC 7643, RFC 7644): Users, Groups and discovery.

The gateway authenticates the integration's API key and forwards the path unchanged; these
routes answer integration and admin callers of a tenant. Bodies and answers are
`application/scim+json`, and every error, the kit's included, leaves in SCIM's error
message rather than as problem details (`ScimRoute`).
"""

import json
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    ListResponse,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import Role
from strata_goals.scim.bulk import BULK_RESPONSE, TooLarge, parse_request, run_bulk
from strata_goals.scim.exceptions import (
    BodyNotJson,
    InvalidQuery,
    MethodNotAllowed,
    UnknownEndpoint,
)
from strata_goals.scim.filters import parse_filter
from strata_goals.scim.locks import KeyLocks, key_locks
from strata_goals.scim.repository import keep_loaded_rows
from strata_goals.scim.schemas import (
    BASE_PATH,
    BULK_MAX_PAYLOAD,
    DEFAULT_COUNT,
    MAX_RESULTS,
    POLICY,
    SCIM_MEDIA_TYPE,
    ScimGroup,
    ScimUser,
    resource_types,
    schemas,
    service_provider_config,
)
from strata_goals.scim.service import Listed, ListQuery, Work, scim_service
from strata_kit.bodies import BodyRefused
from strata_kit.context import current_request_id
from strata_kit.db import SessionDep
from strata_kit.errors import AppError, Conflict, InvalidInput
from strata_kit.identity import TenantCaller, require_roles
from strata_kit.logging import get_logger

log = get_logger(__name__)
_SESSION = "scim_session"


class ScimResponse(Response):
    media_type = SCIM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def error_response(error: Error, headers: dict[str, str] | None = None) -> ScimResponse:
    body = error.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return ScimResponse(body, status_code=error.status or 500, headers=headers)


def scim_error(exc: Exception) -> Error | None:
    """SCIM's error message for what a SCIM route raised (None: not ours to answer)."""
    if isinstance(exc, SCIMException):
        return exc.to_error()
    if isinstance(exc, ValidationError | RequestValidationError):
        return Error.from_validation_errors(exc.errors())[0]
    if isinstance(exc, StaleDataError):
        return Error(status=412, detail="The resource was changed by someone else; read it again.")
    if isinstance(exc, IntegrityError) and _unique_violation(exc):
        return Error(status=409, scim_type="uniqueness", detail="A unique value is taken.")
    if isinstance(exc, AppError):
        detail = exc.detail or exc.title
        if isinstance(exc, InvalidInput):
            fields = "; ".join(f"{_field(e.pointer)}: {e.detail}" for e in exc.errors or [])
            # The kit's edge limits (depth, huge numbers, NaN) make the body malformed for
            # SCIM: invalidSyntax; a control character in a value stays invalidValue.
            malformed = isinstance(exc, BodyRefused) and any(
                e.code != "control_character" for e in exc.errors or []
            )
            return Error(
                status=400,
                scim_type="invalidSyntax" if malformed else "invalidValue",
                detail=f"{detail} ({fields})" if fields else detail,
            )
        scim_type = "uniqueness" if isinstance(exc, Conflict) else None
        return Error(status=exc.status, scim_type=scim_type, detail=detail)
    return None


class ScimRoute(APIRoute):
    """A route that answers every error in SCIM's error message.

    The kit's handlers stay as they are for the rest of the app. The error is answered here,
    inside the request's dependencies, so the session dependency would commit what the
    failed request had flushed: the transaction is rolled back first.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                error = scim_error(exc)
                session: AsyncSession | None = request.scope.get("state", {}).get(_SESSION)
                if session is not None:
                    await session.rollback()
                if error is None:
                    log.exception("scim.unhandled_error", path=request.url.path)
                    detail = "An unexpected error occurred; quote the request id when reporting it"
                    error = Error(status=500, detail=f"{detail}: {current_request_id()}.")
                headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
                if isinstance(exc, MethodNotAllowed):
                    headers = {"Allow": exc.allow}
                return error_response(error, headers)

        return scim_handler


router = APIRouter(
    prefix=BASE_PATH,
    tags=["scim"],
    route_class=ScimRoute,
    dependencies=[require_roles(Role.INTEGRATION, Role.ADMIN)],
    default_response_class=ScimResponse,
)


# --- dependencies --------------------------------------------------------------------------


async def scim_session(request: Request, session: SessionDep) -> AsyncSession:
    """The request's session, remembered so a failed request can roll it back."""
    state = request.scope.setdefault("state", {})
    if _SESSION not in state:
        keep_loaded_rows(session)
        state[_SESSION] = session
    return session


async def scim_work(
    request: Request,
    locks: Annotated[KeyLocks, Depends(key_locks, scope="function")],
    session: SessionDep,
) -> Work:
    """A write's session and locks. `locks` is declared before the session on purpose:
    dependencies close in reverse order, so the locks are released after the commit."""
    return Work(await scim_session(request, session), locks)


ReadSession = Annotated[AsyncSession, Depends(scim_session)]
WorkDep = Annotated[Work, Depends(scim_work)]
IfMatch = Annotated[str | None, Header(description="A version (ETag) you read; 412 if stale.")]
IfNoneMatch = Annotated[str | None, Header(description="A version you hold; 304 if current.")]


async def list_query(
    filter: Annotated[
        str | None, Query(description='RFC 7644 filter: `userName eq "a@b.c"`.')
    ] = None,
    sort_by: Annotated[str | None, Query(alias="sortBy")] = None,
    sort_order: Annotated[str | None, Query(alias="sortOrder")] = None,
    start_index: Annotated[str | None, Query(alias="startIndex", description="1-based.")] = None,
    count: Annotated[str | None, Query(description=f"Page size, at most {MAX_RESULTS}.")] = None,
) -> ListQuery:
    """The list parameters of RFC 7644 §3.4.2, checked (a bad one is a SCIM 400)."""
    order = (sort_order or "ascending").lower()
    if order not in ("ascending", "descending"):
        raise InvalidQuery(detail="sortOrder is ascending or descending.")
    return ListQuery(
        filter=parse_filter(filter) if filter is not None else None,
        sort_by=sort_by,
        descending=order == "descending",
        start_index=max(1, _integer("startIndex", start_index, 1)),
        count=min(MAX_RESULTS, max(0, _integer("count", count, DEFAULT_COUNT))),
    )


def _response_parameters(model: Any) -> Callable[..., ResponseParameters[Any]]:
    def parameters(
        attributes: Annotated[str | None, Query(description="Only these attributes.")] = None,
        excluded_attributes: Annotated[
            str | None, Query(alias="excludedAttributes", description="All but these.")
        ] = None,
    ) -> ResponseParameters[Any]:
        """`attributes` or `excludedAttributes` (RFC 7644 §3.9), comma-separated."""
        try:
            return ResponseParameters[model](
                attributes=attributes, excluded_attributes=excluded_attributes
            )
        except ValidationError as exc:
            raise InvalidQuery(detail=f"Bad attributes: {exc.errors()[0]['msg']}.") from exc

    return parameters


UserQuery = Annotated[ListQuery, Depends(list_query)]
GroupQuery = Annotated[ListQuery, Depends(list_query)]
UserFields = Annotated[ResponseParameters[ScimUser], Depends(_response_parameters(ScimUser))]
GroupFields = Annotated[ResponseParameters[ScimGroup], Depends(_response_parameters(ScimGroup))]


MAX_DEPTH = 32
"""The deepest nesting a SCIM body may have (a User is 4 levels deep, a Bulk request 6)."""


async def _body(request: Request) -> dict[str, Any]:
    return parse_body(await request.body())


def parse_body(raw: bytes) -> dict[str, Any]:
    """A SCIM body: a JSON object nested at most MAX_DEPTH deep; anything else is a SCIM
    400 `invalidSyntax` (never a RecursionError's 500)."""
    depth = _depth(raw)
    if depth > MAX_DEPTH:
        raise BodyNotJson(detail=f"The body nests deeper than {MAX_DEPTH} levels.")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BodyNotJson(detail=f"The body is not JSON: {str(exc)[:200]}.") from exc
    if not isinstance(body, dict):
        raise BodyNotJson(detail="The body is not a JSON object.")
    return body


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def _depth(raw: bytes) -> int:
    """The deepest bracket nesting of a JSON text, outside strings (no recursion; the
    strings are cut out by one regular expression, so a 1 MB /Bulk body costs a scan of its
    brackets, not a Python loop over every byte)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        else:
            depth -= 1
    return deepest


async def _resource(request: Request, model: Any, context: Context) -> Any:
    return model.model_validate(await _body(request), scim_ctx=context, scim_policy=POLICY)


async def _patch(request: Request, model: Any) -> Any:
    body = entra_patch_body(await _body(request), model)
    return PatchOp[model].model_validate(
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )


def entra_patch_body(body: dict[str, Any], model: Any) -> dict[str, Any]:
    """A PatchOp body as Entra ID sends it, read as the RFC's (see `_entra_manager`)."""
    return _entra_manager(body) if model is ScimUser else _members_by_value(body)


def _members_by_value(body: dict[str, Any]) -> dict[str, Any]:
    """Entra ID removes Group members by value (`"op":"Remove","path":"members","value":
    [{"value": id}]`, RFC 7644 §3.5.2.2 has a filtered path): read it as one filtered
    remove per member."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    fixed: list[Any] = []
    for operation in operations:
        if (
            isinstance(operation, dict)
            and str(operation.get("op", "")).lower() == "remove"
            and str(operation.get("path", "")).lower() == "members"
            and isinstance(operation.get("value"), list)
        ):
            for member in operation["value"]:
                value = member.get("value") if isinstance(member, dict) else None
                if not isinstance(value, str) or '"' in value or "\\" in value:
                    fixed.append(operation)  # left for the model to refuse
                    break
                fixed.append({"op": "remove", "path": f'members[value eq "{value}"]'})
            continue
        fixed.append(operation)
    return {**body, "Operations": fixed}


# --- responses -----------------------------------------------------------------------------


def _resource_response(
    resource: ScimUser | ScimGroup,
    context: Context,
    fields: ResponseParameters[Any],
    *,
    status_code: int = 200,
) -> ScimResponse:
    assert resource.meta is not None
    headers = {"ETag": resource.meta.version or ""}
    if status_code == status.HTTP_201_CREATED:
        headers["Location"] = resource.meta.location or ""
    body = resource.model_dump(scim_ctx=context, response_parameters=fields)
    return ScimResponse(body, status_code=status_code, headers=headers)


def _list_response(
    model: Any, listed: Listed[Any], query: ListQuery, fields: ResponseParameters[Any]
) -> ScimResponse:
    page = ListResponse[model](
        total_results=listed.total,
        start_index=query.start_index,
        items_per_page=len(listed.resources),
        resources=listed.resources if query.count > 0 else None,
    )
    body = page.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=fields)
    if query.count > 0:
        body.setdefault("Resources", [])
    return ScimResponse(body)


def _not_modified(resource: ScimUser | ScimGroup, if_none_match: str | None) -> Response | None:
    assert resource.meta is not None
    assert resource.meta.version is not None
    if if_none_match is None:
        return None
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    if "*" in tags or resource.meta.version.removeprefix("W/") in tags:
        return Response(
            status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": resource.meta.version}
        )
    return None


def _documented(summary_status: int, description: str) -> dict[int | str, dict[str, Any]]:
    errors = {
        400: "Invalid request (`scimType` says why: invalidFilter, invalidValue, invalidPath...).",
        403: "The caller is not an integration or admin of the tenant.",
        404: "No such resource in the caller's tenant.",
        409: "A unique value (userName, displayName, externalId) is taken.",
        412: "If-Match names a version the resource no longer has.",
        422: "A parameter does not parse (a SCIM error, like every other).",
    }
    # Every SCIM body is a JSON object (a resource, a ListResponse, an Error, RFC 7644);
    # left empty, FastAPI documented them as strings.
    json_object = {SCIM_MEDIA_TYPE: {"schema": {"type": "object"}}}
    answers: dict[int | str, dict[str, Any]] = {
        summary_status: {"description": description}
        | ({} if summary_status == 204 else {"content": json_object})
    }
    for code, text in errors.items():
        answers[code] = {"description": text, "content": json_object}
    return answers


_BODY = {
    "requestBody": {
        "required": True,
        "content": {SCIM_MEDIA_TYPE: {"schema": {"type": "object"}}, "application/json": {}},
    }
}


# --- discovery -----------------------------------------------------------------------------


@router.get("/ServiceProviderConfig", responses=_documented(200, "The configuration."))
async def scim_service_provider_config() -> ScimResponse:
    """What this SCIM service supports: PATCH, filter, sort, ETags; no bulk, no passwords."""
    return ScimResponse(
        service_provider_config().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    )


@router.get("/ResourceTypes", responses=_documented(200, "User and Group."))
async def scim_list_resource_types() -> ScimResponse:
    """The resource types served here: User (with the enterprise extension) and Group."""
    types = resource_types()
    page = ListResponse[ResourceType](
        total_results=len(types), start_index=1, items_per_page=len(types), resources=types
    )
    return ScimResponse(page.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/ResourceTypes/{name}", responses=_documented(200, "One resource type."))
async def scim_get_resource_type(name: str) -> ScimResponse:
    """One resource type, by name (`User` or `Group`)."""
    for resource_type in resource_types():
        if resource_type.id == name:
            return ScimResponse(resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise UnknownEndpoint(detail=f"No resource type {name}.")


@router.get("/Schemas", responses=_documented(200, "The schemas of the stored attributes."))
async def scim_list_schemas() -> ScimResponse:
    """The User, enterprise User and Group schemas, limited to what Strata stores."""
    published: list[Schema] = schemas()
    page = ListResponse[Schema](
        total_results=len(published),
        start_index=1,
        items_per_page=len(published),
        resources=published,
    )
    return ScimResponse(page.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/Schemas/{urn}", responses=_documented(200, "One schema."))
async def scim_get_schema(urn: str) -> ScimResponse:
    """One schema, by its URN."""
    for schema in schemas():
        if schema.id == urn:
            return ScimResponse(schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise UnknownEndpoint(detail=f"No schema {urn}.")


# --- users ---------------------------------------------------------------------------------


@router.get("/Users", responses=_documented(200, "A ListResponse of Users."))
async def scim_list_users(
    session: ReadSession, query: UserQuery, fields: UserFields
) -> ScimResponse:
    """List users (employees): `filter`, `sortBy`/`sortOrder`, `startIndex`/`count`."""
    return _list_response(ScimUser, await scim_service.list_users(session, query), query, fields)


@router.post("/Users/.search", responses=_documented(200, "A ListResponse of Users."))
async def scim_search_users(request: Request, session: ReadSession) -> ScimResponse:
    """The list of users as a POST (RFC 7644 §3.4.3): the query in a SearchRequest body."""
    query, fields = await _search(request, ScimUser)
    return _list_response(ScimUser, await scim_service.list_users(session, query), query, fields)


@router.post("/Groups/.search", responses=_documented(200, "A ListResponse of Groups."))
async def scim_search_groups(request: Request, session: ReadSession) -> ScimResponse:
    """The list of groups as a POST (RFC 7644 §3.4.3)."""
    query, fields = await _search(request, ScimGroup)
    return _list_response(ScimGroup, await scim_service.list_groups(session, query), query, fields)


@router.post("/.search", responses=_documented(200, "A ListResponse of Users and Groups."))
async def scim_search_all(request: Request, session: ReadSession) -> ScimResponse:
    """Users and Groups in one query (RFC 7644 §3.4.3, a POST at the root): Users first,
    then Groups; `attributes`/`excludedAttributes` apply to each by its own schema."""
    query, user_fields = await _search(request, ScimUser)
    _, group_fields = await _search(request, ScimGroup)
    listed = await scim_service.search_all(session, query)
    resources = [
        r.model_dump(
            scim_ctx=Context.RESOURCE_QUERY_RESPONSE,
            response_parameters=group_fields if isinstance(r, ScimGroup) else user_fields,
        )
        for r in listed.resources
    ]
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": listed.total,
        "startIndex": query.start_index,
        "itemsPerPage": len(resources),
    }
    if query.count > 0:
        body["Resources"] = resources
    return ScimResponse(body)


async def _search(request: Request, model: Any) -> tuple[ListQuery, ResponseParameters[Any]]:
    body = await _body(request)
    try:
        search: Any = SearchRequest.model_validate(body, scim_ctx=Context.SEARCH_REQUEST)
    except ValidationError as exc:
        raise InvalidQuery(detail=f"Bad SearchRequest: {exc.errors()[0]['msg']}.") from exc
    query = await list_query(
        filter=body.get("filter") if isinstance(body.get("filter"), str) else None,
        sort_by=search.sort_by,
        sort_order=search.sort_order.value if search.sort_order else None,
        start_index=str(search.start_index) if search.start_index is not None else None,
        count=str(search.count) if search.count is not None else None,
    )
    attributes = body.get("attributes")
    excluded = body.get("excludedAttributes")
    fields = _response_parameters(model)(
        attributes=",".join(attributes) if isinstance(attributes, list) else attributes,
        excluded_attributes=",".join(excluded) if isinstance(excluded, list) else excluded,
    )
    return query, fields


@router.post("/Users", responses=_documented(201, "The User created."), openapi_extra=_BODY)
async def scim_create_user(
    request: Request, work: WorkDep, identity: TenantCaller, fields: UserFields
) -> ScimResponse:
    """Provision a user: a new employee, placed in their department, position and line."""
    user = await _resource(request, ScimUser, Context.RESOURCE_CREATION_REQUEST)
    created = await scim_service.create_user(work, identity, user)
    return _resource_response(created, Context.RESOURCE_CREATION_RESPONSE, fields, status_code=201)


@router.get("/Users/{user_id}", responses=_documented(200, "The User."))
async def scim_get_user(
    user_id: str, session: ReadSession, fields: UserFields, if_none_match: IfNoneMatch = None
) -> Response:
    """Read one user; `If-None-Match` with its current version answers 304."""
    user = await scim_service.get_user(session, user_id)
    return _not_modified(user, if_none_match) or _resource_response(
        user, Context.RESOURCE_QUERY_RESPONSE, fields
    )


@router.put(
    "/Users/{user_id}", responses=_documented(200, "The User replaced."), openapi_extra=_BODY
)
async def scim_replace_user(
    user_id: str,
    request: Request,
    work: WorkDep,
    identity: TenantCaller,
    fields: UserFields,
    if_match: IfMatch = None,
) -> ScimResponse:
    """Replace a user; a new department, title or manager is a move kept in their history."""
    user = await _resource(request, ScimUser, Context.RESOURCE_REPLACEMENT_REQUEST)
    replaced = await scim_service.replace_user(work, identity, user_id, user, if_match)
    return _resource_response(replaced, Context.RESOURCE_REPLACEMENT_RESPONSE, fields)


@router.patch(
    "/Users/{user_id}", responses=_documented(200, "The User patched."), openapi_extra=_BODY
)
async def scim_patch_user(
    user_id: str,
    request: Request,
    work: WorkDep,
    identity: TenantCaller,
    fields: UserFields,
    if_match: IfMatch = None,
) -> ScimResponse:
    """Apply PATCH operations (add, replace, remove) to a user, all or none."""
    patch = await _patch(request, ScimUser)
    patched = await scim_service.patch_user(work, identity, user_id, patch, if_match)
    return _resource_response(patched, Context.RESOURCE_PATCH_RESPONSE, fields)


@router.delete(
    "/Users/{user_id}", status_code=204, responses=_documented(204, "Deactivated (terminated).")
)
async def scim_delete_user(
    user_id: str, work: WorkDep, identity: TenantCaller, if_match: IfMatch = None
) -> Response:
    """Delete a user (RFC 7644 §3.6): 404 afterwards; the employee is kept, terminated."""
    await scim_service.delete_user(work, identity, user_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- groups --------------------------------------------------------------------------------


@router.get("/Groups", responses=_documented(200, "A ListResponse of Groups."))
async def scim_list_groups(
    session: ReadSession, query: GroupQuery, fields: GroupFields
) -> ScimResponse:
    """List groups (org units) with their members; `excludedAttributes=members` leaves them out."""
    return _list_response(ScimGroup, await scim_service.list_groups(session, query), query, fields)


@router.post("/Groups", responses=_documented(201, "The Group created."), openapi_extra=_BODY)
async def scim_create_group(
    request: Request, work: WorkDep, identity: TenantCaller, fields: GroupFields
) -> ScimResponse:
    """Provision a group: a department under the enterprise unit, its members moved into it."""
    group = await _resource(request, ScimGroup, Context.RESOURCE_CREATION_REQUEST)
    created = await scim_service.create_group(work, identity, group)
    return _resource_response(created, Context.RESOURCE_CREATION_RESPONSE, fields, status_code=201)


@router.get("/Groups/{group_id}", responses=_documented(200, "The Group."))
async def scim_get_group(
    group_id: str, session: ReadSession, fields: GroupFields, if_none_match: IfNoneMatch = None
) -> Response:
    """Read one group and its members; `If-None-Match` with its current version answers 304."""
    group = await scim_service.get_group(session, group_id)
    return _not_modified(group, if_none_match) or _resource_response(
        group, Context.RESOURCE_QUERY_RESPONSE, fields
    )


@router.put(
    "/Groups/{group_id}", responses=_documented(200, "The Group replaced."), openapi_extra=_BODY
)
async def scim_replace_group(
    group_id: str,
    request: Request,
    work: WorkDep,
    identity: TenantCaller,
    fields: GroupFields,
    if_match: IfMatch = None,
) -> ScimResponse:
    """Replace a group's name, externalId and members (those left out move to the parent unit)."""
    group = await _resource(request, ScimGroup, Context.RESOURCE_REPLACEMENT_REQUEST)
    replaced = await scim_service.replace_group(work, identity, group_id, group, if_match)
    return _resource_response(replaced, Context.RESOURCE_REPLACEMENT_RESPONSE, fields)


@router.patch(
    "/Groups/{group_id}",
    responses=_documented(204, "Patched (200 with the Group when `attributes` is given)."),
    openapi_extra=_BODY,
)
async def scim_patch_group(
    group_id: str,
    request: Request,
    work: WorkDep,
    identity: TenantCaller,
    fields: GroupFields,
    if_match: IfMatch = None,
) -> Response:
    """Rename a group or add and remove members (moves between units), all or none."""
    patch = await _patch(request, ScimGroup)
    patched = await scim_service.patch_group(work, identity, group_id, patch, if_match)
    if fields.attributes or fields.excluded_attributes:
        return _resource_response(patched, Context.RESOURCE_PATCH_RESPONSE, fields)
    # A group lists every member: answer 204 rather than resend thousands (RFC 7644 §3.5.2).
    assert patched.meta is not None
    return Response(
        status_code=status.HTTP_204_NO_CONTENT, headers={"ETag": patched.meta.version or ""}
    )


@router.delete(
    "/Groups/{group_id}", status_code=204, responses=_documented(204, "Deleted (the unit is kept).")
)
async def scim_delete_group(
    group_id: str, work: WorkDep, identity: TenantCaller, if_match: IfMatch = None
) -> Response:
    """Delete a group (RFC 7644 §3.6): 404 afterwards; the org unit, its people, KPIs and
    history stay in Strata."""
    await scim_service.delete_group(work, identity, group_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/Bulk", responses=_documented(200, "A BulkResponse."), openapi_extra=_BODY)
async def scim_bulk(request: Request, work: WorkDep, identity: TenantCaller) -> ScimResponse:
    """Many operations in one request (RFC 7644 §3.7): `bulkId` references, `failOnErrors`,
    each operation's own status; one that fails stores nothing."""
    raw = await request.body()
    if len(raw) > BULK_MAX_PAYLOAD:
        return error_response(
            Error(
                status=413,
                detail=f"The request is larger than {BULK_MAX_PAYLOAD} bytes (maxPayloadSize).",
            )
        )
    try:
        operations, fail_on_errors = parse_request(parse_body(raw))
    except TooLarge as too_large:
        return error_response(too_large.error)
    work.locks.many = True

    async def unexpected(exc: Exception) -> Error:
        log.error("scim.bulk_operation_error", exc_info=exc)
        return Error(status=500, detail=f"Unexpected error: {current_request_id()}.")

    answers = await run_bulk(work, identity, operations, fail_on_errors, scim_error, unexpected)
    return ScimResponse({"schemas": [BULK_RESPONSE], "Operations": answers})


@router.api_route(
    "/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def scim_unknown(path: str, request: Request) -> Response:
    """Anything else under /scim/v2 answers in SCIM's error message, not problem details."""
    allowed: set[str] = set()
    for route in router.routes:
        known = isinstance(route, APIRoute) and route.name != "scim_unknown"
        if known and route.path_regex.match(request.url.path):  # type: ignore[attr-defined]
            allowed |= route.methods  # type: ignore[attr-defined]
    if allowed:
        raise MethodNotAllowed(
            detail=f"{request.method} is not supported on {request.url.path}.",
            allow=", ".join(sorted(allowed)),
        )
    raise UnknownEndpoint(detail=f"No SCIM endpoint {BASE_PATH}/{path}.")


# --- helpers -------------------------------------------------------------------------------


def _integer(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidQuery(detail=f"{name} is an integer.") from exc


def _unique_violation(exc: IntegrityError) -> bool:
    original = exc.orig
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(
        original
    )


_FIELDS = {
    "email": "userName",
    "name": "name",
    "external_id": "externalId",
    "org_unit_id": "department",
    "position_id": "title",
    "manager_id": "manager",
    "parent_id": "department",
}


def _field(pointer: str) -> str:
    name = pointer.rsplit("/", 1)[-1]
    return _FIELDS.get(name, name)


_ENTERPRISE_MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager"


def _entra_manager(body: dict[str, Any]) -> dict[str, Any]:
    """Entra ID writes the manager as a bare id (`"value": "<id>"`) where RFC 7643 has a
    complex `{"value": "<id>"}`, and removes it with a value; read both as the RFC's form."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    fixed = []
    for operation in operations:
        if isinstance(operation, dict):
            operation = dict(operation)
            path = str(operation.get("path") or "").lower()
            value = operation.get("value")
            if path == _ENTERPRISE_MANAGER:
                if str(operation.get("op", "")).lower() == "remove":
                    operation.pop("value", None)
                elif isinstance(value, str):
                    operation["value"] = {"value": value}
            elif not path and isinstance(value, dict):
                operation["value"] = _manager_in_value(value)
        fixed.append(operation)
    return {**body, "Operations": fixed}


def _manager_in_value(value: dict[str, Any]) -> dict[str, Any]:
    fixed = dict(value)
    for key, item in value.items():
        lowered = key.lower()
        if lowered == _ENTERPRISE_MANAGER and isinstance(item, str):
            fixed[key] = {"value": item}
        elif lowered == _ENTERPRISE_MANAGER.rsplit(":", 1)[0] and isinstance(item, dict):
            extension = dict(item)
            for sub, manager in item.items():
                if sub.lower() == "manager" and isinstance(manager, str):
                    extension[sub] = {"value": manager}
            fixed[key] = extension
    return fixed
