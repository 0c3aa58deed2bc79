"""Templates: the default competency model, customised definitions, versions."""

import uuid

from sqlmodel import select

from strata_contracts.identity import Role
from strata_reviews.models import AuditRecord
from strata_reviews.templates.models import Item, Template, TemplateVersion

BASE = "/api/v1/reviews/templates"


class TestCreate:
    async def test_an_employee_cannot_create_a_template(self, client, as_, db_session):
        response = await client.post(BASE, json={"name": "Mine"}, headers=as_("E010"))
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert (await db_session.exec(select(Template))).all() == []

    async def test_without_a_definition_the_default_model_is_used(self, client, hr, db_session):
        response = await client.post(BASE, json={"name": "Company 360"}, headers=hr)
        assert response.status_code == 201, response.text
        template = response.json()
        assert template["latest_version"] == 1
        version = (await client.get(f"{BASE}/{template['id']}/versions/1", headers=hr)).json()
        assert [c["key"] for c in version["competencies"]] == [
            "communication",
            "interpersonal_relations",
            "leadership",
            "administrative_ability",
        ]
        scale = version["scales"][0]
        assert [p["value"] for p in scale["points"]] == [1, 2, 3, 4, 5]
        assert all(p["anchor"] for p in scale["points"])
        leadership = version["competencies"][2]
        assert all("customer" not in i["relationships"] for i in leadership["items"])
        assert [q["required"] for q in version["questions"]] == [False, False]
        audit = (await db_session.exec(select(AuditRecord))).one()
        assert (audit.entity_type, audit.action) == ("template", "created")

    async def test_a_custom_model_is_stored_as_given(self, client, hr):
        definition = {
            "scales": [
                {
                    "key": "agree",
                    "name": "Agreement",
                    "points": [
                        {"value": 0, "label": "No", "anchor": "Never seen"},
                        {"value": 1, "label": "Partly", "anchor": "Sometimes"},
                        {"value": 2, "label": "Yes", "anchor": "Always"},
                    ],
                }
            ],
            "competencies": [
                {
                    "key": "safety",
                    "name": "Safety",
                    "items": [
                        {"text": "Wears protective gear.", "scale_key": "agree"},
                        {
                            "text": "Coaches others on safety.",
                            "scale_key": "agree",
                            "required": False,
                            "relationships": ["supervisor", "direct_report"],
                        },
                    ],
                }
            ],
            "questions": [{"text": "Anything else?", "required": True}],
        }
        created = await client.post(
            BASE, json={"name": "Plant", "definition": definition}, headers=hr
        )
        assert created.status_code == 201, created.text
        version = (await client.get(f"{BASE}/{created.json()['id']}/versions/1", headers=hr)).json()
        items = version["competencies"][0]["items"]
        assert [i["required"] for i in items] == [True, False]
        assert items[1]["relationships"] == ["supervisor", "direct_report"]
        assert items[0]["scale_id"] == version["scales"][0]["id"]
        assert version["questions"][0]["required"] is True

    async def test_an_inconsistent_definition_names_each_bad_field(self, client, hr, db_session):
        definition = {
            "scales": [
                {
                    "key": "five",
                    "name": "Five",
                    "points": [
                        {"value": 3, "label": "a", "anchor": "a"},
                        {"value": 2, "label": "b", "anchor": "b"},
                    ],
                }
            ],
            "competencies": [
                {"key": "x", "name": "X", "items": [{"text": "t", "scale_key": "missing"}]},
                {"key": "x", "name": "Again", "items": [{"text": "t", "scale_key": "five"}]},
            ],
        }
        response = await client.post(
            BASE, json={"name": "Bad", "definition": definition}, headers=hr
        )
        assert response.status_code == 422
        pointers = {e["pointer"] for e in response.json()["errors"]}
        assert pointers == {
            "/body/definition/scales/0/points/1/value",
            "/body/definition/competencies/0/items/0/scale_key",
            "/body/definition/competencies/1/key",
        }
        assert (await db_session.exec(select(Template))).all() == []

    async def test_a_duplicate_name_is_409(self, client, hr):
        assert (await client.post(BASE, json={"name": "Same"}, headers=hr)).status_code == 201
        response = await client.post(BASE, json={"name": "Same"}, headers=hr)
        assert response.status_code == 409
        assert response.json()["type"].endswith("template-name-taken")


class TestVersions:
    async def test_a_new_version_leaves_the_old_one_intact(self, client, hr, db_session):
        template = (await client.post(BASE, json={"name": "Evolving"}, headers=hr)).json()
        v1 = (await client.get(f"{BASE}/{template['id']}/versions/1", headers=hr)).json()
        definition = (await client.get(f"{BASE}/default-definition", headers=hr)).json()
        definition["competencies"] = definition["competencies"][:2]
        response = await client.post(
            f"{BASE}/{template['id']}/versions",
            json={"definition": definition, "note": "Two competencies only"},
            headers=hr,
        )
        assert response.status_code == 201, response.text
        assert response.json()["version"] == 2
        assert len(response.json()["competencies"]) == 2
        again = (await client.get(f"{BASE}/{template['id']}/versions/1", headers=hr)).json()
        assert again == v1
        listed = (await client.get(f"{BASE}/{template['id']}/versions", headers=hr)).json()
        assert [v["version"] for v in listed["items"]] == [1, 2]
        assert (await client.get(f"{BASE}/{template['id']}", headers=hr)).json()[
            "latest_version"
        ] == 2
        versions = (await db_session.exec(select(TemplateVersion))).all()
        assert len(versions) == 2
        assert len((await db_session.exec(select(Item))).all()) == 14 + 8

    async def test_an_unknown_version_is_404(self, client, hr):
        template = (await client.post(BASE, json={"name": "One"}, headers=hr)).json()
        response = await client.get(f"{BASE}/{template['id']}/versions/7", headers=hr)
        assert response.status_code == 404


class TestReadAndUpdate:
    async def test_another_tenants_template_is_404(self, client, hr, identity_headers):
        template = (await client.post(BASE, json={"name": "Ours"}, headers=hr)).json()
        other = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(f"{BASE}/{template['id']}", headers=other)).status_code == 404
        listed = (await client.get(BASE, headers=other)).json()
        assert listed["items"] == []

    async def test_update_checks_if_match(self, client, hr):
        template = (await client.post(BASE, json={"name": "Old name"}, headers=hr)).json()
        read = await client.get(f"{BASE}/{template['id']}", headers=hr)
        etag = read.headers["etag"]
        stale = await client.patch(
            f"{BASE}/{template['id']}", json={"name": "X"}, headers={**hr, "If-Match": '"99"'}
        )
        assert stale.status_code == 412
        updated = await client.patch(
            f"{BASE}/{template['id']}", json={"name": "New name"}, headers={**hr, "If-Match": etag}
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["name"] == "New name"
        assert updated.headers["etag"] != etag

    async def test_a_rename_to_a_taken_name_or_to_nothing_is_refused(self, client, hr):
        first = (await client.post(BASE, json={"name": "First"}, headers=hr)).json()
        await client.post(BASE, json={"name": "Second"}, headers=hr)
        taken = await client.patch(f"{BASE}/{first['id']}", json={"name": "Second"}, headers=hr)
        assert taken.status_code == 409
        cleared = await client.patch(f"{BASE}/{first['id']}", json={"name": None}, headers=hr)
        assert cleared.status_code == 422
        assert cleared.json()["errors"][0]["pointer"] == "/body/name"
