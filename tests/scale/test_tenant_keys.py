"""The path past one PostgreSQL: every table can be sharded by tenant (Citus), or the
operations guide says why not and what it would take.

Each application's metadata is loaded the way its Alembic environment loads it (the imports
of its migrations/env.py), and every table is checked against the rules a distributed
PostgreSQL such as Citus puts on a table distributed by `tenant_id`:
- the primary key leads with `tenant_id`;
- every unique constraint or unique index includes `tenant_id`;
- a foreign key between two distributed tables pairs `tenant_id` with `tenant_id`;
- no reference (replicated) table points at a distributed one.
docs/operations.md lists every table of every database as `distributed`, `reference` or
`change first`; this test holds that list to the schema.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, UniqueConstraint

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
ENVS = {
    "gateway": ROOT / "gateway" / "strata_gateway" / "migrations" / "env.py",
    **{
        path.parents[2].name: path
        for path in sorted((ROOT / "services").glob("*/strata_*/migrations/env.py"))
    },
}
CLASSES = ("distributed", "reference", "change first")


def load_metadata(env: Path) -> MetaData:
    """Import what the Alembic environment imports; return the metadata it migrates."""
    metadata = None
    for node in ast.parse(env.read_text()).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            if any(alias.name == "metadata" for alias in node.names):
                metadata = module.metadata
    assert isinstance(metadata, MetaData), env
    return metadata


@pytest.fixture(scope="module")
def schemas() -> dict[str, MetaData]:
    return {app: load_metadata(env) for app, env in ENVS.items()}


def documented() -> dict[str, dict[str, str]]:
    """{database: {table: class}} from the Citus section of docs/operations.md."""
    text = OPERATIONS.read_text()
    section = text[text.index("## Past one PostgreSQL") :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    tables: dict[str, dict[str, str]] = {}
    database = None
    for line in section.splitlines():
        heading = re.match(r"^### `strata_(\w+)`", line)
        if heading:
            database = heading.group(1)
            tables[database] = {}
            continue
        row = re.match(r"^\| `(\w+)` \| (distributed|reference|change first) \|", line)
        if row and database is not None:
            assert row.group(1) not in tables[database], f"{row.group(1)} listed twice"
            tables[database][row.group(1)] = row.group(2)
    return tables


def unique_column_sets(table: Table) -> list[tuple[str, ...]]:
    sets = [
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    sets += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    return sets


def distribution_problems(table: Table, classes: dict[str, str]) -> list[str]:
    """What stops `table` from being distributed by tenant_id (empty: nothing)."""
    if "tenant_id" not in table.c:
        return ["no tenant_id column"]
    problems = []
    primary = [c.name for c in table.primary_key.columns]
    if primary[:1] != ["tenant_id"]:
        problems.append(f"primary key {primary} does not lead with tenant_id")
    for columns in unique_column_sets(table):
        if "tenant_id" not in columns:
            problems.append(f"unique {list(columns)} without tenant_id")
    for fk in table.foreign_key_constraints:
        target = fk.referred_table.name
        if classes.get(target) != "distributed":
            continue
        pairs = {(e.parent.name, e.column.name) for e in fk.elements}
        if ("tenant_id", "tenant_id") not in pairs:
            problems.append(f"foreign key to {target} does not pair tenant_id")
    return problems


def test_the_guide_lists_every_table_of_every_database(schemas):
    listed = documented()
    assert set(listed) == set(schemas), "one section per application database"
    for app, metadata in schemas.items():
        actual = set(metadata.tables)
        missing = sorted(actual - set(listed[app]))
        stale = sorted(set(listed[app]) - actual)
        assert not missing, (
            f"docs/operations.md, section `strata_{app}`: add a row for each of {missing} "
            "(`distributed` when tenant_id leads its keys, else `reference` or `change first`)"
        )
        assert not stale, f"docs/operations.md lists tables `strata_{app}` no longer has: {stale}"


def test_every_tenant_owned_table_leads_its_primary_key_with_tenant_id(schemas):
    """The architecture's promise, checked on every table that carries tenant_id."""
    listed = documented()
    for app, metadata in schemas.items():
        for name, table in metadata.tables.items():
            # A table whose key must change first says so, and why, in the guide.
            if "tenant_id" not in table.c or listed[app].get(name) == "change first":
                continue
            primary = [c.name for c in table.primary_key.columns]
            assert primary[0] == "tenant_id", f"{app}.{name}: primary key {primary}"


def test_the_distributed_tables_can_be_distributed(schemas):
    listed = documented()
    for app, metadata in schemas.items():
        classes = listed[app]
        for name, table in metadata.tables.items():
            problems = distribution_problems(table, classes)
            if classes.get(name) == "distributed":
                assert problems == [], f"{app}.{name}: {problems}"
            elif classes.get(name) == "change first":
                # Said to need a change: it really does (else the guide is out of date).
                assert problems, f"{app}.{name} is distributable now; mark it `distributed`"


def test_reference_tables_point_at_no_distributed_table(schemas):
    listed = documented()
    for app, metadata in schemas.items():
        classes = listed[app]
        for name, table in metadata.tables.items():
            if classes.get(name) != "reference":
                continue
            for fk in table.foreign_key_constraints:
                target = fk.referred_table.name
                assert classes.get(target) == "reference", f"{app}.{name} → {target}"


def test_the_rules_catch_what_they_look_for():
    metadata = MetaData()
    from sqlalchemy import Column, ForeignKeyConstraint, Integer, String

    Table(
        "parent",
        metadata,
        Column("tenant_id", Integer, primary_key=True),
        Column("id", Integer, primary_key=True),
    )
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("tenant_id", Integer, primary_key=True),
        Column("parent_id", Integer),
        Column("code", String, unique=True),
        ForeignKeyConstraint(["parent_id", "id"], ["parent.id", "parent.tenant_id"]),
    )
    problems = distribution_problems(child, {"parent": "distributed"})
    assert len(problems) == 3, problems
    assert distribution_problems(metadata.tables["parent"], {}) == []
