"""The discovery endpoints (RFC 7644 §4), read back with scim2-models as a client would."""

from scim2_models import (
    Context,
    ListResponse,
    Required,
    ResourceType,
    Schema,
    ServiceProviderConfig,
)

from .conftest import ENTERPRISE, GROUP, SCIM_JSON, USER, assert_scim_error

RESPONSE = Context.RESOURCE_QUERY_RESPONSE


class TestServiceProviderConfig:
    async def test_it_declares_what_is_supported(self, scim):
        response = await scim.request("GET", "/ServiceProviderConfig")
        assert response.headers["content-type"] == SCIM_JSON
        config = ServiceProviderConfig.model_validate(response.json(), scim_ctx=RESPONSE)
        assert config.patch
        assert config.patch.supported
        assert config.filter
        assert config.filter.supported
        assert config.filter.max_results == 1000
        assert config.sort
        assert config.sort.supported
        assert config.etag
        assert config.etag.supported
        assert config.bulk
        assert config.bulk.supported
        assert config.bulk.max_operations == 1000
        assert config.bulk.max_payload_size == 1_048_576
        assert config.change_password
        assert not config.change_password.supported
        assert [s.type for s in config.authentication_schemes or []] == ["oauthbearertoken"]
        assert config.meta
        assert config.meta.location == "/scim/v2/ServiceProviderConfig"


class TestResourceTypes:
    async def test_users_with_the_enterprise_extension_and_groups(self, scim):
        body = await scim.ok("GET", "/ResourceTypes")
        listed = ListResponse[ResourceType].model_validate(body, scim_ctx=RESPONSE)
        assert listed.total_results == 2
        types = {t.name: t for t in listed.resources or []}
        assert (types["User"].endpoint, types["User"].schema_) == ("/Users", USER)
        assert [(e.schema_, e.required) for e in types["User"].schema_extensions or []] == [
            (ENTERPRISE, False)
        ]
        assert (types["Group"].endpoint, types["Group"].schema_) == ("/Groups", GROUP)

    async def test_one_by_name_and_an_unknown_one(self, scim):
        one = ResourceType.model_validate(
            await scim.ok("GET", "/ResourceTypes/Group"), scim_ctx=RESPONSE
        )
        assert one.meta
        assert one.meta.location == "/scim/v2/ResourceTypes/Group"
        assert_scim_error(await scim.request("GET", "/ResourceTypes/Printer"), 404)


class TestSchemas:
    async def test_the_three_schemas_with_the_attributes_strata_stores(self, scim):
        body = await scim.ok("GET", "/Schemas")
        listed = ListResponse[Schema].model_validate(body, scim_ctx=RESPONSE)
        schemas = {s.id: s for s in listed.resources or []}
        assert set(schemas) == {USER, ENTERPRISE, GROUP}
        user = {a.name: a for a in schemas[USER].attributes or []}
        assert {
            "userName",
            "name",
            "emails",
            "phoneNumbers",
            "addresses",
            "x509Certificates",
        } <= set(user)
        assert "password" not in user
        assert user["userName"].uniqueness == "server"
        assert {s.name for s in user["name"].sub_attributes or []} >= {
            "formatted",
            "givenName",
            "familyName",
            "middleName",
        }
        enterprise = {a.name for a in schemas[ENTERPRISE].attributes or []}
        assert enterprise == {
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager",
        }
        assert {a.name for a in schemas[GROUP].attributes or []} == {"displayName", "members"}

    async def test_one_by_urn_and_an_unknown_one(self, scim):
        schema = Schema.model_validate(
            await scim.ok("GET", f"/Schemas/{ENTERPRISE}"), scim_ctx=RESPONSE
        )
        assert schema.meta
        assert schema.meta.location == f"/scim/v2/Schemas/{ENTERPRISE}"
        manager = next(a for a in schema.attributes or [] if a.name == "manager")
        assert {s.name: s.required for s in manager.sub_attributes or []}["value"] == Required.false
        assert_scim_error(await scim.request("GET", "/Schemas/urn:example:nope"), 404)
