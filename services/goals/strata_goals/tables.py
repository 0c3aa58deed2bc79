"""Every table of the goals service, imported once so the metadata is complete (Alembic)."""

from strata_goals.cycles.models import Cycle, CyclePhaseChange
from strata_goals.jobs.models import Job
from strata_goals.models import AuditRecord, OutboxEvent, metadata
from strata_goals.org.models import Employee, EmployeePlacement, OrgUnit, Position
from strata_goals.plans.models import Actual, CheckIn, Plan, PlanItem, PlanSignature, PlanVersion
from strata_goals.policy.models import GoalsPolicy
from strata_goals.scim.models import ScimResource
from strata_goals.scorecard.models import BalanceRuleRow, PerspectiveWeight
from strata_goals.strategy.models import Indicator, IndicatorLink, IndicatorTemplate, Objective

__all__ = [
    "Actual",
    "AuditRecord",
    "BalanceRuleRow",
    "CheckIn",
    "Cycle",
    "CyclePhaseChange",
    "Employee",
    "EmployeePlacement",
    "GoalsPolicy",
    "Indicator",
    "IndicatorLink",
    "IndicatorTemplate",
    "Job",
    "Objective",
    "OrgUnit",
    "OutboxEvent",
    "PerspectiveWeight",
    "Plan",
    "PlanItem",
    "PlanSignature",
    "PlanVersion",
    "Position",
    "ScimResource",
    "metadata",
]
