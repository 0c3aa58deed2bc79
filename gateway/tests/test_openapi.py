"""The merged OpenAPI document and the interactive docs."""

import httpx

from strata_contracts.identity import IDENTITY_HEADER
from strata_kit.identity import verify_identity_token
from strata_kit.testing import TEST_SECRET


def _spec(service: str, *, schema_title: str = "Thing") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": service, "version": "1"},
        "paths": {
            f"/api/v1/{service}/things": {
                "get": {
                    "operationId": f"{service}_list_things",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            }
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"Thing": {"title": schema_title, "type": "object"}}},
    }


def _serve_spec(service: str, **kwargs):
    def handler(request: httpx.Request) -> httpx.Response:
        # Specs are fetched with a platform identity, never anonymously.
        claims = verify_identity_token(request.headers[IDENTITY_HEADER], TEST_SECRET)
        assert claims.tenant_id is None
        return httpx.Response(200, json=_spec(service, **kwargs))

    return handler


def _down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


class TestMergedDocument:
    async def test_every_service_operation_with_auth_schemes(self, client, upstream):
        for service in ("goals", "reviews", "feedback", "analytics"):
            upstream(service, _serve_spec(service, schema_title=f"{service} thing"))
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        spec = response.json()
        assert spec["openapi"].startswith("3.1")
        for service in ("goals", "reviews", "feedback", "analytics"):
            assert f"/api/v1/{service}/things" in spec["paths"]
        assert "/api/v1/keys" in spec["paths"]
        assert set(spec["components"]["securitySchemes"]) == {"ApiKey", "BearerJWT"}
        operation_ids = [
            op["operationId"]
            for item in spec["paths"].values()
            for op in item.values()
            if "operationId" in op
        ]
        assert len(operation_ids) == len(set(operation_ids))
        # Same name, different shapes: renamed per service and references follow.
        schemas = spec["components"]["schemas"]
        goals_ref = spec["paths"]["/api/v1/goals/things"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]["$ref"]
        reviews_ref = spec["paths"]["/api/v1/reviews/things"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]["$ref"]
        assert goals_ref != reviews_ref
        assert schemas[goals_ref.rsplit("/", 1)[1]]["title"] == "goals thing"
        assert schemas[reviews_ref.rsplit("/", 1)[1]]["title"] == "reviews thing"

    async def test_what_the_gateway_itself_answers_is_documented_on_every_operation(
        self, client, upstream
    ):
        # A proxied operation can get 401 and 429 at the edge, and 503/504 when its service
        # is down or slow, whatever the service's own document says.
        for service in ("goals", "reviews", "feedback", "analytics"):
            upstream(service, _serve_spec(service))
        spec = (await client.get("/openapi.json")).json()
        proxied = spec["paths"]["/api/v1/goals/things"]["get"]["responses"]
        assert {"200", "401", "429", "503", "504"} <= set(proxied)
        assert proxied["503"]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        own_write = spec["paths"]["/api/v1/keys"]["post"]["responses"]
        assert {"401", "413", "429"} <= set(own_write)
        own_read = spec["paths"]["/api/v1/keys"]["get"]["responses"]
        assert "503" not in own_read  # the gateway's own routes have no service behind them

    async def test_a_down_service_is_named_and_the_rest_still_served(self, client, upstream):
        upstream("goals", _serve_spec("goals"))
        for service in ("reviews", "feedback", "analytics"):
            upstream(service, _down)
        spec = (await client.get("/openapi.json")).json()
        assert "/api/v1/goals/things" in spec["paths"]
        assert spec["x-strata-unavailable"] == ["analytics", "feedback", "reviews"]

    async def test_docs_page_points_at_the_merged_document(self, client):
        response = await client.get("/docs")
        assert response.status_code == 200
        assert "/openapi.json" in response.text
