"""Request bodies for the operations whose schema alone does not make a valid request (a
model rule, or an untyped SCIM document), so that the check under test decides the answer
rather than a 400/422. Every other operation gets `operations.example(...)`."""

from collections.abc import Callable
from typing import Any

SCIM_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCALE = {
    "key": "agree",
    "name": "Agreement",
    "points": [
        {"value": 1, "label": "Rarely", "anchor": "Rarely shows it."},
        {"value": 5, "label": "Always", "anchor": "Always shows it."},
    ],
}

BODIES: dict[str, Callable[[dict[str, str]], Any]] = {
    "goals_record_actual": lambda ids: {
        "key": "00000000-0000-4000-8000-000000000001",
        "value": 1,
        "source": "security test",
    },
    "goals_correct_actual": lambda ids: {"value": 1, "reason": "security test"},
    "analytics_amend_rating": lambda ids: {"band": "3", "reason": "security test"},
    "goals_assign_indicator_template": lambda ids: {
        "org_unit_id": ids.get("org_unit_id", ids.get("template_id"))
    },
    "reviews_create_template_version": lambda ids: {
        "definition": {
            "scales": [SCALE],
            "competencies": [
                {
                    "key": "teamwork",
                    "name": "Teamwork",
                    "items": [{"text": "Helps others.", "scale_key": "agree"}],
                }
            ],
        }
    },
    "goals_scim_replace_user": lambda ids: {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "security@example.com",
        "name": {"formatted": "Security Test"},
        "emails": [{"value": "security@example.com", "primary": True}],
        "active": True,
    },
    "goals_scim_patch_user": lambda ids: {
        "schemas": [SCIM_PATCH],
        "Operations": [{"op": "replace", "path": "active", "value": True}],
    },
    "goals_scim_replace_group": lambda ids: {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Security test",
    },
    "goals_scim_patch_group": lambda ids: {
        "schemas": [SCIM_PATCH],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Security test"}],
    },
}

# Operations refused to an admin without a reveal grant: the world grants each tenant's admin
# key one, so that the cross-tenant check is not decided by the missing grant.
GRANTED_TO_ADMINS = frozenset({"reviews_disclose_raters"})

# Operations whose path id is not another tenant's object to find: they key something of
# the caller's own tenant by an id from elsewhere. Each says why.
NOT_A_LOOKUP: dict[str, str] = {
    "analytics_set_template_result_policy": (
        "sets the caller's own tenant's result policy for a template id; analytics keeps no "
        "templates, so nothing of the other tenant is read or written"
    ),
}
