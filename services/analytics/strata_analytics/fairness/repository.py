"""Every query of the fairness domain.

The statistics need a handful of columns of every rating in scope (a campaign: 50,000 rows;
a cycle: millions), never ORM objects. `columns` reads them as aligned numpy arrays of
integer codes (`RatingColumns`): on PostgreSQL with one binary `COPY` whose rows are all
fixed width (strings arrive as hashes or dictionary positions, the small integers packed
into one), decoded with numpy a few megabytes at a time; elsewhere (SQLite) with a plain
SQLAlchemy Core select of the same columns.
"""

import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.projections.models import CampaignView, RatingFact
from strata_kit.db import session_tenant

log = structlog.get_logger()

Codes = npt.NDArray[np.int32]
"""Codes and small integers (values, scale bounds, k) are exact in 32 bits: half the memory
of int64 for a cached scope of millions of ratings (ADR 0009)."""


@dataclass(frozen=True)
class RatingColumns:
    """Ratings as aligned arrays, one entry per rating. Codes index the label lists, which
    are sorted (UUIDs as their strings sort, strings by code point), so code order is label
    order and results sorted by code come out as they would sorted by label."""

    campaign: Codes
    ratee: Codes
    relationship: Codes
    rater: Codes
    competency: Codes
    item: Codes
    value: Codes
    scale_min: Codes
    scale_max: Codes
    threshold: Codes
    campaigns: list[uuid.UUID]
    ratees: list[uuid.UUID]
    relationships: list[str]
    raters: list[str]
    supervisor_employee: dict[int, uuid.UUID]
    """Rater code → the employee id on the rater's supervisor ratings (that group is never
    anonymous); raters with no such rating are absent."""

    @property
    def size(self) -> int:
        return int(self.value.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays and (roughly) the labels, for the cache's budget."""
        # A constant column is a broadcast view (stride 0): it holds one value.
        arrays = sum(
            int(getattr(self, name).nbytes)
            for name in _ARRAYS
            if getattr(self, name).strides != (0,)
        )
        labels = 100 * (len(self.campaigns) + len(self.ratees) + len(self.raters))
        return arrays + labels + 200 * len(self.supervisor_employee)

    def take(self, rows: npt.NDArray[np.int64]) -> "RatingColumns":
        """The same labels, only `rows` (indices, in order)."""
        if rows.size == self.size:  # every row, in order: nothing to copy
            return self
        return replace(
            self,
            **{name: getattr(self, name)[rows] for name in _ARRAYS},
        )


_ARRAYS = (
    "campaign",
    "ratee",
    "relationship",
    "rater",
    "competency",
    "item",
    "value",
    "scale_min",
    "scale_max",
    "threshold",
)


class FairnessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def campaign(self, campaign_id: uuid.UUID) -> CampaignView | None:
        statement = select(CampaignView).where(col(CampaignView.id) == campaign_id)
        return (await self.session.exec(statement)).first()

    async def version(
        self, *, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None
    ) -> tuple[tuple[Any, ...], ...]:
        """What a pull changes when it replaces a campaign's ratings, for every campaign in
        scope: id, row version, when and how many ratings were pulled (`ratings.cache`)."""
        statement = select(CampaignView)
        if campaign_id is not None:
            statement = statement.where(col(CampaignView.id) == campaign_id)
        if cycle_id is not None:
            statement = statement.where(col(CampaignView.cycle_id) == cycle_id)
        rows = (await self.session.exec(statement.order_by(col(CampaignView.id)))).all()
        return tuple((c.id, c.version, c.updated_at, c.ratings_pulled_at, c.ratings) for c in rows)

    async def columns(
        self, *, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None
    ) -> RatingColumns:
        """Every rating of the campaign and/or cycle, as columns (self-ratings included)."""
        # Both paths run below the ORM, so the tenant guard does not apply: filter here.
        tenant = session_tenant(self.session)
        connection = await self.session.connection()
        if connection.dialect.name == "postgresql":
            raw = await connection.get_raw_connection()
            columns = await _postgres_columns(
                raw.driver_connection, tenant, campaign_id=campaign_id, cycle_id=cycle_id
            )
            if columns is not None:
                return columns
        return await self._portable_columns(tenant, campaign_id=campaign_id, cycle_id=cycle_id)

    async def _portable_columns(
        self, tenant: uuid.UUID, *, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None
    ) -> RatingColumns:
        f = RatingFact
        statement = core_select(
            col(f.campaign_id),
            col(f.ratee_id),
            col(f.relationship),
            col(f.rater_key),
            col(f.competency_id),
            col(f.item_id),
            col(f.value),
            col(f.scale_min),
            col(f.scale_max),
            col(f.anonymity_threshold),
            col(f.rater_employee_id),
        )
        statement = statement.where(col(f.tenant_id) == tenant)
        if campaign_id is not None:
            statement = statement.where(col(f.campaign_id) == campaign_id)
        if cycle_id is not None:
            statement = statement.where(col(f.cycle_id) == cycle_id)
        connection = await self.session.connection()
        rows = (await connection.execute(statement)).all()
        if not rows:
            return _empty()
        (campaign, ratee, relationship, rater, competency, item, value, low, high, k, employee) = (
            list(c) for c in zip(*rows, strict=True)
        )
        campaigns, campaign_code = _factorise_objects(campaign)
        ratees, ratee_code = _factorise_objects(ratee)
        relationships, relationship_code = _factorise_objects(relationship)
        raters, rater_code = _factorise_objects(rater)
        supervisor = relationships.index("supervisor") if "supervisor" in relationships else -1
        named: dict[int, uuid.UUID] = {}
        for code, rel, who in zip(
            rater_code.tolist(), relationship_code.tolist(), employee, strict=True
        ):
            if rel == supervisor and who is not None:
                named[code] = min(who, named.get(code, who))
        return RatingColumns(
            campaign=campaign_code,
            ratee=ratee_code,
            relationship=relationship_code,
            rater=rater_code,
            competency=_factorise_objects(competency)[1],
            item=_factorise_objects(item)[1],
            value=np.asarray(value, dtype=np.int32),
            scale_min=np.asarray(low, dtype=np.int32),
            scale_max=np.asarray(high, dtype=np.int32),
            threshold=np.asarray(k, dtype=np.int32),
            campaigns=campaigns,
            ratees=ratees,
            relationships=relationships,
            raters=raters,
            supervisor_employee=named,
        )


def _empty() -> RatingColumns:
    none = np.zeros(0, dtype=np.int32)
    return RatingColumns(
        campaign=none,
        ratee=none,
        relationship=none,
        rater=none,
        competency=none,
        item=none,
        value=none,
        scale_min=none,
        scale_max=none,
        threshold=none,
        campaigns=[],
        ratees=[],
        relationships=[],
        raters=[],
        supervisor_employee={},
    )


def _factorise_objects(values: Sequence[Any]) -> tuple[list[Any], Codes]:
    """Sorted distinct values (UUIDs, strings) and each value's position among them."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    labels, codes = np.unique(array, return_inverse=True)
    return list(labels), codes.reshape(-1).astype(np.int32)


# --- PostgreSQL: one binary COPY of fixed-width rows ---------------------------------------

_DICTIONARY = """
SELECT hashtextextended(rater_key, 0) AS hash, rater_key, relationship,
       min(rater_employee_id::text) FILTER (
           WHERE relationship = 'supervisor' AND rater_employee_id IS NOT NULL) AS employee,
       min(least(value, scale_min, scale_max, anonymity_threshold)) AS low,
       max(greatest(value, scale_min, scale_max, anonymity_threshold)) AS high
FROM rating_fact WHERE {where}
GROUP BY rater_key, relationship
"""

_ROWS = """
SELECT hashtextextended(rater_key, 0), campaign_id, ratee_id, competency_id, item_id,
       (coalesce(array_position({relationships}::text[], relationship), 0)::int8 << 48)
       | ((value + 32768)::int8 << 32) | ((scale_min + 32768)::int8 << 16)
       | (scale_max + 32768)::int8,
       anonymity_threshold
FROM rating_fact WHERE {where}
"""

_SMALL = 32767
"""The packed integers (value, scale bounds) travel as 16 bits each."""

_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("l_hash", ">i4"),
        ("hash", ">i8"),
        ("l_campaign", ">i4"),
        ("campaign_hi", ">u8"),
        ("campaign_lo", ">u8"),
        ("l_ratee", ">i4"),
        ("ratee_hi", ">u8"),
        ("ratee_lo", ">u8"),
        ("l_competency", ">i4"),
        ("competency_hi", ">u8"),
        ("competency_lo", ">u8"),
        ("l_item", ">i4"),
        ("item_hi", ">u8"),
        ("item_lo", ">u8"),
        ("l_packed", ">i4"),
        ("packed", ">i8"),
        ("l_threshold", ">i4"),
        ("threshold", ">i4"),
    ]
)
_LENGTHS = {
    "l_hash": 8,
    "l_campaign": 16,
    "l_ratee": 16,
    "l_competency": 16,
    "l_item": 16,
    "l_packed": 8,
    "l_threshold": 4,
}
_HEADER = b"PGCOPY\n\xff\r\n\x00"
_CHUNK = 4 << 20


def _unique_pairs(
    hi: npt.NDArray[np.uint64], lo: npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Distinct (hi, lo) pairs in sorted order and each row's position among them."""
    distinct, inverse = np.unique(hi, return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    first_lo = np.zeros(distinct.size, dtype=np.uint64)
    first_lo[inverse] = lo
    if (first_lo[inverse] == lo).all():  # the usual case: the high half alone is unique
        return distinct, first_lo, inverse
    order = np.lexsort((lo, hi))
    sorted_hi, sorted_lo = hi[order], lo[order]
    start = np.ones(order.size, dtype=bool)
    start[1:] = (sorted_hi[1:] != sorted_hi[:-1]) | (sorted_lo[1:] != sorted_lo[:-1])
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.cumsum(start) - 1
    return sorted_hi[start], sorted_lo[start], position


class _Codes:
    """Dictionary-encode a column of 64-bit keys (or pairs: a UUID's two halves) chunk by
    chunk. Known keys are found with a binary search of the sorted dictionary; only a
    chunk's new keys go through a dictionary lookup in Python (once per distinct key)."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, int], int] = {}
        self.hi = np.zeros(0, dtype=np.uint64)
        self.lo = np.zeros(0, dtype=np.uint64)
        self.code = np.zeros(0, dtype=np.int32)
        self.parts: list[npt.NDArray[np.int32]] = []

    def add(self, hi: npt.NDArray[np.uint64], lo: npt.NDArray[np.uint64] | None = None) -> None:
        low = np.zeros(hi.size, dtype=np.uint64) if lo is None else lo
        out = np.empty(hi.size, dtype=np.int32)
        if self.hi.size:
            at = np.minimum(np.searchsorted(self.hi, hi), self.hi.size - 1)
            hit = (self.hi[at] == hi) & (self.lo[at] == low)
            out[hit] = self.code[at[hit]]
            new = np.flatnonzero(~hit)
        else:
            new = np.arange(hi.size)
        if new.size:
            distinct_hi, distinct_lo, inverse = _unique_pairs(hi[new], low[new])
            known = self.known
            mapping = np.fromiter(
                (
                    known.setdefault((h, w), len(known))
                    for h, w in zip(distinct_hi.tolist(), distinct_lo.tolist(), strict=True)
                ),
                dtype=np.int32,
                count=distinct_hi.size,
            )
            out[new] = mapping[inverse]
            keys = np.asarray(list(known), dtype=np.uint64).reshape(-1, 2)
            order = np.lexsort((keys[:, 1], keys[:, 0]))
            self.hi, self.lo = keys[order, 0], keys[order, 1]
            self.code = np.asarray(list(known.values()), dtype=np.int32)[order]
        self.parts.append(out)

    def sorted_codes(self) -> tuple[list[tuple[int, int]], Codes]:
        """Keys in sorted order, and every row's code among them."""
        rank = np.empty(self.code.size, dtype=np.int32)
        rank[self.code] = np.arange(self.code.size, dtype=np.int32)
        codes = np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=np.int32)
        self.parts.clear()  # the chunks are in `codes` now
        keys = list(zip(self.hi.tolist(), self.lo.tolist(), strict=True))
        return keys, rank[codes]


async def _postgres_columns(
    connection: Any,
    tenant: uuid.UUID,
    *,
    campaign_id: uuid.UUID | None,
    cycle_id: uuid.UUID | None,
) -> RatingColumns | None:
    """The columns in one binary COPY; None when the data moved between the two statements
    or does not fit the packed layout (the caller then takes the portable path)."""
    conditions = [f"tenant_id = '{tenant}'::uuid"]
    if campaign_id is not None:
        conditions.append(f"campaign_id = '{campaign_id}'::uuid")
    if cycle_id is not None:
        conditions.append(f"cycle_id = '{cycle_id}'::uuid")
    where = " AND ".join(conditions)
    dictionary = await connection.fetch(_DICTIONARY.format(where=where))
    if not dictionary:
        return _empty()
    if min(r["low"] for r in dictionary) < -_SMALL or max(r["high"] for r in dictionary) > _SMALL:
        log.warning("fairness.columns.portable", reason="values outside 16 bits")
        return None
    relationships = sorted({r["relationship"] for r in dictionary})
    raters = sorted({r["rater_key"] for r in dictionary})
    rater_code = {key: i for i, key in enumerate(raters)}
    by_hash: dict[int, int] = {}
    for r in dictionary:
        if by_hash.setdefault(r["hash"], rater_code[r["rater_key"]]) != rater_code[r["rater_key"]]:
            log.warning("fairness.columns.portable", reason="rater key hash collision")
            return None
    named = {
        rater_code[r["rater_key"]]: uuid.UUID(r["employee"])
        for r in dictionary
        if r["employee"] is not None
    }
    literal = "ARRAY[" + ", ".join(_quote(r) for r in relationships) + "]"
    query = _ROWS.format(relationships=literal, where=where)

    stream = _BinaryRows()
    await connection.copy_from_query(query, output=stream.receive, format="binary")
    stream.decode(final=True)
    hashes, campaigns, ratees, packed = (
        stream.hashes,
        stream.campaigns,
        stream.ratees,
        stream.packed,
    )
    competencies, items, thresholds = stream.competencies, stream.items, stream.thresholds

    hash_labels, hash_code = hashes.sorted_codes()
    hash_of = [h - (1 << 64) if h >= 1 << 63 else h for h, _ in hash_labels]
    missing = [h for h in hash_of if h not in by_hash]
    if missing:
        log.warning("fairness.columns.portable", reason="ratings changed during the read")
        return None
    to_rater = np.asarray([by_hash[h] for h in hash_of], dtype=np.int32)
    word = np.concatenate(packed) if packed else np.zeros(0, dtype=np.int64)
    packed.clear()
    relationship = ((word >> 48) - 1).astype(np.int32)
    if (relationship < 0).any():
        log.warning("fairness.columns.portable", reason="ratings changed during the read")
        return None
    campaign_labels, campaign = campaigns.sorted_codes()
    ratee_labels, ratee = ratees.sorted_codes()
    return RatingColumns(
        campaign=campaign,
        ratee=ratee,
        relationship=relationship,
        rater=to_rater[hash_code],
        competency=competencies.sorted_codes()[1],
        item=items.sorted_codes()[1],
        value=_small(word >> 32),
        scale_min=_small(word >> 16),
        scale_max=_small(word),
        threshold=np.concatenate(thresholds) if thresholds else np.zeros(0, dtype=np.int32),
        campaigns=[_uuid(hi, lo) for hi, lo in campaign_labels],
        ratees=[_uuid(hi, lo) for hi, lo in ratee_labels],
        relationships=relationships,
        raters=raters,
        supervisor_employee=named,
    )


class _BinaryRows:
    """`_ROWS`' binary COPY stream, decoded chunk by chunk (every `_CHUNK` bytes) into code
    columns, so the raw stream is never held whole."""

    def __init__(self) -> None:
        self.hashes, self.campaigns, self.ratees = _Codes(), _Codes(), _Codes()
        self.competencies, self.items = _Codes(), _Codes()
        self.packed: list[npt.NDArray[np.int64]] = []
        self.thresholds: list[npt.NDArray[np.int32]] = []
        self._received: list[bytes] = []
        self._waiting = 0
        self._header = True

    async def receive(self, data: bytes) -> None:
        self._received.append(data)
        self._waiting += len(data)
        if self._waiting >= _CHUNK:
            self.decode(final=False)

    def decode(self, final: bool) -> None:
        data = b"".join(self._received)
        self._received.clear()
        offset = 0
        if self._header:
            if len(data) < 19 or data[:11] != _HEADER:
                raise ValueError("not a PostgreSQL binary COPY stream")
            offset = 19 + struct.unpack(">i", data[15:19])[0]
            self._header = False
        rows = (len(data) - offset - (2 if final else 0)) // _ROW.itemsize
        end = offset + max(rows, 0) * _ROW.itemsize
        if rows > 0:
            self._add(np.frombuffer(data, dtype=_ROW, count=rows, offset=offset))
        rest = data[end:]
        if final:
            if rest != b"\xff\xff":
                raise ValueError("the COPY stream did not end where expected")
        else:
            self._received.append(rest)
        self._waiting = len(rest)

    def _add(self, chunk: npt.NDArray[Any]) -> None:
        # Every field is NOT NULL and fixed width; a shifted row would show here.
        if (chunk["fields"] != 7).any() or (chunk["l_threshold"] != 4).any():
            raise ValueError("unexpected COPY row layout")
        self.hashes.add(chunk["hash"].astype(np.uint64))
        for codes, name in (
            (self.campaigns, "campaign"),
            (self.ratees, "ratee"),
            (self.competencies, "competency"),
            (self.items, "item"),
        ):
            codes.add(chunk[f"{name}_hi"].astype(np.uint64), chunk[f"{name}_lo"].astype(np.uint64))
        self.packed.append(chunk["packed"].astype(np.int64))
        self.thresholds.append(chunk["threshold"].astype(np.int32))


def _small(word: npt.NDArray[np.int64]) -> Codes:
    """The 16-bit field in the low bits of `word`, unshifted from its +32768 offset."""
    return ((word & 0xFFFF) - 32768).astype(np.int32)


def _uuid(hi: int, lo: int) -> uuid.UUID:
    return uuid.UUID(int=(hi << 64) | lo)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
