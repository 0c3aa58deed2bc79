"""A realistic tenant, loaded the way an integrator would (through the gateway's API) where
the API is the normal path, and in bulk into the analytics read model for the ratings,
which in production arrive there from closed campaigns over months.

- Organisation: an enterprise, 20 departments, 10 teams each; 5 positions per department;
  `employees` people (CEO, department heads, team leads, staff) with reporting lines, sent
  as HRIS bulk upserts of 1,000.
- Strategy and plans: an annual cycle, one objective per scorecard perspective, three
  indicator templates assigned to the whole enterprise for the cycle: every employee gets a
  plan (3 items), through the template-assignment path.
- 360: a 20-item template (4 competencies x 5 items, one 1-5 scale) and an open
  self-assessment campaign for `invitations` people; the raters' portal JWTs are minted here
  (the gateway is configured with the bench's HMAC key).
- Ratings: `ratings` rating facts (10 raters x 20 items per ratee) of a closed campaign,
  written straight into the analytics database (COPY on PostgreSQL), with rater leniency,
  ratee level and noise, so the fairness statistics have something real to find.
"""

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bench.stack import BenchStack
from strata_analytics.projections.models import CampaignView, RatingFact
from strata_kit.db import create_engine

# The read model's tables, loaded straight (COPY / INSERT) as a replica's pull would fill them.
RATING_FACT = RatingFact.metadata.tables["rating_fact"]
CAMPAIGN_VIEW = CampaignView.metadata.tables["campaign_view"]
DEPARTMENTS = 20
TEAMS_PER_DEPARTMENT = 10
TITLES = ("Associate", "Specialist", "Senior specialist", "Analyst", "Coordinator")
PERSPECTIVES = ("financial", "customer", "internal_process", "learning_growth")
RATERS_PER_RATEE = 10
RATEES_PER_CAMPAIGN = 250
ITEMS = 20


@dataclass
class Tenant:
    tenant_id: str
    admin_key: str
    employee_ids: list[str] = field(default_factory=list)
    cycle_id: str = ""
    plans: int = 0
    campaign_id: str = ""
    submissions: list[tuple[str, str]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    ratings_campaign_id: str = ""
    campaigns: int = 0
    ratings: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def _check(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200, 201)):
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
    return response.json() if response.content else None


