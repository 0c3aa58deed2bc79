"""Group attributes and the adverse-impact check.

Suppression. A group with fewer members than the threshold is suppressed: no count, no
rate, no band distribution, and it enters neither the ratios nor the chi-square table. The
cycle's band distribution is published elsewhere (the distribution chart, the calibration
session), so "everyone minus the shown groups" would give the suppressed people's bands
back. Hence no total is published, and suppression is complementary: while exactly one
group is suppressed, or the suppressed groups together have fewer members than the
threshold, the smallest shown group is suppressed as well. What remains derivable is at
best the pooled distribution of several groups of at least k people together.
"""

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.groups.exceptions import CalibrationSessionNotFound
from strata_analytics.groups.models import GroupAttribute
from strata_analytics.groups.repository import GroupRepository
from strata_analytics.models import AuditRecord
from strata_analytics.results.service import result_service
from strata_analytics.stats.adverse_impact import FOUR_FIFTHS, adverse_impact_from_table
from strata_contracts.analytics.groups import (
    ATTRIBUTE_PATTERN,
    AdverseImpactReport,
    AdverseImpactView,
    BandCount,
    ChiSquareTest,
    GroupAttributeImport,
    GroupAttributeImported,
    GroupAttributeRead,
    GroupImpact,
)
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_contracts.reviews.campaigns import DEFAULT_ANONYMITY_THRESHOLD
from strata_kit.audit import record_audit
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams, paginate

NAME = re.compile(ATTRIBUTE_PATTERN)
MAX_VALUE = 200
FAVOURABLE_DEFAULT = 2
"""With no `favourable` given, the policy's top two bands count as favourable."""


def query_problem(name: str, detail: str) -> FieldProblem:
    return FieldProblem(pointer=f"/query/{name}", detail=detail)


@dataclass(frozen=True)
class Person:
    employee_id: uuid.UUID
    raw_band: str | None
    final_band: str | None


def suppressed_groups(sizes: dict[str, int], threshold: int) -> dict[str, str]:
    """Group -> reason for every group to withhold (see the module docstring)."""
    out = {g: "small_group" for g, n in sizes.items() if n < threshold}
    shown = sorted((n, g) for g, n in sizes.items() if g not in out)
    while shown and out and (len(out) == 1 or sum(sizes[g] for g in out) < threshold):
        _, smallest = shown.pop(0)
        out[smallest] = "complementary"
    return out


def impact_view(
    results: str,
    people: Sequence[tuple[str, str]],
    bands: list[str],
    favourable: list[str],
    threshold: int,
) -> AdverseImpactView:
    """`people` are (group, band) pairs of those with both."""
    sizes = Counter(group for group, _ in people)
    withheld = suppressed_groups(dict(sizes), threshold)
    shown = sorted(g for g in sizes if g not in withheld)
    table = np.zeros((len(shown), len(bands)), dtype=np.int64)
    index = {g: i for i, g in enumerate(shown)}
    column = {b: j for j, b in enumerate(bands)}
    for group, band in people:
        if group in index and band in column:
            table[index[group], column[band]] += 1
    stats = adverse_impact_from_table(
        shown, bands, table, favourable=set(favourable), min_count=1, ratio_threshold=FOUR_FIFTHS
    )
    rates = {r.group: r for r in stats.groups}
    groups = []
    for group in sorted(sizes):
        if group in withheld:
            groups.append(GroupImpact(group=group, status="suppressed", reason=withheld[group]))
            continue
        rate = rates[group]
        groups.append(
            GroupImpact(
                group=group,
                status="shown",
                total=rate.total,
                favourable=rate.favourable,
                rate=rate.rate,
                impact_ratio=rate.impact_ratio,
                adverse=rate.adverse,
                distribution=[
                    BandCount(band=b, count=int(table[index[group], j]))
                    for j, b in enumerate(bands)
                ],
            )
        )
    test = stats.chi_square
    return AdverseImpactView(
        results=results,
        groups=groups,
        reference_group=None if stats.reference_group is None else str(stats.reference_group),
        chi_square=None
        if test is None
        else ChiSquareTest(
            statistic=test.statistic,
            df=test.df,
            p_value=test.p_value,
            min_expected=test.min_expected,
            small_expected=test.min_expected < 5,
        ),
        reason="insufficient_data" if stats.reason is not None else None,
    )


