from strata_kit.errors import InvalidInput, NotFound


class WebhookNotFound(NotFound):
    title = "Webhook subscription not found"
    slug = "webhook-not-found"


class DeliveryNotFound(NotFound):
    title = "Webhook delivery not found"
    slug = "webhook-delivery-not-found"


class WebhookUrlRefused(InvalidInput):
    title = "Webhook URL refused"
    slug = "webhook-url-refused"
