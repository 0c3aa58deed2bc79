"""Write rules every domain shares: the fields a PATCH body sets, and keys (codes, HRIS
ids) that must stay unique in the tenant."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from strata_kit.errors import Conflict, InvalidInput, field


class DuplicateKey(Conflict):
    """An external id or code that another row of the tenant already has."""

    title = "Duplicate key"
    slug = "duplicate-key"


async def ensure_unique(
    find_by: Callable[..., Awaitable[Any]],
    what: str,
    *,
    exclude: uuid.UUID | None = None,
    **keys: str | None,
) -> None:
    """Refuse (409, naming the field) a key another row of the tenant already holds."""
    for name, value in keys.items():
        if value is None:
            continue
        other = await find_by(**{name: value})
        if other is not None and other.id != exclude:
            raise DuplicateKey(
                f"Another {what} already has {name} {value!r}.",
                errors=[field(name, f"already used by {other.id}")],
            )


def patch_changes(data: BaseModel, required: set[str]) -> dict[str, Any]:
    """The fields `data` sets, as given (nested contract objects kept); `null` clears an
    optional field and is refused for a required one."""
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    nulls = sorted(name for name in required if name in changes and changes[name] is None)
    if nulls:
        raise InvalidInput(
            "Required fields cannot be cleared.",
            errors=[field(name, "cannot be null") for name in nulls],
        )
    return changes
