"""The fields a PATCH body sets, shared by every domain's update rules."""

from typing import Any

from pydantic import BaseModel

from strata_kit.errors import InvalidInput, field


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
