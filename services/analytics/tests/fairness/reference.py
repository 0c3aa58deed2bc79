"""The fairness service as it was before the columnar read path (per-object Python over
ORM rows, `publishable` on objects): the reference the columnar service must agree with.
Kept verbatim but for `_facts`, which reads the facts itself (in id order, as before)."""

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.fairness.exceptions import CampaignNotFound
from strata_analytics.fairness.repository import FairnessRepository
from strata_analytics.projections.models import RatingFact
from strata_analytics.ratings.anonymity import SUPERVISOR, publishable, verdicts
from strata_analytics.stats import (
    Scale,
    group_summary,
    icc,
    krippendorff_alpha,
    population,
    rater_bias,
    rater_norms,
    rater_sums,
    raters_needed,
    rwg,
    standardise,
)
from strata_contracts.analytics.fairness import (
    GroupReliabilityRead,
    IccRead,
    PopulationRead,
    RaterBiasRead,
    RaterBiasReport,
    ReliabilityReport,
    StandardisedGroupRead,
    StandardisedReport,
)
from strata_contracts.problem import FieldProblem
from strata_kit.errors import InvalidInput


def num(value: float | np.floating | None) -> float | None:
    """A statistic for the wire: None for NaN or infinity, 4 places."""
    if value is None:
        return None
    number = float(value)
    return round(number, 4) if math.isfinite(number) else None


def _scale(facts: Sequence[RatingFact]) -> tuple[list[RatingFact], Scale | None]:
    """The ratings on the campaign's most used scale (statistics compare like with like)."""
    if not facts:
        return [], None
    (low, high), _ = Counter((f.scale_min, f.scale_max) for f in facts).most_common(1)[0]
    if high <= low:
        return [], None
    return [f for f in facts if (f.scale_min, f.scale_max) == (low, high)], Scale(low, high)


def _threshold(facts: Sequence[RatingFact]) -> int:
    return max((f.anonymity_threshold for f in facts), default=1)


