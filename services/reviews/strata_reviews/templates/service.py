"""Templates: competency models, versioned. A version is written whole and never changed."""

from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_contracts.reviews.templates import (
    CompetencyRead,
    CompetencySpec,
    ItemRead,
    ScalePoint,
    ScaleRead,
    TemplateCreate,
    TemplateDefinition,
    TemplateRead,
    TemplateUpdate,
    TemplateVersionCreate,
    TemplateVersionRead,
    TemplateVersionSummary,
)
from strata_contracts.reviews.vocabulary import ItemKind, Relationship
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams, paginate
from strata_reviews.models import AuditRecord, session_tenant
from strata_reviews.templates.defaults import default_definition
from strata_reviews.templates.exceptions import (
    TemplateNameTaken,
    TemplateNotFound,
    TemplateVersionNotFound,
)
from strata_reviews.templates.models import Competency, Item, RatingScale, Template, TemplateVersion
from strata_reviews.templates.repository import TemplateRepository, VersionBundle

ALL_RELATIONSHIPS = list(Relationship)


def validate_definition(definition: TemplateDefinition, prefix: str) -> None:
    """Cross-field rules pydantic cannot see; every problem names its field."""
    errors: list[FieldProblem] = []
    scale_keys: set[str] = set()
    for s, scale in enumerate(definition.scales):
        if scale.key in scale_keys:
            errors.append(field(f"{prefix}/scales/{s}/key", "duplicate scale key", "duplicate"))
        scale_keys.add(scale.key)
        for p in range(1, len(scale.points)):
            if scale.points[p].value <= scale.points[p - 1].value:
                errors.append(
                    field(
                        f"{prefix}/scales/{s}/points/{p}/value",
                        "scale values must be distinct and ascending",
                        "not_ascending",
                    )
                )
    competency_keys: set[str] = set()
    for c, competency in enumerate(definition.competencies):
        where = f"{prefix}/competencies/{c}"
        if competency.key in competency_keys:
            errors.append(field(f"{where}/key", "duplicate competency key", "duplicate"))
        competency_keys.add(competency.key)
        first_scale = competency.items[0].scale_key
        for i, item in enumerate(competency.items):
            if item.scale_key not in scale_keys:
                errors.append(
                    field(f"{where}/items/{i}/scale_key", "no scale has this key", "unknown")
                )
            elif item.scale_key != first_scale:
                errors.append(
                    field(
                        f"{where}/items/{i}/scale_key",
                        "the items of one competency share one scale",
                        "mixed_scales",
                    )
                )
            errors.extend(_relationship_errors(item.relationships, f"{where}/items/{i}"))
    for q, question in enumerate(definition.questions):
        errors.extend(_relationship_errors(question.relationships, f"{prefix}/questions/{q}"))
    if errors:
        raise InvalidInput("The template definition is inconsistent.", errors=errors)


def _relationship_errors(
    relationships: list[Relationship] | None, where: str
) -> list[FieldProblem]:
    if relationships is None:
        return []
    if not relationships:
        return [field(f"{where}/relationships", "name at least one relationship", "empty")]
    if len(set(relationships)) != len(relationships):
        return [field(f"{where}/relationships", "a relationship is listed twice", "duplicate")]
    return []


def version_read(bundle: VersionBundle) -> TemplateVersionRead:
    items_by_competency: dict[UUID, list[ItemRead]] = {}
    questions: list[ItemRead] = []
    for item in bundle.items:
        read = ItemRead.model_validate(item)
        if item.competency_id is None:
            questions.append(read)
        else:
            items_by_competency.setdefault(item.competency_id, []).append(read)
    return TemplateVersionRead(
        id=bundle.version.id,
        template_id=bundle.version.template_id,
        version=bundle.version.number,
        note=bundle.version.note,
        created_at=bundle.version.created_at,
        scales=[
            ScaleRead(
                id=s.id,
                key=s.key,
                name=s.name,
                points=[ScalePoint.model_validate(p) for p in s.points],
            )
            for s in bundle.scales
        ],
        competencies=[
            CompetencyRead(
                id=c.id,
                key=c.key,
                name=c.name,
                description=c.description,
                position=c.position,
                items=items_by_competency.get(c.id, []),
            )
            for c in bundle.competencies
        ],
        questions=questions,
    )


