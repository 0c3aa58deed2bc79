"""The list envelope: cursor pagination shared by every list endpoint."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of results. Pass `next_cursor` back as `cursor` to get the next page."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Opaque cursor of the next page; absent on the last page."
    )
