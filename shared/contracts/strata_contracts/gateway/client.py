"""Typed async client of the gateway's own API: tenant, keys, event feed, webhooks."""

from collections.abc import AsyncIterator
from uuid import UUID

from strata_contracts.client import ServiceClient
from strata_contracts.events import EventFeedPage, FeedEvent
from strata_contracts.gateway import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    TenantRead,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookReplay,
    WebhookReplayResult,
    WebhookUpdate,
)
from strata_contracts.pagination import Page


def _idempotent(key: str | None) -> dict[str, str]:
    return {"Idempotency-Key": key} if key else {}


def _if_match(etag: str | None) -> dict[str, str]:
    return {"If-Match": etag} if etag else {}


class GatewayClient(ServiceClient):
    async def tenant(self) -> TenantRead:
        """The tenant the key acts for."""
        return await self.request("GET", "/api/v1/tenant", TenantRead)

    async def list_keys(self, *, limit: int = 100, cursor: str | None = None) -> Page[ApiKeyRead]:
        params = {"limit": limit, "cursor": cursor}
        return await self.request("GET", "/api/v1/keys", Page[ApiKeyRead], params=params)

    async def create_key(
        self, body: ApiKeyCreate, *, idempotency_key: str | None = None
    ) -> ApiKeyCreated:
        return await self.request(
            "POST", "/api/v1/keys", ApiKeyCreated, json=body, headers=_idempotent(idempotency_key)
        )

    async def revoke_key(self, key_id: UUID) -> ApiKeyRead:
        return await self.request("DELETE", f"/api/v1/keys/{key_id}", ApiKeyRead)

    async def events(
        self, *, cursor: str | None = None, limit: int = 100, types: list[str] | None = None
    ) -> EventFeedPage:
        """One page of the tenant's ordered event feed."""
        params = {"cursor": cursor, "limit": limit, "types": ",".join(types) if types else None}
        return await self.request("GET", "/api/v1/events", EventFeedPage, params=params)

    async def iter_events(
        self, *, cursor: str | None = None, types: list[str] | None = None, page_size: int = 500
    ) -> AsyncIterator[tuple[FeedEvent, str]]:
        """Every event after `cursor` until the feed is exhausted, each with the cursor to
        store once it is processed (resume from it next time)."""
        while True:
            page = await self.events(cursor=cursor, limit=page_size, types=types)
            for item in page.items:
                yield item, page.next_cursor
            cursor = page.next_cursor
            if not page.items:
                return

    async def create_webhook(
        self, body: WebhookCreate, *, idempotency_key: str | None = None
    ) -> WebhookCreated:
        """Subscribe; keep the returned `secret` to verify deliveries."""
        return await self.request(
            "POST",
            "/api/v1/webhooks",
            WebhookCreated,
            json=body,
            headers=_idempotent(idempotency_key),
        )

    async def list_webhooks(
        self, *, limit: int = 100, cursor: str | None = None
    ) -> Page[WebhookRead]:
        params = {"limit": limit, "cursor": cursor}
        return await self.request("GET", "/api/v1/webhooks", Page[WebhookRead], params=params)

    async def get_webhook(self, webhook_id: UUID) -> tuple[WebhookRead, str]:
        """The subscription and its ETag (pass it to `update_webhook`)."""
        response = await self.send("GET", f"/api/v1/webhooks/{webhook_id}")
        return WebhookRead.model_validate_json(response.content), response.headers.get("etag", "")

    async def update_webhook(
        self, webhook_id: UUID, body: WebhookUpdate, *, etag: str | None = None
    ) -> WebhookRead:
        return await self.request(
            "PATCH",
            f"/api/v1/webhooks/{webhook_id}",
            WebhookRead,
            json=body,
            headers=_if_match(etag),
        )

    async def delete_webhook(self, webhook_id: UUID, *, etag: str | None = None) -> None:
        await self.send("DELETE", f"/api/v1/webhooks/{webhook_id}", headers=_if_match(etag))

    async def webhook_deliveries(
        self,
        webhook_id: UUID,
        *,
        status: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page[WebhookDeliveryRead]:
        params = {"status": status, "limit": limit, "cursor": cursor}
        return await self.request(
            "GET",
            f"/api/v1/webhooks/{webhook_id}/deliveries",
            Page[WebhookDeliveryRead],
            params=params,
        )

    async def redeliver(self, webhook_id: UUID, delivery_id: UUID) -> WebhookDeliveryRead:
        path = f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"
        return await self.request("POST", path, WebhookDeliveryRead)

    async def replay_webhook(
        self, webhook_id: UUID, *, after_position: int = 0
    ) -> WebhookReplayResult:
        return await self.request(
            "POST",
            f"/api/v1/webhooks/{webhook_id}/replay",
            WebhookReplayResult,
            json=WebhookReplay(after_position=after_position),
        )