def version_summary(version: TemplateVersion) -> TemplateVersionSummary:
    return TemplateVersionSummary(
        id=version.id,
        template_id=version.template_id,
        version=version.number,
        note=version.note,
        created_at=version.created_at,
    )


def template_read(template: Template) -> TemplateRead:
    return TemplateRead.model_validate(template)


class TemplateService:
    async def create(
        self, session: AsyncSession, identity: IdentityClaims, data: TemplateCreate
    ) -> TemplateRead:
        definition = data.definition or default_definition()
        validate_definition(definition, "definition")
        repo = TemplateRepository(session)
        if await repo.get_by_name(data.name) is not None:
            raise TemplateNameTaken(f"A template is already named {data.name!r}.")
        template = Template(
            tenant_id=session_tenant(session),
            name=data.name,
            description=data.description,
            latest_version=1,
        )
        session.add(template)
        try:
            await session.flush()
        except IntegrityError as exc:  # a concurrent create with the same name
            raise TemplateNameTaken(f"A template is already named {data.name!r}.") from exc
        version = await self._write_version(session, template, 1, definition, note=None)
        template.latest_version_id = version.id
        session.add(template)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="template",
            entity_id=template.id,
            action="created",
            after={**(snapshot(template) or {}), "definition": definition.model_dump(mode="json")},
        )
        return template_read(template)

    async def update(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        template_id: UUID,
        data: TemplateUpdate,
    ) -> TemplateRead:
        repo = TemplateRepository(session)
        template = await self._get(repo, template_id)
        before = snapshot(template)
        changes = data.model_dump(exclude_unset=True)
        if "name" in changes and changes["name"] is None:
            raise InvalidInput("A template needs a name.", errors=[field("name", "cannot be null")])
        new_name = changes.get("name")
        if (
            new_name is not None
            and new_name != template.name
            and await repo.get_by_name(new_name) is not None
        ):
            raise TemplateNameTaken(f"A template is already named {new_name!r}.")
        for key, value in changes.items():
            setattr(template, key, value)
        session.add(template)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="template",
            entity_id=template.id,
            action="updated",
            before=before,
            after=snapshot(template),
        )
        return template_read(template)

    async def get_row(self, session: AsyncSession, template_id: UUID) -> Template:
        """The template row (its `version` is the ETag)."""
        return await self._get(TemplateRepository(session), template_id)

    async def list_templates(self, session: AsyncSession, params: PageParams) -> Page[TemplateRead]:
        repo = TemplateRepository(session)
        return await paginate(
            session,
            repo.list_statement(),
            sort=Template.created_at,  # type: ignore[arg-type]
            id_column=Template.id,  # type: ignore[arg-type]
            params=params,
            to_item=template_read,
            updated_column=Template.updated_at,  # type: ignore[arg-type]
        )

    async def add_version(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        template_id: UUID,
        data: TemplateVersionCreate,
    ) -> TemplateVersionRead:
        validate_definition(data.definition, "definition")
        repo = TemplateRepository(session)
        template = await self._get(repo, template_id)
        number = template.latest_version + 1
        version = await self._write_version(
            session, template, number, data.definition, note=data.note
        )
        before = snapshot(template)
        template.latest_version = number
        template.latest_version_id = version.id
        session.add(template)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="template",
            entity_id=template.id,
            action="versioned",
            before=before,
            after={
                **(snapshot(template) or {}),
                "definition": data.definition.model_dump(mode="json"),
            },
            reason=data.note,
        )
        return version_read(await repo.bundle(version))

    async def get_version(
        self, session: AsyncSession, template_id: UUID, version: int
    ) -> TemplateVersionRead:
        repo = TemplateRepository(session)
        await self._get(repo, template_id)
        row = await repo.get_version(template_id, version)
        if row is None:
            raise TemplateVersionNotFound(f"Template {template_id} has no version {version}.")
        return version_read(await repo.bundle(row))

    async def list_versions(
        self, session: AsyncSession, template_id: UUID, params: PageParams
    ) -> Page[TemplateVersionSummary]:
        repo = TemplateRepository(session)
        await self._get(repo, template_id)
        return await paginate(
            session,
            repo.versions_statement(template_id),
            sort=TemplateVersion.number,  # type: ignore[arg-type]
            id_column=TemplateVersion.id,  # type: ignore[arg-type]
            params=params,
            to_item=version_summary,
        )

    async def load_version(self, session: AsyncSession, version_id: UUID) -> TemplateVersionRead:
        """A version by id (for campaigns, forms and results)."""
        repo = TemplateRepository(session)
        row = await repo.get_version_by_id(version_id)
        if row is None:
            raise TemplateVersionNotFound(f"No template version {version_id}.")
        return version_read(await repo.bundle(row))

    async def resolve_version(
        self, session: AsyncSession, template_id: UUID, version: int | None, *, pointer: str
    ) -> TemplateVersion:
        """The version a campaign will use (the latest when `version` is None); an
        unknown template or version is a bad field of the request (422)."""
        repo = TemplateRepository(session)
        template = await repo.get(template_id)
        if template is None:
            raise InvalidInput(
                "No such template.", errors=[field("template_id", "unknown template", "unknown")]
            )
        row = await repo.get_version(template_id, version or template.latest_version)
        if row is None:
            raise InvalidInput(
                "No such template version.",
                errors=[field(pointer, "the template has no such version", "unknown")],
            )
        return row

    async def _get(self, repo: TemplateRepository, template_id: UUID) -> Template:
        template = await repo.get(template_id)
        if template is None:
            raise TemplateNotFound(f"No template {template_id}.")
        return template

    async def _write_version(
        self,
        session: AsyncSession,
        template: Template,
        number: int,
        definition: TemplateDefinition,
        *,
        note: str | None,
    ) -> TemplateVersion:
        version = TemplateVersion(
            tenant_id=session_tenant(session), template_id=template.id, number=number, note=note
        )
        session.add(version)
        await session.flush()
        scale_ids: dict[str, UUID] = {}
        for position, spec in enumerate(definition.scales):
            scale = RatingScale(
                tenant_id=session_tenant(session),
                template_version_id=version.id,
                key=spec.key,
                name=spec.name,
                points=[p.model_dump(mode="json") for p in spec.points],
                position=position,
            )
            session.add(scale)
            scale_ids[spec.key] = scale.id
        competencies: list[tuple[Competency, CompetencySpec]] = []
        for c_position, c_spec in enumerate(definition.competencies):
            competency = Competency(
                tenant_id=session_tenant(session),
                template_version_id=version.id,
                key=c_spec.key,
                name=c_spec.name,
                description=c_spec.description,
                position=c_position,
            )
            session.add(competency)
            competencies.append((competency, c_spec))
        # Rows are flushed parent level first: the foreign keys are checked per statement.
        await session.flush()
        position = 0
        for competency, c_spec in competencies:
            for i_spec in c_spec.items:
                session.add(
                    Item(
                        tenant_id=session_tenant(session),
                        template_version_id=version.id,
                        competency_id=competency.id,
                        scale_id=scale_ids[i_spec.scale_key],
                        kind=ItemKind.RATING,
                        text=i_spec.text,
                        required=i_spec.required,
                        relationships=[r.value for r in i_spec.relationships or ALL_RELATIONSHIPS],
                        position=position,
                    )
                )
                position += 1
        for q_spec in definition.questions:
            session.add(
                Item(
                    tenant_id=session_tenant(session),
                    template_version_id=version.id,
                    kind=ItemKind.COMMENT,
                    text=q_spec.text,
                    required=q_spec.required,
                    relationships=[r.value for r in q_spec.relationships or ALL_RELATIONSHIPS],
                    position=position,
                )
            )
            position += 1
        await session.flush()
        return version


template_service = TemplateService()
