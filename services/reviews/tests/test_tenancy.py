"""Nothing crosses tenants: every id of one tenant reads as unknown (404) in another."""


async def test_another_tenants_ids_are_unknown_everywhere(client, flow, other_flow):
    campaign = await flow.staffed("E010", peers=("E011", "E012", "E013"), customers=("Kovac",))
    invitations = await flow.invitations(campaign)
    for invitation in invitations:
        await flow.answer(invitation)
    await flow.close(campaign)
    nomination = (await flow.nominations(campaign, "E010"))[0]
    template = campaign["template_id"]
    ratee = flow.org.id("E010")
    c = f"/api/v1/reviews/campaigns/{campaign['id']}"
    calls = [
        ("GET", f"/api/v1/reviews/templates/{template}", None),
        ("GET", f"/api/v1/reviews/templates/{template}/versions/1", None),
        ("POST", f"/api/v1/reviews/templates/{template}/versions", None),
        ("GET", c, None),
        ("PATCH", c, {"name": "Stolen"}),
        ("POST", f"{c}/open", None),
        ("POST", f"{c}/close", None),
        ("GET", f"{c}/ratees", None),
        ("GET", f"{c}/ratees/{ratee}/nominations", None),
        ("POST", f"{c}/nominations/{nomination['id']}/decision", {"decision": "approve"}),
        ("DELETE", f"{c}/nominations/{nomination['id']}", None),
        ("GET", f"{c}/invitations", None),
        ("POST", f"{c}/reminders", {}),
        ("GET", f"{c}/results/{ratee}", None),
        ("GET", f"{c}/completion", None),
        ("GET", f"{c}/completion/raters", None),
        ("GET", f"{c}/overdue", None),
        ("GET", f"/api/v1/reviews/invitations/{invitations[0]['id']}", None),
        ("POST", f"/api/v1/reviews/invitations/{invitations[0]['id']}/link", None),
    ]
    for method, url, body in calls:
        if method == "POST" and url.endswith("/versions"):
            body = (
                await client.get(
                    "/api/v1/reviews/templates/default-definition", headers=other_flow.hr
                )
            ).json()
            body = {"definition": body}
        response = await client.request(method, url, json=body, headers=other_flow.hr)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
    listing = await client.get(
        "/api/v1/reviews/results", params={"ratee_id": str(ratee)}, headers=other_flow.hr
    )
    assert listing.json()["items"] == []