async def load(stack: BenchStack, *, employees: int, invitations: int, ratings: int) -> Tenant:
    created = stack.cli("tenant", "create", "Bench Manufacturing Ltd")
    body = json.loads(created[created.index("{") :])
    tenant = Tenant(tenant_id=body["tenant"]["id"], admin_key=body["admin_key"]["secret"])
    headers = {"Authorization": f"Bearer {tenant.admin_key}"}
    async with httpx.AsyncClient(base_url=stack.url(), headers=headers, timeout=600) as http:
        started = time.perf_counter()
        await _organisation(http, tenant, employees)
        tenant.timings["organisation_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        await _plans(http, tenant)
        tenant.timings["plans_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        await _campaign(http, stack, tenant, invitations)
        tenant.timings["campaign_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    await _ratings(stack, tenant, ratings)
    tenant.timings["ratings_s"] = round(time.perf_counter() - started, 1)
    return tenant


async def _organisation(http: httpx.AsyncClient, tenant: Tenant, employees: int) -> None:
    units = [{"external_id": "ENT", "name": "Bench Manufacturing Ltd"}]
    for d in range(DEPARTMENTS):
        units.append(
            {"external_id": f"D{d:02}", "name": f"Department {d}", "parent_external_id": "ENT"}
        )
    for d in range(DEPARTMENTS):
        for t in range(TEAMS_PER_DEPARTMENT):
            units.append(
                {
                    "external_id": f"D{d:02}T{t}",
                    "name": f"Team {d}.{t}",
                    "parent_external_id": f"D{d:02}",
                }
            )
    for level in (units[:1], units[1 : 1 + DEPARTMENTS], units[1 + DEPARTMENTS :]):
        _check(await http.post("/api/v1/goals/org-units/bulk-upsert", json={"items": level}))
    # A position belongs to one unit: the CEO's, a head per department, and in every team a
    # lead and three staff titles.
    positions = [
        {"external_id": "P-CEO", "title": "Chief executive", "org_unit_external_id": "ENT"}
    ]
    for d in range(DEPARTMENTS):
        positions.append(
            {
                "external_id": f"P{d:02}",
                "title": "Head of department",
                "org_unit_external_id": f"D{d:02}",
            }
        )
        for t in range(TEAMS_PER_DEPARTMENT):
            for i, title in enumerate(("Team lead", *TITLES[:3])):
                positions.append(
                    {
                        "external_id": f"P{d:02}T{t}-{i}",
                        "title": title,
                        "org_unit_external_id": f"D{d:02}T{t}",
                    }
                )
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        _check(await http.post("/api/v1/goals/positions/bulk-upsert", json={"items": chunk}))

    def person(n: int, unit: str, manager: str | None, position: str) -> dict[str, Any]:
        row: dict[str, Any] = {
            "external_id": f"E{n:06}",
            "name": f"Employee {n}",
            "email": f"e{n}@bench.example",
            "org_unit_external_id": unit,
            "position_external_id": position,
        }
        if manager:
            row["manager_external_id"] = manager
        return row

    ceo = [person(0, "ENT", None, "P-CEO")]
    heads = [person(1 + d, f"D{d:02}", "E000000", f"P{d:02}") for d in range(DEPARTMENTS)]
    leads = [
        person(
            1 + DEPARTMENTS + d * TEAMS_PER_DEPARTMENT + t,
            f"D{d:02}T{t}",
            f"E{1 + d:06}",
            f"P{d:02}T{t}-0",
        )
        for d in range(DEPARTMENTS)
        for t in range(TEAMS_PER_DEPARTMENT)
    ]
    first_staff = 1 + DEPARTMENTS + DEPARTMENTS * TEAMS_PER_DEPARTMENT
    staff = []
    for n in range(first_staff, employees):
        team = n % (DEPARTMENTS * TEAMS_PER_DEPARTMENT)
        d, t = divmod(team, TEAMS_PER_DEPARTMENT)
        staff.append(
            person(n, f"D{d:02}T{t}", f"E{1 + DEPARTMENTS + team:06}", f"P{d:02}T{t}-{1 + n % 3}")
        )
    for level in (ceo, heads, leads):
        _check(await http.post("/api/v1/goals/employees/bulk-upsert", json={"items": level}))
    for start in range(0, len(staff), 1000):
        chunk = staff[start : start + 1000]
        _check(await http.post("/api/v1/goals/employees/bulk-upsert", json={"items": chunk}))
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = _check(await http.get("/api/v1/goals/employees", params=params))
        tenant.employee_ids += [e["id"] for e in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor or not page["items"]:
            break


async def _plans(http: httpx.AsyncClient, tenant: Tenant) -> None:
    year = datetime.now(UTC).year
    cycle = _check(
        await http.post(
            "/api/v1/goals/cycles",
            json={"name": f"{year} annual", "cadence": "annual", "starts_on": f"{year}-01-01"},
        )
    )
    tenant.cycle_id = cycle["id"]
    for perspective in PERSPECTIVES:
        _check(
            await http.post(
                "/api/v1/goals/objectives",
                json={"title": f"Excel in {perspective}", "perspective": perspective},
            )
        )
    units = _check(await http.get("/api/v1/goals/org-units", params={"limit": 500}))["items"]
    # Department by department (with their teams), then the enterprise's own post: one
    # request per ~500 people keeps each well inside the gateway's read timeout.
    targets = [(u["id"], True) for u in units if len(u["external_id"] or "") == 3]
    targets += [(u["id"], False) for u in units if u["external_id"] == "ENT"]
    plans = 0
    templates = [
        ("T-REVENUE", "Revenue per head", "financial", 40, 100, "kEUR"),
        ("T-NPS", "Customer satisfaction", "customer", 60, 80, "points"),
        ("T-TRAINING", "Training hours", "learning_growth", 4, 8, "hours"),
    ]
    for code, name, perspective, threshold, target, unit in templates:
        template = _check(
            await http.post(
                "/api/v1/goals/indicator-templates",
                json={
                    "code": code,
                    "name": name,
                    "perspective": perspective,
                    "direction": "higher_is_better",
                    "unit": unit,
                    "threshold": threshold,
                    "target": target,
                    "default_weight": 20,
                },
            )
        )
        for unit_id, subunits in targets:
            result = _check(
                await http.post(
                    f"/api/v1/goals/indicator-templates/{template['id']}/assign",
                    json={
                        "org_unit_id": unit_id,
                        "include_subunits": subunits,
                        "cycle_id": tenant.cycle_id,
                    },
                )
            )
            plans += result["plans_created"]
    tenant.plans = plans


async def _campaign(
    http: httpx.AsyncClient, stack: BenchStack, tenant: Tenant, invitations: int
) -> None:
    scale = {
        "key": "agree",
        "name": "Agreement",
        "points": [
            {"value": v, "label": f"Level {v}", "anchor": f"Behaviour at level {v}."}
            for v in range(1, 6)
        ],
    }
    competencies = [
        {
            "key": f"c{c}",
            "name": f"Competency {c}",
            "items": [
                {"text": f"Competency {c}, behaviour {i}.", "scale_key": "agree"}
                for i in range(ITEMS // 4)
            ],
        }
        for c in range(4)
    ]
    template = _check(
        await http.post(
            "/api/v1/reviews/templates",
            json={
                "name": "Bench 360",
                "definition": {"scales": [scale], "competencies": competencies},
            },
        )
    )
    now = datetime.now(UTC)
    ratees = tenant.employee_ids[:invitations]
    campaign = _check(
        await http.post(
            "/api/v1/reviews/campaigns",
            json={
                "name": "Bench self-assessment",
                "cycle_id": tenant.cycle_id,
                "template_id": template["id"],
                "scope": {"kind": "employees", "employee_ids": ratees},
                "relationships": [{"relationship": "self", "min_raters": 0, "max_raters": 1}],
                "opens_at": (now - timedelta(minutes=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
            },
        )
    )
    tenant.campaign_id = campaign["id"]
    _check(await http.post(f"/api/v1/reviews/campaigns/{campaign['id']}/open"))
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = _check(
            await http.get(f"/api/v1/reviews/campaigns/{campaign['id']}/invitations", params=params)
        )
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor or not page["items"]:
            break
    expires = now + timedelta(hours=6)
    for invitation in found:
        token = jwt.encode(
            {
                "sub": f"bench-{invitation['rater_employee_id']}",
                "tenant_id": tenant.tenant_id,
                "employee_id": invitation["rater_employee_id"],
                "roles": ["employee"],
                "iss": stack.JWT_ISSUER,
                "aud": stack.JWT_AUDIENCE,
                "exp": expires,
            },
            stack.jwt_key,
            algorithm="HS256",
        )
        path = f"/api/v1/reviews/invitations/{invitation['id']}/response/submit"
        tenant.submissions.append((path, token))
    # Every invitation asks the same 20 items: read them once, as the first rater.
    path, token = tenant.submissions[0]
    form = _check(
        await http.get(
            path.replace("/response/submit", "/form"),
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    items = _form_items(form)
    tenant.answers = [{"item_id": item, "rating": 1 + n % 5} for n, item in enumerate(items)]
    assert len(tenant.answers) == ITEMS, len(tenant.answers)


def _form_items(form: Any) -> list[str]:
    """Item ids of rating items anywhere in the form document."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("kind") == "rating" and "scale_id" in node and "id" in node:
                found.append(str(node["id"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(form)
    return found


async def _ratings(stack: BenchStack, tenant: Tenant, ratings: int) -> None:
    """`ratings` rating facts of one closed campaign, straight into analytics' tables."""
    rng = random.Random(8)  # noqa: S311 (bench data, not secrets)
    tenant_id = uuid.UUID(tenant.tenant_id)
    cycle_id = uuid.UUID(tenant.cycle_id)
    # Many closed campaigns (a department's half-year review is about 250 people), not one
    # giant one: the statistics run per campaign, the table holds them all.
    per_campaign = RATEES_PER_CAMPAIGN * RATERS_PER_RATEE * ITEMS
    campaign_ids = [uuid.uuid4() for _ in range(max(1, -(-ratings // per_campaign)))]
    tenant.ratings_campaign_id = str(campaign_ids[0])
    tenant.campaigns = len(campaign_ids)
    per_ratee = RATERS_PER_RATEE * ITEMS
    people = [uuid.UUID(e) for e in tenant.employee_ids]
    ratees = [people[n % len(people)] for n in range(max(1, -(-ratings // per_ratee)))]
    competencies = [(uuid.uuid4(), f"c{c}", f"Competency {c}") for c in range(4)]
    items = [(uuid.uuid4(), competencies[i // 5], f"Behaviour {i}.") for i in range(ITEMS)]
    relationships = ["supervisor"] + ["peer"] * 5 + ["direct_report"] * 4
    rater_pool = len(ratees)
    leniency = [rng.gauss(0, 0.6) for _ in range(rater_pool)]
    level = {r: rng.gauss(0, 0.5) for r in people}
    now = datetime.now(UTC)
    columns = [c.name for c in RATING_FACT.columns]

    def rows() -> Any:
        count = 0
        for n, ratee in enumerate(ratees):
            for k, relationship in enumerate(relationships):
                rater = (n * 7 + k * 13) % rater_pool
                for item_id, (comp_id, comp_key, comp_name), text in items:
                    value = round(3 + level[ratee] + leniency[rater] + rng.gauss(0, 0.7))
                    row = {
                        "tenant_id": tenant_id,
                        "id": uuid.uuid4(),
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                        "campaign_id": campaign_ids[n // RATEES_PER_CAMPAIGN],
                        "cycle_id": cycle_id,
                        "ratee_id": ratee,
                        "relationship": relationship,
                        "rater_key": f"r{rater:06}",
                        "rater_employee_id": None,
                        "competency_id": comp_id,
                        "competency_key": comp_key,
                        "competency_name": comp_name,
                        "item_id": item_id,
                        "item_text": text,
                        "value": min(5, max(1, value)),
                        "scale_min": 1,
                        "scale_max": 5,
                        "anonymity_threshold": 3,
                    }
                    yield row
                    count += 1
                    if count >= ratings:
                        return

    url = stack.database_url("analytics")
    campaigns = [
        {
            "tenant_id": tenant_id,
            "id": campaign_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "cycle_id": cycle_id,
            "closed_at": now - timedelta(days=1),
            "template_id": None,
            "anonymity_threshold": 3,
            "ratings_pulled_at": now,
            "ratings": per_campaign,
        }
        for campaign_id in campaign_ids
    ]
    if url.startswith("postgresql"):
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            view_columns = [c.name for c in CAMPAIGN_VIEW.columns]
            await conn.copy_records_to_table(
                "campaign_view",
                records=[tuple(c.get(name) for name in view_columns) for c in campaigns],
                columns=view_columns,
            )
            batch: list[tuple[Any, ...]] = []
            for row in rows():
                batch.append(tuple(row[c] for c in columns))
                if len(batch) >= 100_000:
                    await conn.copy_records_to_table("rating_fact", records=batch, columns=columns)
                    tenant.ratings += len(batch)
                    batch = []
            if batch:
                await conn.copy_records_to_table("rating_fact", records=batch, columns=columns)
                tenant.ratings += len(batch)
            await conn.execute("ANALYZE rating_fact")
        finally:
            await conn.close()
        return
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(CAMPAIGN_VIEW), campaigns)
            batch_rows: list[dict[str, Any]] = []
            for row in rows():
                batch_rows.append(row)
                if len(batch_rows) >= 50_000:
                    await conn.execute(insert(RATING_FACT), batch_rows)
                    tenant.ratings += len(batch_rows)
                    batch_rows = []
            if batch_rows:
                await conn.execute(insert(RATING_FACT), batch_rows)
                tenant.ratings += len(batch_rows)
    finally:
        await engine.dispose()


def run(stack: BenchStack, **sizes: int) -> Tenant:
    tenant = asyncio.run(load(stack, **sizes))
    # The load leaves work behind (events to relay and to project into analytics, jobs):
    # measured scenarios must not share the CPU with it.
    tenant.timings["background_s"] = stack.wait_quiet()
    return tenant
