from fastapi import FastAPI

import strata_reviews
from strata_kit.app import create_service_app
from strata_reviews.settings import ReviewsSettings


def create_app(settings: ReviewsSettings | None = None) -> FastAPI:
    """The reviews service's ASGI app."""
    return create_service_app(
        settings or ReviewsSettings(),
        title="Strata reviews",
        description=(strata_reviews.__doc__ or "").strip(),
    )
