"""The world the security checks run in: a real stack, tenant A (the demo tenant, with every
kind of object) and tenant B, and keys for every role.

- `role_keys`: tenant A keys with one role each, held by a *stranger* (an employee with no
  reports, plans, invitations or interviews), so that a data rule never lets them through.
- `twin_keys(employee_id)`: the same roles and employee id in tenant A and in tenant B,
  so "another tenant's id is 404" is tested apart from "someone else's object is 404".
"""

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from strata_contracts.identity import Role

from .catalogue import Catalogue
from .operations import Operation, operations

ROLES = tuple(Role)
SPEC_SECONDS = 300.0


def merged_spec(base_url: str) -> dict[str, Any]:
    """The gateway's merged document, once every service has answered for it."""
    deadline = time.monotonic() + SPEC_SECONDS
    while True:
        spec: dict[str, Any] = httpx.get(f"{base_url}/openapi.json", timeout=60).json()
        if "x-strata-unavailable" not in spec or time.monotonic() > deadline:
            assert "x-strata-unavailable" not in spec, spec["x-strata-unavailable"]
            return spec
        time.sleep(1)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class World:
    base_url: str
    service_urls: dict[str, str]
    admin_a: str
    admin_b: str
    tenant_a: str
    platform_secret: str = ""
    spec: dict[str, Any] = field(default_factory=dict)
    ops: list[Operation] = field(default_factory=list)
    role_keys: dict[Role, str] = field(default_factory=dict)
    stranger_id: str = ""
    secrets: list[str] = field(default_factory=list)
    _twins: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.a = httpx.Client(base_url=self.base_url, headers=bearer(self.admin_a), timeout=120)
        self.b = httpx.Client(base_url=self.base_url, headers=bearer(self.admin_b), timeout=120)
        self.catalogue = Catalogue(self.a)
        self.secrets += [self.admin_a, self.admin_b]

    def key(self, client: httpx.Client, body: dict[str, Any]) -> str:
        response = client.post("/api/v1/keys", json=body)
        assert response.status_code == 201, response.text
        secret: str = response.json()["secret"]
        self.secrets.append(secret)
        return secret

    def twin_keys(self, employee_id: str) -> tuple[str, str]:
        """Keys acting as `employee_id` (employee and manager) in tenant A and tenant B."""
        if employee_id not in self._twins:
            body = {"name": "twin", "roles": ["employee", "manager"], "employee_id": employee_id}
            # Tenant B cannot mint a key for tenant A's employee (the id is checked against
            # its own employees), so its twin acts as one of its own people instead.
            refused = self.b.post("/api/v1/keys", json=body)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["pointer"] == "/body/employee_id", refused.text
            body_b = {**body, "employee_id": self._employee_of_b()}
            self._twins[employee_id] = (self.key(self.a, body), self.key(self.b, body_b))
        return self._twins[employee_id]

    def _employee_of_b(self) -> str:
        page = self.b.get("/api/v1/goals/employees", params={"limit": 1})
        assert page.status_code == 200, page.text
        if page.json()["items"]:
            return str(page.json()["items"][0]["id"])
        unit = self.b.post("/api/v1/goals/org-units", json={"name": "Twin unit"})
        assert unit.status_code == 201, unit.text
        twin = self.b.post(
            "/api/v1/goals/employees",
            json={"name": "Twin", "org_unit_id": unit.json()["id"]},
        )
        assert twin.status_code == 201, twin.text
        return str(twin.json()["id"])

    def prepare(self) -> None:
        self.spec = merged_spec(self.base_url)
        self.ops = operations(self.spec)
        self._strangers()
        self._seed()

    def _strangers(self) -> None:
        unit = self.a.get("/api/v1/goals/org-units", params={"limit": 1}).json()["items"][0]
        stranger = self.a.post(
            "/api/v1/goals/employees",
            json={
                "name": "Stranger",
                "email": "stranger@security.example",
                "org_unit_id": unit["id"],
            },
        )
        assert stranger.status_code == 201, stranger.text
        self.stranger_id = stranger.json()["id"]
        for role in ROLES:
            body: dict[str, Any] = {"name": f"only {role.value}", "roles": [role.value]}
            if role in (Role.MANAGER, Role.EMPLOYEE):
                body["employee_id"] = self.stranger_id
            self.role_keys[role] = self.key(self.a, body)

    def _seed(self) -> None:
        """Objects the demo tenant does not have yet: one of each kind the API names."""
        a = self.a
        hook = a.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
        assert hook.status_code == 201, hook.text
        self.secrets.append(hook.json()["secret"])
        parent = a.get("/api/v1/goals/org-units", params={"limit": 1}).json()["items"][0]
        # An event after the subscription exists, so the webhook has a delivery.
        assert (
            a.post(
                "/api/v1/goals/org-units", json={"name": "Seed unit", "parent_id": parent["id"]}
            ).status_code
            == 201
        )
        # Each tenant's admin key may see raters: a reveal grant to its own subject, given
        # by a second admin (nobody grants themselves).
        for client, secret in ((a, self.admin_a), (self.b, self.admin_b)):
            keys = client.get("/api/v1/keys", params={"limit": 500}).json()["items"]
            [admin_key] = [k for k in keys if k["prefix"] == "_".join(secret.split("_")[:2])]
            grantor = self.key(client, {"name": "grantor", "roles": ["admin"]})
            grant = httpx.post(
                f"{self.base_url}/api/v1/reviews/reveal-grants",
                json={
                    "grantee_subject": f"key:{admin_key['id']}",
                    "reason": "security test",
                    "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                },
                headers=bearer(grantor),
                timeout=120,
            )
            assert grant.status_code == 201, grant.text
        job = a.post(
            "/api/v1/goals/org-units/bulk-upsert/jobs",
            json={"items": [{"external_id": "SEC-UNIT", "name": "Security unit"}]},
        )
        assert job.status_code == 202, job.text
        rebuild = a.post("/api/v1/analytics/ingestion/rebuild")
        assert rebuild.status_code == 202, rebuild.text
        recipient = a.get("/api/v1/goals/employees", params={"limit": 1}).json()["items"][0]
        note = httpx.post(
            f"{self.base_url}/api/v1/feedback/notes",
            json={"recipient_id": recipient["id"], "kind": "praise", "body": "Well done."},
            headers=bearer(self.role_keys[Role.EMPLOYEE]),
            timeout=120,
        )
        assert note.status_code == 201, note.text
        self.catalogue.seed("/api/v1/feedback/notes/{note_id}", note.json())
        appeals = a.get("/api/v1/feedback/appeals").json()["items"]
        under_review = [x for x in appeals if x["status"] == "under_review"]
        assert under_review, appeals
        resolved = a.post(
            f"/api/v1/feedback/appeals/{under_review[0]['id']}/resolve",
            json={
                "outcome": "amended",
                "resolution_note": "Security test: a change request.",
                "amendments": [
                    {
                        "target_service": "goals",
                        "target_type": "kpi_result",
                        "target_id": str(uuid.uuid4()),
                        "field": "actual",
                        "before": 5,
                        "after": 6,
                        "reason": "Security test amendment.",
                    }
                ],
            },
        )
        assert resolved.status_code == 200, resolved.text
        cycle = a.get("/api/v1/goals/cycles", params={"limit": 1}).json()["items"][0]
        session = a.post(
            "/api/v1/analytics/calibration-sessions",
            json={
                "name": "Security calibration",
                "cycle_id": cycle["id"],
                "guideline": [{"band": str(band), "share": 20} for band in range(1, 6)],
            },
        )
        assert session.status_code == 201, session.text
        # Sessions have no list route: record this one.
        self.catalogue.seed("/api/v1/analytics/calibration-sessions/{session_id}", session.json())
        # Results applied: pay, a training programme and a promotion run (with its
        # recommendations), none of which the demo has.
        result = self._pulled_result()
        pay = a.put(
            "/api/v1/analytics/compensation",
            json={
                "rows": [
                    {
                        "employee_id": result["employee_id"],
                        "base_salary": "50000.00",
                        "currency": "EUR",
                        "range_midpoint": "50000.00",
                    }
                ]
            },
        )
        assert pay.status_code == 200, pay.text
        programme = a.post("/api/v1/analytics/training-programmes", json={"name": "Security"})
        assert programme.status_code == 201, programme.text
        [policy] = a.get("/api/v1/analytics/result-policies").json()[:1]
        run = a.post(
            "/api/v1/analytics/recommendation-runs/promotion",
            json={
                "cycle_ids": [result["cycle_id"]],
                "min_band": policy["bands"][0]["code"],
                "consecutive_cycles": 1,
                # The demo's results may lack a part; the run must still recommend someone.
                "include_incomplete": True,
                "include_incomplete_reason": "Security test: every result counts.",
            },
        )
        assert run.status_code == 201, run.text
        assert run.json()["recommendations"], run.text
        # SCIM lists only what an identity provider provisioned: one User and one Group.
        scim = {"Content-Type": "application/scim+json"}
        user = a.post(
            "/scim/v2/Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "security.user@security.example",
                "externalId": "SEC-USER",
                "name": {"givenName": "Security", "familyName": "User"},
            },
            headers=scim,
        )
        assert user.status_code == 201, user.text
        group = a.post(
            "/scim/v2/Groups",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Security group",
                "members": [{"value": user.json()["id"]}],
            },
            headers=scim,
        )
        assert group.status_code == 201, group.text

    def _pulled_result(self, timeout: float = 300) -> dict[str, Any]:
        """A result with a 360 part: the demo campaign's answers reach analytics
        asynchronously (event, then a pull from reviews), after the stack has started."""
        deadline = time.monotonic() + timeout
        while True:
            items = self.a.get("/api/v1/analytics/results", params={"limit": 100}).json()["items"]
            with_360 = [item for item in items if item.get("campaign_id")]
            if with_360:
                return with_360[0]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no result with a 360 part after {timeout} s: {items[:2]}")
            time.sleep(1)

    def close(self) -> None:
        self.a.close()
        self.b.close()
