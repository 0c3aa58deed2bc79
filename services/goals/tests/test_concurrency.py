"""Two people cannot overwrite each other silently: reads carry an ETag, writes with a stale
If-Match answer 412 and change nothing."""

P = "/api/v1/goals"


class TestIfMatch:
    async def test_a_stale_employee_update_is_refused(self, api, client):
        unit = await api.org_unit()
        ann = await api.employee(unit["id"], name="Ann")
        read = await client.get(f"{P}/employees/{ann['id']}", headers=api.headers)
        etag = read.headers["ETag"]
        first = await client.patch(
            f"{P}/employees/{ann['id']}",
            json={"name": "Ann Lee"},
            headers={**api.headers, "If-Match": etag},
        )
        assert first.status_code == 200
        assert first.headers["ETag"] != etag
        second = await client.patch(
            f"{P}/employees/{ann['id']}",
            json={"name": "Ann Smith"},
            headers={**api.headers, "If-Match": etag},
        )
        assert second.status_code == 412
        assert second.headers["content-type"] == "application/problem+json"
        assert (await api.call("GET", f"/employees/{ann['id']}"))["name"] == "Ann Lee"

    async def test_a_plan_changed_since_it_was_read_is_not_signed(
        self, api, client, worked_example
    ):
        x = worked_example
        cycle = await api.call(
            "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
        )
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        read = await client.get(f"{P}/plans/{plan['id']}", headers=x["as_rep"])
        etag = read.headers["ETag"]
        items = [{"key": i["key"], "weight": i["weight"]} for i in plan["current"]["items"]]
        items[0]["target"] = "11"
        await api.call(
            "POST",
            f"/plans/{plan['id']}/versions",
            {"base_version": 1, "items": items},
            headers=x["as_director"],
        )
        stale = await client.post(
            f"{P}/plans/{plan['id']}/signatures",
            json={"version": 2},
            headers={**x["as_rep"], "If-Match": etag},
        )
        assert stale.status_code == 412
        fresh = await client.get(f"{P}/plans/{plan['id']}", headers=x["as_rep"])
        signed = await client.post(
            f"{P}/plans/{plan['id']}/signatures",
            json={"version": 2},
            headers={**x["as_rep"], "If-Match": fresh.headers["ETag"]},
        )
        assert signed.status_code == 201
