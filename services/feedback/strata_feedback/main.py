from fastapi import FastAPI

from strata_kit.app import create_service_app

from strata_feedback.settings import FeedbackSettings


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    """The feedback service's ASGI app."""
    return create_service_app(
        settings or FeedbackSettings(),
        title="Strata feedback",
        description="Feedback interviews, improvement plans, acknowledgement and appeals.",
    )