class GroupService:
    async def import_attributes(
        self, session: AsyncSession, identity: IdentityClaims, data: GroupAttributeImport
    ) -> GroupAttributeImported:
        """Validate every row first; store nothing unless all are valid."""
        assert identity.tenant_id is not None
        repo = GroupRepository(session)
        problems: list[FieldProblem] = []
        seen: dict[uuid.UUID, int] = {}
        clean: dict[uuid.UUID, dict[str, str]] = {}
        for i, row in enumerate(data.rows):
            if row.employee_id in seen:
                problems.append(
                    field(
                        f"rows/{i}/employee_id", f"the same employee as row {seen[row.employee_id]}"
                    )
                )
                continue
            seen[row.employee_id] = i
            values: dict[str, str] = {}
            for name, value in row.attributes.items():
                if not NAME.match(name):
                    problems.append(
                        field(
                            f"rows/{i}/attributes/{name}",
                            "attribute names are lower case letters, digits and _ "
                            "(a letter first, at most 64)",
                        )
                    )
                    continue
                text = value.strip()
                if not text or len(text) > MAX_VALUE:
                    problems.append(
                        field(f"rows/{i}/attributes/{name}", "a value of 1 to 200 characters")
                    )
                    continue
                values[name] = text
            clean[row.employee_id] = values
        known = await repo.known_employees(set(seen))
        problems.extend(
            field(f"rows/{i}/employee_id", "no such employee in this tenant")
            for employee, i in seen.items()
            if employee not in known
        )
        if problems:
            problems.sort(key=lambda p: _row_of(p.pointer))
            raise InvalidInput("The import was not stored: fix the rows named.", errors=problems)

        return await self.store(session, identity, clean)

    async def store(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        clean: dict[uuid.UUID, dict[str, str]],
    ) -> GroupAttributeImported:
        """Replace each employee's attributes with `clean[employee]` (already validated)."""
        assert identity.tenant_id is not None
        repo = GroupRepository(session)
        existing: dict[tuple[uuid.UUID, str], GroupAttribute] = {
            (a.employee_id, a.attribute): a for a in await repo.attributes_of(set(clean))
        }
        created = updated = unchanged = 0
        for employee, values in clean.items():
            for name, value in values.items():
                stored = existing.pop((employee, name), None)
                if stored is None:
                    session.add(
                        GroupAttribute(
                            tenant_id=identity.tenant_id,
                            employee_id=employee,
                            attribute=name,
                            value=value,
                        )
                    )
                    created += 1
                elif stored.value != value:
                    stored.value = value
                    session.add(stored)
                    updated += 1
                else:
                    unchanged += 1
        removed = list(existing.values())
        await repo.remove(removed)
        await session.flush()
        summary = GroupAttributeImported(
            employees=len(clean),
            created=created,
            updated=updated,
            removed=len(removed),
            unchanged=unchanged,
        )
        # Who imported what, without the values: the audit trail is read more widely than
        # the attributes themselves.
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="group_attributes",
            entity_id=uuid.uuid5(identity.tenant_id, "group_attributes"),
            action="imported",
            after={
                **summary.model_dump(),
                "attributes": sorted({n for v in clean.values() for n in v}),
            },
        )
        return summary

    async def list_attributes(
        self,
        session: AsyncSession,
        params: PageParams,
        attribute: str | None,
        employee_id: uuid.UUID | None,
    ) -> Page[GroupAttributeRead]:
        statement = GroupRepository(session).list_statement(attribute, employee_id)
        return await paginate(
            session,
            statement,
            sort=col(GroupAttribute.updated_at),
            id_column=col(GroupAttribute.id),
            params=params,
            to_item=lambda row: GroupAttributeRead(
                employee_id=row.employee_id,
                attribute=row.attribute,
                value=row.value,
                updated_at=row.updated_at,
            ),
            updated_column=col(GroupAttribute.updated_at),
        )

    async def report(
        self,
        session: AsyncSession,
        *,
        attribute: str,
        cycle_id: uuid.UUID | None,
        calibration_session_id: uuid.UUID | None,
        favourable: list[str] | None,
        min_group_size: int | None,
        tenant: uuid.UUID,
    ) -> AdverseImpactReport:
        repo = GroupRepository(session)
        policy = await result_service.policy_for(session, tenant, None)
        bands = [b.code for b in sorted(policy.bands, key=lambda b: b.min_score)]
        chosen = _checked_query(attribute, cycle_id, calibration_session_id, favourable, bands)
        calibrated: list[Person] | None
        if calibration_session_id is not None:
            cycle, raw, calibrated, session_ids = await _calibration_people(
                repo, calibration_session_id
            )
        else:
            assert cycle_id is not None
            cycle = cycle_id
            raw, calibrated, session_ids = await _cycle_people(repo, cycle)
            if len(session_ids) == 1:
                calibration_session_id = session_ids[0]

        k = max(DEFAULT_ANONYMITY_THRESHOLD, await repo.cycle_threshold(cycle) or 0)
        if min_group_size is not None and min_group_size < k:
            raise InvalidInput(
                "The minimum group size cannot go below the anonymity threshold.",
                errors=[query_problem("min_group_size", f"at least {k}")],
            )
        threshold = max(k, min_group_size or 0)
        groups = await repo.values(attribute)

        def pairs(people: list[Person], final: bool) -> list[tuple[str, str]]:
            out = []
            for p in people:
                band = p.final_band if final else p.raw_band
                if p.employee_id in groups and band is not None:
                    out.append((groups[p.employee_id], band))
            return out

        return AdverseImpactReport(
            attribute=attribute,
            cycle_id=cycle,
            calibration_session_id=calibration_session_id,
            calibration_session_ids=session_ids,
            bands=bands,
            favourable_bands=[b for b in bands if b in chosen],
            min_group_size=threshold,
            raw=impact_view("raw", pairs(raw, False), bands, chosen, threshold),
            calibrated=None
            if calibrated is None
            else impact_view("calibrated", pairs(calibrated, True), bands, chosen, threshold),
        )


