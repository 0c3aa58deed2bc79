"""Typed async client of the analytics service's API (through the gateway)."""

from collections.abc import Mapping
from typing import cast
from uuid import UUID

from strata_contracts.analytics.applied import (
    BonusRunCreate,
    CompensationImport,
    CompensationImportResult,
    CompensationRead,
    CompetencyRequirementsRead,
    CompetencyRequirementsWrite,
    DecisionCreate,
    EnrolmentList,
    EnrolmentsWrite,
    MeritMatrixRead,
    MeritMatrixWrite,
    MeritRunCreate,
    PromotionRunCreate,
    RatingAmendment,
    RecommendationRead,
    RunListItem,
    RunRead,
    TrainingEffectiveness,
    TrainingProgrammeCreate,
    TrainingProgrammeRead,
    TrainingRunCreate,
)
from strata_contracts.analytics.groups import (
    AdverseImpactReport,
    GroupAttributeImport,
    GroupAttributeImported,
    GroupAttributeRead,
)
from strata_contracts.analytics.ingest import IngestedEventRead, IngestionStatus
from strata_contracts.analytics.results import OverallResultRead
from strata_contracts.client import StrataApi
from strata_contracts.pagination import Page


class AnalyticsClient(StrataApi):
    prefix = "/api/v1/analytics"

    async def ingestion_status(self) -> IngestionStatus:
        """How fresh analytics is: events applied per source and type."""
        return await self.request("GET", f"{self.prefix}/ingestion/status", IngestionStatus)

    async def ingested_events(
        self, *, limit: int = 100, cursor: str | None = None, types: list[str] | None = None
    ) -> Page[IngestedEventRead]:
        params = {"limit": limit, "cursor": cursor, "types": ",".join(types) if types else None}
        return await self.request(
            "GET", f"{self.prefix}/ingestion/events", Page[IngestedEventRead], params=params
        )

    # --- results applied -------------------------------------------------------------------

    async def import_compensation(self, data: CompensationImport) -> CompensationImportResult:
        """Import base salaries and range midpoints (all rows or none; HR/admin)."""
        return await self.request(
            "PUT", f"{self.prefix}/compensation", CompensationImportResult, json=data
        )

    async def list_compensation(
        self, *, limit: int = 100, cursor: str | None = None
    ) -> Page[CompensationRead]:
        return await self.request(
            "GET",
            f"{self.prefix}/compensation",
            Page[CompensationRead],
            params={"limit": limit, "cursor": cursor},
        )

    async def get_compensation(self, employee_id: UUID) -> CompensationRead:
        return await self.request(
            "GET", f"{self.prefix}/compensation/{employee_id}", CompensationRead
        )

    async def get_merit_matrix(self) -> MeritMatrixRead:
        return await self.request("GET", f"{self.prefix}/merit-matrix", MeritMatrixRead)

    async def set_merit_matrix(self, data: MeritMatrixWrite) -> MeritMatrixRead:
        return await self.request("PUT", f"{self.prefix}/merit-matrix", MeritMatrixRead, json=data)

    async def create_merit_run(self, data: MeritRunCreate) -> RunRead:
        """Merit recommendations from the matrix within a budget."""
        return await self.request(
            "POST", f"{self.prefix}/recommendation-runs/merit", RunRead, json=data
        )

    async def create_bonus_run(self, data: BonusRunCreate) -> RunRead:
        """Bonus pool shares, summing to the pool to the cent."""
        return await self.request(
            "POST", f"{self.prefix}/recommendation-runs/bonus", RunRead, json=data
        )

    async def create_promotion_run(self, data: PromotionRunCreate) -> RunRead:
        """Promotion candidates with the evidence per rule."""
        return await self.request(
            "POST", f"{self.prefix}/recommendation-runs/promotion", RunRead, json=data
        )

    async def create_training_run(self, data: TrainingRunCreate) -> RunRead:
        """Training needs from competency gaps, ranked."""
        return await self.request(
            "POST", f"{self.prefix}/recommendation-runs/training", RunRead, json=data
        )

    async def list_recommendation_runs(
        self,
        *,
        kind: str | None = None,
        cycle_id: UUID | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page[RunListItem]:
        params = {
            "kind": kind,
            "cycle_id": str(cycle_id) if cycle_id else None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/recommendation-runs", Page[RunListItem], params=params
        )

    async def get_recommendation_run(self, run_id: UUID) -> RunRead:
        return await self.request("GET", f"{self.prefix}/recommendation-runs/{run_id}", RunRead)

    async def list_recommendations(
        self,
        *,
        kind: str | None = None,
        status: str | None = None,
        run_id: UUID | None = None,
        cycle_id: UUID | None = None,
        employee_id: UUID | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page[RecommendationRead]:
        params = {
            "kind": kind,
            "status": status,
            "run_id": str(run_id) if run_id else None,
            "cycle_id": str(cycle_id) if cycle_id else None,
            "employee_id": str(employee_id) if employee_id else None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/recommendations", Page[RecommendationRead], params=params
        )

    async def get_recommendation(self, recommendation_id: UUID) -> tuple[RecommendationRead, str]:
        """The recommendation and its ETag (pass it to `decide_recommendation`)."""
        response = await self.send("GET", f"{self.prefix}/recommendations/{recommendation_id}")
        return (
            RecommendationRead.model_validate_json(response.content),
            response.headers.get("etag", ""),
        )

    async def decide_recommendation(
        self, recommendation_id: UUID, decision: DecisionCreate, *, etag: str | None = None
    ) -> RecommendationRead:
        """Accept or override (with value and reason); 412 if it changed since `etag`."""
        return await self.request(
            "POST",
            f"{self.prefix}/recommendations/{recommendation_id}/decision",
            RecommendationRead,
            json=decision,
            headers={"If-Match": etag} if etag else None,
        )

    async def get_competency_requirements(self) -> CompetencyRequirementsRead:
        return await self.request(
            "GET", f"{self.prefix}/competency-requirements", CompetencyRequirementsRead
        )

    async def set_competency_requirements(
        self, data: CompetencyRequirementsWrite
    ) -> CompetencyRequirementsRead:
        return await self.request(
            "PUT", f"{self.prefix}/competency-requirements", CompetencyRequirementsRead, json=data
        )

    async def create_training_programme(
        self, data: TrainingProgrammeCreate
    ) -> TrainingProgrammeRead:
        return await self.request(
            "POST", f"{self.prefix}/training-programmes", TrainingProgrammeRead, json=data
        )

    async def list_training_programmes(
        self, *, limit: int = 100, cursor: str | None = None
    ) -> Page[TrainingProgrammeRead]:
        return await self.request(
            "GET",
            f"{self.prefix}/training-programmes",
            Page[TrainingProgrammeRead],
            params={"limit": limit, "cursor": cursor},
        )

    async def set_training_enrolments(
        self, programme_id: UUID, data: EnrolmentsWrite
    ) -> EnrolmentList:
        return await self.request(
            "PUT",
            f"{self.prefix}/training-programmes/{programme_id}/enrolments",
            EnrolmentList,
            json=data,
        )

    async def training_effectiveness(
        self,
        programme_id: UUID,
        *,
        before_cycle_id: UUID,
        after_cycle_id: UUID,
        competency_key: str | None = None,
    ) -> TrainingEffectiveness:
        """Trained vs untrained peers between two cycles (small groups suppressed)."""
        return await self.request(
            "GET",
            f"{self.prefix}/training-programmes/{programme_id}/effectiveness",
            TrainingEffectiveness,
            params={
                "before_cycle_id": str(before_cycle_id),
                "after_cycle_id": str(after_cycle_id),
                "competency_key": competency_key,
            },
        )

    async def import_group_attributes(self, data: GroupAttributeImport) -> GroupAttributeImported:
        """Set employees' group attributes (HR, admin; each row replaces that employee's set;
        all rows or none)."""
        return await self.request(
            "PUT", f"{self.prefix}/group-attributes", GroupAttributeImported, json=data
        )

    async def list_group_attributes(
        self,
        *,
        attribute: str | None = None,
        employee_id: UUID | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page[GroupAttributeRead]:
        return await self.request(
            "GET",
            f"{self.prefix}/group-attributes",
            Page[GroupAttributeRead],
            params={
                "attribute": attribute,
                "employee_id": None if employee_id is None else str(employee_id),
                "limit": limit,
                "cursor": cursor,
            },
        )

    async def adverse_impact(
        self,
        attribute: str,
        *,
        cycle_id: UUID | None = None,
        calibration_session_id: UUID | None = None,
        favourable: list[str] | None = None,
        min_group_size: int | None = None,
    ) -> AdverseImpactReport:
        """Four-fifths rule and chi-square across the attribute's groups (small ones withheld)."""
        params: dict[str, object] = {
            "attribute": attribute,
            "cycle_id": None if cycle_id is None else str(cycle_id),
            "calibration_session_id": None
            if calibration_session_id is None
            else str(calibration_session_id),
            "min_group_size": min_group_size,
            # A list repeats the parameter (`favourable=4&favourable=5`), as httpx sends it.
            "favourable": list(favourable) if favourable else None,
        }
        return await self.request(
            "GET",
            f"{self.prefix}/adverse-impact",
            AdverseImpactReport,
            params=cast(Mapping[str, str | int | None], params),
        )

    async def individual_360_report(self, employee_id: UUID, campaign_id: UUID) -> str:
        """The printable HTML 360 report of an employee for a campaign."""
        response = await self.send("GET", f"{self.prefix}/reports/360/{employee_id}/{campaign_id}")
        return response.text

    async def distribution_report(
        self, *, cycle_id: UUID | None = None, calibration_session_id: UUID | None = None
    ) -> str:
        """The printable HTML rating distribution chart (raw, calibrated, guideline)."""
        response = await self.send(
            "GET",
            f"{self.prefix}/reports/distribution",
            params={
                "cycle_id": None if cycle_id is None else str(cycle_id),
                "calibration_session_id": None
                if calibration_session_id is None
                else str(calibration_session_id),
            },
        )
        return response.text

    async def amend_rating(self, result_id: UUID, data: RatingAmendment) -> OverallResultRead:
        """`POST /results/{result_id}/amendments` (HR): an upheld appeal decides the band."""
        return await self.request(
            "POST", f"{self.prefix}/results/{result_id}/amendments", OverallResultRead, json=data
        )