class FairnessService:
    async def _facts(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
    ) -> list[RatingFact]:
        repo = FairnessRepository(session)
        if campaign_id is None and cycle_id is None:
            raise InvalidInput(
                "Name a campaign or a cycle.",
                errors=[
                    FieldProblem(pointer="/query/campaign_id", detail="campaign_id or cycle_id")
                ],
            )
        if campaign_id is not None and await repo.campaign(campaign_id) is None:
            raise CampaignNotFound(f"No closed campaign {campaign_id} in analytics.")
        statement = select(RatingFact)
        if campaign_id is not None:
            statement = statement.where(col(RatingFact.campaign_id) == campaign_id)
        if cycle_id is not None:
            statement = statement.where(col(RatingFact.cycle_id) == cycle_id)
        return list((await session.exec(statement.order_by(col(RatingFact.id)))).all())

    async def bias(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
    ) -> RaterBiasReport:
        facts, scale = _scale(publishable(await self._facts(session, campaign_id, cycle_id)))
        empty = RaterBiasReport(
            cycle_id=cycle_id,
            campaign_id=campaign_id,
            scale_min=None,
            scale_max=None,
            population=None,
            shrinkage_k=None,
            raters=[],
        )
        if not facts or scale is None:
            return empty
        # The rule added with issue 17 (rater rows and k), per object: a rater with an
        # anonymous rating and fewer distinct targets than the highest k of their ratings
        # enters no rater-level figure.
        seen: dict[str, set[str]] = defaultdict(set)
        highest: dict[str, int] = defaultdict(int)
        anonymous: set[str] = set()
        for fact in facts:
            seen[fact.rater_key].add(f"{fact.campaign_id}/{fact.ratee_id}")
            highest[fact.rater_key] = max(highest[fact.rater_key], fact.anonymity_threshold)
            if fact.relationship != SUPERVISOR:
                anonymous.add(fact.rater_key)
        linkable = {key for key in anonymous if len(seen[key]) < highest[key]}
        facts = [f for f in facts if f.rater_key not in linkable]
        empty = empty.model_copy(update={"withheld_raters": len(linkable)})
        if not facts:
            return empty
        # A ratee is rated once per campaign: (campaign, ratee) is the rater's target.
        targets = [f"{f.campaign_id}/{f.ratee_id}" for f in facts]
        sums = rater_sums(
            [f.rater_key for f in facts],
            targets,
            [float(f.value) for f in facts],
            dimension=[str(f.competency_id) for f in facts],
            scale=scale,
        )
        bias = rater_bias(sums)
        norms = rater_norms(sums)
        pop = population(sums)
        roles: dict[str, set[str]] = defaultdict(set)
        named: dict[str, uuid.UUID] = {}
        for fact in facts:
            roles[fact.rater_key].add(fact.relationship)
            if fact.relationship == SUPERVISOR and fact.rater_employee_id is not None:
                named[fact.rater_key] = fact.rater_employee_id
        raters = []
        for i, key in enumerate(bias.rater.tolist()):
            only_supervisor = roles[key] == {SUPERVISOR}
            raters.append(
                RaterBiasRead(
                    rater_key=key,
                    supervisor_employee_id=named.get(key) if only_supervisor else None,
                    relationships=sorted(roles[key]),
                    ratees=int(bias.ratees[i]),
                    ratings=int(bias.ratings[i]),
                    mean=num(bias.mean[i]),
                    leniency_z=num(bias.leniency_z[i]),
                    leniency_d=num(bias.leniency_d[i]),
                    sd=num(bias.sd[i]),
                    spread_ratio=num(bias.spread_ratio[i]),
                    midpoint_share=num(bias.midpoint_share[i]),
                    halo_sd=num(bias.halo_sd[i]),
                    halo_ratio=num(bias.halo_ratio[i]),
                    lenient=bool(bias.lenient[i]),
                    severe=bool(bias.severe[i]),
                    central_tendency=bool(bias.central_tendency[i]),
                    halo=bool(bias.halo[i]),
                    shrinkage_weight=num(norms.weight[i]),
                    shrunk_mean=num(norms.shrunk_mean[i]),
                    shrunk_sd=num(norms.shrunk_sd[i]),
                )
            )
        raters.sort(key=lambda r: r.rater_key)
        return empty.model_copy(
            update={
                "scale_min": int(scale.low),
                "scale_max": int(scale.high),
                "population": PopulationRead(
                    raters=pop.raters,
                    ratings=pop.ratings,
                    mean=num(pop.mean),
                    sd=num(pop.sd),
                    pair_mean=num(pop.pair_mean),
                    pair_sd=num(pop.pair_sd),
                    midpoint_share=num(pop.midpoint_share),
                    halo_sd=num(pop.halo_sd),
                ),
                "shrinkage_k": num(norms.k),
                "raters": raters,
            }
        )

    async def standardised(
        self, session: AsyncSession, campaign_id: uuid.UUID
    ) -> StandardisedReport:
        everything = await self._facts(session, campaign_id, None)
        facts, scale = _scale(publishable(everything))
        groups: list[StandardisedGroupRead] = []
        shown: dict[tuple[uuid.UUID, str], StandardisedGroupRead] = {}
        if facts and scale is not None:
            sums = rater_sums(
                [f.rater_key for f in facts],
                [str(f.ratee_id) for f in facts],
                [float(f.value) for f in facts],
                dimension=[str(f.competency_id) for f in facts],
                scale=scale,
            )
            norms = rater_norms(sums)
            keys = [f.rater_key for f in facts]
            standard = standardise(norms, keys, [float(f.value) for f in facts])
            labels = [f"{f.ratee_id}|{f.relationship}" for f in facts]
            k = _threshold(facts)
            # The supervisor group is one rater and never anonymous: summarise it with k=1.
            for relationship_k, subset in (
                (1, [i for i, f in enumerate(facts) if f.relationship == SUPERVISOR]),
                (k, [i for i, f in enumerate(facts) if f.relationship != SUPERVISOR]),
            ):
                if not subset:
                    continue
                pick = np.array(subset)
                raw = group_summary(
                    np.array(labels)[pick],
                    np.array(keys)[pick],
                    np.array([float(f.value) for f in facts])[pick],
                    anonymity_threshold=relationship_k,
                )
                adjusted = group_summary(
                    np.array(labels)[pick],
                    np.array(keys)[pick],
                    standard.adjusted[pick],
                    anonymity_threshold=relationship_k,
                )
                zs = group_summary(
                    np.array(labels)[pick],
                    np.array(keys)[pick],
                    standard.z[pick],
                    anonymity_threshold=relationship_k,
                )
                for i, label in enumerate(raw.group.tolist()):
                    ratee, relationship = label.split("|")
                    withheld = raw.reason[i] is not None
                    shown[(uuid.UUID(ratee), relationship)] = StandardisedGroupRead(
                        campaign_id=campaign_id,  # the reference reads one campaign
                        ratee_id=uuid.UUID(ratee),
                        relationship=relationship,
                        status="withheld" if withheld else "shown",
                        reason=str(raw.reason[i]) if withheld else None,
                        raters=None if withheld else int(raw.raters[i]),
                        ratings=None if withheld else int(raw.ratings[i]),
                        raw_mean=num(raw.mean[i]),
                        standardised_mean=num(adjusted.mean[i]),
                        mean_z=num(zs.mean[i]),
                    )
        for (_, ratee, relationship), verdict in sorted(
            verdicts(everything).items(), key=lambda kv: (str(kv[0][1]), kv[0][2])
        ):
            group = shown.get((ratee, relationship))
            if group is None:
                group = StandardisedGroupRead(
                    campaign_id=campaign_id,  # the reference reads one campaign
                    ratee_id=ratee,
                    relationship=relationship,
                    status="withheld",
                    reason=(verdict.reason or "item_below_threshold"),
                    raters=None,
                    ratings=None,
                    raw_mean=None,
                    standardised_mean=None,
                    mean_z=None,
                )
            groups.append(group)
        return StandardisedReport(campaign_id=campaign_id, groups=groups)

    async def reliability(
        self, session: AsyncSession, campaign_id: uuid.UUID, target: float
    ) -> ReliabilityReport:
        if not 0 < target < 1:
            raise InvalidInput(
                "The target reliability is a fraction.",
                errors=[FieldProblem(pointer="/query/target", detail="must be in (0, 1)")],
            )
        everything = await self._facts(session, campaign_id, None)
        facts, scale = _scale(publishable(everything))
        k = _threshold(everything)
        relationships: list[IccRead] = []
        computed: dict[tuple[uuid.UUID, str], GroupReliabilityRead] = {}
        if facts and scale is not None:
            for relationship in sorted({f.relationship for f in facts}):
                rows = [f for f in facts if f.relationship == relationship]
                group_k = 1 if relationship == SUPERVISOR else k
                # Each rater's mean of a ratee is one score; ratees are the groups.
                pair: dict[tuple[uuid.UUID, str], list[int]] = defaultdict(list)
                for f in rows:
                    pair[(f.ratee_id, f.rater_key)].append(f.value)
                result = icc(
                    [str(ratee) for ratee, _ in pair],
                    [sum(v) / len(v) for v in pair.values()],
                    anonymity_threshold=group_k,
                )
                needed = (
                    raters_needed(result.icc1, target)
                    if result.icc1 is not None and result.icc1 <= 1
                    else None
                )
                relationships.append(
                    IccRead(
                        relationship=relationship,
                        icc1=num(result.icc1),
                        icc2=num(result.icc2),
                        ratees=result.groups,
                        excluded_ratees=result.excluded_groups,
                        raters_needed=needed.raters if needed else None,
                        raters_needed_exact=num(needed.exact) if needed else None,
                        reason=str(result.reason) if result.reason else None,
                    )
                )
                labels = [str(f.ratee_id) for f in rows]
                agreement = rwg(
                    labels,
                    [f.rater_key for f in rows],
                    [float(f.value) for f in rows],
                    scale=scale,
                    anonymity_threshold=group_k,
                    item=[str(f.item_id) for f in rows],
                )
                for i, ratee in enumerate(agreement.group.tolist()):
                    units = [f for f in rows if str(f.ratee_id) == ratee]
                    alphas = [
                        krippendorff_alpha(
                            [str(f.item_id) for f in units],
                            [float(f.value) for f in units],
                            level=level,
                            anonymity_threshold=group_k,
                        )
                        for level in ("interval", "ordinal")
                    ]
                    reason = agreement.reason[i]
                    computed[(uuid.UUID(ratee), relationship)] = GroupReliabilityRead(
                        campaign_id=campaign_id,  # the reference reads one campaign
                        ratee_id=uuid.UUID(ratee),
                        relationship=relationship,
                        status="shown",
                        reason=str(reason) if reason is not None else None,
                        raters=int(agreement.raters[i]),
                        items=int(agreement.items[i]),
                        rwg_j=num(agreement.rwg[i]),
                        alpha_interval=num(alphas[0].alpha),
                        alpha_ordinal=num(alphas[1].alpha),
                    )
        groups = []
        for (_, ratee, relationship), verdict in sorted(
            verdicts(everything).items(), key=lambda kv: (str(kv[0][1]), kv[0][2])
        ):
            group = computed.get((ratee, relationship))
            if group is None:
                group = GroupReliabilityRead(
                    campaign_id=campaign_id,  # the reference reads one campaign
                    ratee_id=ratee,
                    relationship=relationship,
                    status="withheld",
                    reason=(verdict.reason or "item_below_threshold"),
                    raters=None,
                    items=None,
                    rwg_j=None,
                    alpha_interval=None,
                    alpha_ordinal=None,
                )
            groups.append(group)
        return ReliabilityReport(
            campaign_id=campaign_id,
            anonymity_threshold=k if everything else None,
            target=target,
            relationships=relationships,
            groups=groups,
        )


reference_service = FairnessService()
