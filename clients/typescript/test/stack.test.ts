/**
 * The client against a real stack (gateway and services started by
 * tests/e2e/test_typescript_client.py, the demo tenant loaded): STRATA_BASE_URL and
 * STRATA_API_KEY (the demo tenant's admin key) come from that wrapper.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { createStrataClient, isProblem, paginate, type Problem, type Schemas } from "../src/index.js";

const baseUrl = process.env.STRATA_BASE_URL;
const apiKey = process.env.STRATA_API_KEY;
if (!baseUrl || !apiKey) throw new Error("STRATA_BASE_URL and STRATA_API_KEY are required");
const strata = createStrataClient({ baseUrl, apiKey });

test("authenticates with an API key", async () => {
  const { data, error, response } = await strata.GET("/api/v1/tenant");
  assert.equal(error, undefined);
  assert.equal(response.status, 200);
  assert.ok(data?.id);
  const anonymous = createStrataClient({ baseUrl });
  const refused = await anonymous.GET("/api/v1/tenant");
  assert.equal(refused.response.status, 401);
  assert.ok(isProblem(refused.error));
});

test("pages through employees with the cursor", async () => {
  const seen: Schemas["EmployeeRead"][] = [];
  for await (const employee of paginate((cursor) =>
    strata.GET("/api/v1/goals/employees", { params: { query: { limit: 7, cursor } } }),
  )) {
    seen.push(employee);
  }
  const whole = await strata.GET("/api/v1/goals/employees", { params: { query: { limit: 500 } } });
  assert.ok(whole.data);
  assert.ok(seen.length > 7, `only ${seen.length} employees`);
  assert.deepEqual(
    seen.map((e) => e.id),
    whole.data.items.map((e) => e.id),
  );
  assert.equal(new Set(seen.map((e) => e.id)).size, seen.length);
});

test("submits a check-in on a plan of the cycle in coaching", async () => {
  const cycles = await strata.GET("/api/v1/goals/cycles", { params: { query: { phase: "coaching" } } });
  const cycle = cycles.data?.items[0];
  assert.ok(cycle, "the demo has a cycle in coaching");
  const plans = await strata.GET("/api/v1/goals/plans", {
    params: { query: { cycle_id: cycle.id, limit: 1 } },
  });
  const summary = plans.data?.items[0];
  assert.ok(summary);
  const plan = await strata.GET("/api/v1/goals/plans/{plan_id}", {
    params: { path: { plan_id: summary.id } },
  });
  const item = plan.data?.current.items[0];
  assert.ok(item);
  const created = await strata.POST("/api/v1/goals/plans/{plan_id}/check-ins", {
    params: { path: { plan_id: summary.id } },
    body: {
      summary: "Client test: on track",
      progress: [{ key: item.key, on_track: true, note: "from the TypeScript client" }],
    },
  });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  assert.equal(created.data?.summary, "Client test: on track");
  const listed = await strata.GET("/api/v1/goals/plans/{plan_id}/check-ins", {
    params: { path: { plan_id: summary.id } },
  });
  assert.ok(listed.data?.items.some((c) => c.id === created.data?.id));
});

test("reads a 360 result", async () => {
  const campaigns = await strata.GET("/api/v1/reviews/campaigns", {
    params: { query: { status: "closed" } },
  });
  const campaign = campaigns.data?.items[0];
  assert.ok(campaign, "the demo has a closed 360 campaign");
  const ratees = await strata.GET("/api/v1/reviews/campaigns/{campaign_id}/ratees", {
    params: { path: { campaign_id: campaign.id }, query: { limit: 1 } },
  });
  const ratee = ratees.data?.items[0];
  assert.ok(ratee);
  const result = await strata.GET("/api/v1/reviews/campaigns/{campaign_id}/results/{ratee_id}", {
    params: { path: { campaign_id: campaign.id, ratee_id: ratee.employee_id } },
  });
  assert.equal(result.response.status, 200, JSON.stringify(result.error));
  assert.ok(result.data);
  assert.equal(result.data.ratee_id, ratee.employee_id);
  assert.equal(result.data.campaign_name, campaign.name);
  assert.ok(result.data.competencies.length > 0);
  assert.ok(result.data.anonymity_threshold >= 2);
});

test("gets a problem-details error, typed", async () => {
  const missing = "00000000-0000-4000-8000-000000000000";
  const { data, error, response } = await strata.GET("/api/v1/goals/employees/{employee_id}", {
    params: { path: { employee_id: missing } },
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const problem: Problem | undefined = error;
  assert.ok(problem && isProblem(problem));
  assert.equal(problem.status, 404);
  assert.equal(typeof problem.title, "string");
  const invalid = await strata.GET("/api/v1/goals/employees", {
    params: { query: { limit: 100000 } },
  });
  assert.equal(invalid.response.status, 422);
  assert.ok(invalid.error?.errors?.some((e) => e.pointer === "/query/limit"));
});
