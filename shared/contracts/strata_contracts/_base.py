"""Building blocks every service's contracts share: the text, number and body types.

One name, one meaning: a limit a client sees is stated once here, and a field with a
different limit uses a differently named type (`Text` is 2,000 characters everywhere,
`LongText` 4,000), so two services never give one name two meanings."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A name or title: 1 to 200 characters, trimmed."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
"""Free text that must say something: 1 to 2,000 characters, trimmed."""

LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
"""Longer free text that must say something: 1 to 4,000 characters, trimmed."""

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
"""Free text that may be empty: up to 4,000 characters, trimmed."""

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
"""A short code, unique in its kind (an org unit's, an objective's): 1 to 64 characters."""

BandCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
"""A rating band's code (`A`, `exceeds`): 1 to 32 characters."""

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
"""Why a change is made (it goes to the audit trail): 3 to 2,000 characters, trimmed."""

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=320,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    ),
]
"""An e-mail address, lower-cased."""

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=3)]
"""0 to 100, three decimals."""

Measure = Annotated[Decimal, Field(max_digits=20, decimal_places=6)]
"""A measured value (a target, an actual): up to 20 digits, six decimals."""


class Strict(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    """A stored resource as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    created_at: datetime
    updated_at: datetime