def _checked_query(
    attribute: str,
    cycle_id: uuid.UUID | None,
    calibration_session_id: uuid.UUID | None,
    favourable: list[str] | None,
    bands: list[str],
) -> list[str]:
    """The favourable bands chosen (the top ones by default), or every problem as a 422."""
    problems: list[FieldProblem] = []
    if (cycle_id is None) == (calibration_session_id is None):
        problems.append(
            query_problem("cycle_id", "give a cycle_id or a calibration_session_id, not both")
        )
    if not NAME.match(attribute):
        problems.append(query_problem("attribute", "not an attribute name"))
    if favourable is None:
        chosen = bands[-FAVOURABLE_DEFAULT:]
    else:
        chosen = []
        for i, band in enumerate(favourable):
            if band not in bands:
                problems.append(
                    query_problem(
                        f"favourable/{i}", f"not a band of the policy ({', '.join(bands)})"
                    )
                )
            elif band not in chosen:
                chosen.append(band)
    if problems:
        raise InvalidInput("The adverse-impact query is not valid.", errors=problems)
    return chosen


async def _calibration_people(
    repo: GroupRepository, calibration_session_id: uuid.UUID
) -> tuple[uuid.UUID, list[Person], list[Person], list[uuid.UUID]]:
    """A calibration session's people, raw and calibrated, with its cycle."""
    calibration = await repo.calibration_session(calibration_session_id)
    if calibration is None:
        raise CalibrationSessionNotFound(f"No calibration session {calibration_session_id}.")
    entries = await repo.calibration_entries(calibration.id)
    raw = [Person(e.employee_id, e.raw_band, e.raw_band) for e in entries]
    calibrated = [
        Person(e.employee_id, e.raw_band, e.calibrated_band or e.raw_band) for e in entries
    ]
    return calibration.cycle_id, raw, calibrated, [calibration.id]


async def _cycle_people(
    repo: GroupRepository, cycle: uuid.UUID
) -> tuple[list[Person], list[Person] | None, list[uuid.UUID]]:
    """A cycle's people as its results stand; calibrated only when the cycle has a session."""
    results = await repo.cycle_results(cycle)
    raw = [Person(r.employee_id, r.band, r.band) for r in results]
    sessions = await repo.cycle_calibration_sessions(cycle)
    calibrated = (
        [Person(r.employee_id, r.band, r.calibrated_band or r.band) for r in results]
        if sessions
        else None
    )
    # The sessions the calibrated block reflects: those the results name, else all
    # of the cycle's (a session with no adjustment yet).
    named = {r.calibration_session_id for r in results if r.calibration_session_id}
    return raw, calibrated, [s for s in sessions if s in named] or sessions


def _row_of(pointer: str) -> tuple[int, str]:
    parts = pointer.split("/")
    try:
        return int(parts[3]), pointer
    except (IndexError, ValueError):
        return -1, pointer


group_service = GroupService()
