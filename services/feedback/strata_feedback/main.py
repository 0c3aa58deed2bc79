from fastapi import FastAPI

import strata_feedback
from strata_feedback.settings import FeedbackSettings
from strata_kit.app import create_service_app


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    """The feedback service's ASGI app."""
    return create_service_app(
        settings or FeedbackSettings(),
        title="Strata feedback",
        description=(strata_feedback.__doc__ or "").strip(),
    )
