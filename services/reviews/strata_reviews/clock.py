"""The service's notion of "now", as a dependency: lateness, expiry and deadlines are
decided against it, so tests (and the demo loader) pass an explicit instant instead of
waiting for real time to pass."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from strata_kit.db import utcnow


async def get_now() -> datetime:
    """The current instant (aware UTC)."""
    return utcnow()


Now = Annotated[datetime, Depends(get_now)]
