from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from strata_kit.repository import Repository
from strata_reviews.templates.models import Competency, Item, RatingScale, Template, TemplateVersion


@dataclass(frozen=True)
class VersionBundle:
    """A template version with everything under it, in display order."""

    version: TemplateVersion
    scales: Sequence[RatingScale]
    competencies: Sequence[Competency]
    items: Sequence[Item]


class TemplateRepository(Repository[Template]):
    model = Template

    async def get_by_name(self, name: str) -> Template | None:
        result = await self.session.exec(select(Template).where(Template.name == name))
        return result.first()

    def list_statement(self) -> SelectOfScalar[Template]:
        return select(Template)

    async def get_version(self, template_id: UUID, version: int) -> TemplateVersion | None:
        result = await self.session.exec(
            select(TemplateVersion).where(
                TemplateVersion.template_id == template_id, TemplateVersion.number == version
            )
        )
        return result.first()

    async def get_version_by_id(self, version_id: UUID) -> TemplateVersion | None:
        result = await self.session.exec(
            select(TemplateVersion).where(TemplateVersion.id == version_id)
        )
        return result.first()

    def versions_statement(self, template_id: UUID) -> SelectOfScalar[TemplateVersion]:
        return select(TemplateVersion).where(TemplateVersion.template_id == template_id)

    async def bundle(self, version: TemplateVersion) -> VersionBundle:
        scales = await self.session.exec(
            select(RatingScale)
            .where(RatingScale.template_version_id == version.id)
            .order_by(col(RatingScale.position))
        )
        competencies = await self.session.exec(
            select(Competency)
            .where(Competency.template_version_id == version.id)
            .order_by(col(Competency.position))
        )
        items = await self.session.exec(
            select(Item).where(Item.template_version_id == version.id).order_by(col(Item.position))
        )
        return VersionBundle(version, scales.all(), competencies.all(), items.all())
