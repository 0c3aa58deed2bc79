"""SCIM filters (RFC 7644 §3.4.2.2): a tokeniser, a parser and a compiler to SQL.

`parse_filter(text)` gives a small tree (`Compare`, `Present`, `And`, `Or`, `Not`,
`ValuePath`); `not` binds tighter than `and`, which binds tighter than `or`; parentheses
group. `compile_filter(tree, catalogue)` turns the tree into one SQLAlchemy condition over
the columns a `Catalogue` maps each attribute to, so the database does the filtering.

Every comparison is compiled null-safe (`attribute IS NOT NULL AND ...`), so `not (...)`
keeps two-valued logic: `not (title eq "x")` also matches people without a title.
Attributes of the published schema that Strata does not store are absent: comparisons on
them match nothing and `pr` is false. Any other attribute name is an `invalidFilter`.
"""

import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, not_, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from strata_goals.scim.exceptions import InvalidFilter

Value = str | bool | int | float | None
Condition = ColumnElement[bool]


# --- tree ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttrPath:
    """`[schema URN ":"] name ["." sub]`, as written (case is kept, compared folded)."""

    schema: str | None
    name: str
    sub: str | None = None

    def __str__(self) -> str:
        text = f"{self.name}.{self.sub}" if self.sub else self.name
        return f"{self.schema}:{text}" if self.schema else text


@dataclass(frozen=True)
class Compare:
    attr: AttrPath
    op: str
    value: Value


@dataclass(frozen=True)
class Present:
    attr: AttrPath


@dataclass(frozen=True)
class And:
    left: "Filter"
    right: "Filter"


@dataclass(frozen=True)
class Or:
    left: "Filter"
    right: "Filter"


@dataclass(frozen=True)
class Not:
    inner: "Filter"


@dataclass(frozen=True)
class ValuePath:
    """`emails[type eq "work" and value co "@example.com"]`: one value matching the inner
    filter, whose attribute paths name sub-attributes of `attr`."""

    attr: AttrPath
    inner: "Filter"


Filter = Compare | Present | And | Or | Not | ValuePath

COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})

# --- tokeniser -------------------------------------------------------------------------------


class Tok(StrEnum):
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    STRING = "string"
    NUMBER = "number"
    WORD = "word"
    END = "end of filter"


@dataclass(frozen=True)
class Token:
    kind: Tok
    text: str
    position: int
    value: Value = None


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<punct>[()\[\]])
  | (?P<string>"(?:[^"\\\x00-\x1f]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![\w.:$-]))
  | (?P<word>[A-Za-z$][\w$:.\-]*)
    """,
    re.VERBOSE,
)


def tokenise(text: str) -> Iterator[Token]:
    """The tokens of `text`, ending with `Tok.END`; a stray character is an invalid filter."""
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _error(f"unexpected character {text[position]!r} at position {position + 1}")
        kind, raw = match.lastgroup, match.group()
        if kind == "punct":
            yield Token(Tok(raw), raw, position)
        elif kind == "string":
            try:
                decoded = json.loads(raw)
            except ValueError as exc:
                raise _error(f"bad escape in the string at position {position + 1}") from exc
            yield Token(Tok.STRING, raw, position, decoded)
        elif kind == "number":
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
            yield Token(Tok.NUMBER, raw, position, number)
        elif kind == "word":
            yield Token(Tok.WORD, raw, position)
        position = match.end()
    yield Token(Tok.END, "", len(text))


# --- parser ----------------------------------------------------------------------------------

_ATTR_NAME = re.compile(r"[A-Za-z$][\w$\-]*")
MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 50


def parse_attr_path(text: str) -> AttrPath:
    """`userName`, `name.familyName`, `urn:...:enterprise:2.0:User:manager.value`."""
    schema: str | None = None
    rest = text
    if text.lower().startswith("urn:"):
        schema, _, rest = text.rpartition(":")
        if not schema or not rest:
            raise _error(f"{text!r} is not an attribute path")
    parts = rest.split(".")
    if len(parts) > 2 or not all(_ATTR_NAME.fullmatch(p) for p in parts):
        raise _error(f"{text!r} is not an attribute path")
    return AttrPath(schema, parts[0], parts[1] if len(parts) == 2 else None)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = list(tokenise(text))
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def at(self, kind: Tok) -> bool:
        return self.current.kind is kind

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def keyword(self, *words: str) -> str | None:
        """The current token's keyword (lowercase) if it is one of `words`."""
        token = self.current
        if token.kind is Tok.WORD and token.text.lower() in words:
            return token.text.lower()
        return None

    def expect(self, kind: Tok) -> Token:
        if self.current.kind is not kind:
            raise self.unexpected(f"expected {kind.value!r}")
        return self.advance()

    def unexpected(self, wanted: str) -> InvalidFilter:
        token = self.current
        found = "the end of the filter" if token.kind is Tok.END else repr(token.text)
        return _error(f"{wanted} but found {found} at position {token.position + 1}")

    def parse(self) -> Filter:
        tree = self.disjunction(in_value_path=False)
        if self.current.kind is not Tok.END:
            raise self.unexpected("expected 'and', 'or' or the end of the filter")
        return tree

    def disjunction(self, *, in_value_path: bool) -> Filter:
        left = self.conjunction(in_value_path=in_value_path)
        while self.keyword("or"):
            self.advance()
            left = Or(left, self.conjunction(in_value_path=in_value_path))
        return left

    def conjunction(self, *, in_value_path: bool) -> Filter:
        left = self.negation(in_value_path=in_value_path)
        while self.keyword("and"):
            self.advance()
            left = And(left, self.negation(in_value_path=in_value_path))
        return left

    def negation(self, *, in_value_path: bool) -> Filter:
        if self.keyword("not"):
            self.advance()
            if self.current.kind is not Tok.LPAREN:
                raise self.unexpected("expected '(' after 'not'")
            return Not(self.group(in_value_path=in_value_path))
        return self.primary(in_value_path=in_value_path)

    def group(self, *, in_value_path: bool) -> Filter:
        self.expect(Tok.LPAREN)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error("the filter nests too deeply")
        inner = self.disjunction(in_value_path=in_value_path)
        self.depth -= 1
        self.expect(Tok.RPAREN)
        return inner

    def primary(self, *, in_value_path: bool) -> Filter:
        if self.current.kind is Tok.LPAREN:
            return self.group(in_value_path=in_value_path)
        if self.current.kind is not Tok.WORD or self.keyword("and", "or", "not"):
            raise self.unexpected("expected an attribute path, 'not' or '('")
        attr = parse_attr_path(self.advance().text)
        if self.at(Tok.LBRACKET):
            if in_value_path:
                raise _error("a value filter cannot hold another value filter")
            if attr.sub is not None:
                raise _error(f"{attr} cannot hold a value filter: only a multi-valued attribute")
            self.advance()
            inner = self.disjunction(in_value_path=True)
            self.expect(Tok.RBRACKET)
            return ValuePath(attr, inner)
        op = self.keyword("pr", *COMPARE_OPS)
        if op is None:
            raise self.unexpected(f"expected an operator after {attr}")
        self.advance()
        if op == "pr":
            return Present(attr)
        return Compare(attr, op, self.comparison_value())

    def comparison_value(self) -> Value:
        token = self.current
        if token.kind in (Tok.STRING, Tok.NUMBER):
            self.advance()
            return token.value
        literal_word = self.keyword("true", "false", "null")
        if literal_word is not None:
            self.advance()
            return {"true": True, "false": False, "null": None}[literal_word]
        raise self.unexpected("expected a string, number, true, false or null")


def parse_filter(text: str) -> Filter:
    """The tree of a SCIM filter, or `InvalidFilter` (400 `invalidFilter`)."""
    if not text.strip():
        raise _error("the filter is empty")
    if len(text) > MAX_FILTER_LENGTH:
        raise _error(f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    return _Parser(text).parse()


def _error(detail: str) -> InvalidFilter:
    return InvalidFilter(detail=f"Invalid filter: {detail}.")


# --- what attributes are stored as -----------------------------------------------------------


class Kind(StrEnum):
    STRING = "string"
    BOOLEAN = "boolean"
    DATETIME = "dateTime"
    ID = "id"
    """A UUID: `eq` and `ne` only; a value that is no UUID matches nothing."""


@dataclass(frozen=True)
class Attribute:
    """A single-valued attribute and the SQL expression that holds it. For `BOOLEAN`, the
    expression is the condition "the attribute is true"."""

    expression: Any
    kind: Kind = Kind.STRING
    case_exact: bool = False
    sortable: bool = False


@dataclass(frozen=True)
class MultiValued:
    """A multi-valued complex attribute (`emails`, `members`). `scope` wraps a condition on
    the sub-attributes so it holds for one value (e.g. `EXISTS` over the member rows);
    `attr eq "x"` compares the `value` sub-attribute (RFC 7644 §3.4.2.2)."""

    sub_attributes: Mapping[str, Attribute]
    scope: Callable[[Condition], Condition] = field(default=lambda condition: condition)


@dataclass(frozen=True)
class Catalogue:
    """The filterable attributes of one resource type.

    Keys are lowercase: `username`, `name.familyname`, `meta.lastmodified`, and for an
    extension `<urn>:<name>[.<sub>]`. `is_schema_attribute(path)` says whether a path the
    catalogue lacks is still an attribute of the published schema (absent, not invalid).
    """

    schema: str
    extensions: frozenset[str]
    attributes: Mapping[str, Attribute | MultiValued]
    is_schema_attribute: Callable[[str], bool]

    def key(self, attr: AttrPath, *, with_sub: bool = True) -> str:
        name = attr.name.lower()
        if with_sub and attr.sub:
            name = f"{name}.{attr.sub.lower()}"
        if attr.schema is None or attr.schema.lower() == self.schema.lower():
            return name
        if attr.schema.lower() in self.extensions:
            return f"{attr.schema.lower()}:{name}"
        raise _error(f"{attr.schema} is not a schema of this resource type")

    def lookup(self, attr: AttrPath) -> Attribute | tuple[MultiValued, str] | None:
        """The stored attribute `attr` names (a multi-valued one with its sub-attribute), or
        None when the schema has it but Strata does not store it."""
        found = self.attributes.get(self.key(attr))
        if isinstance(found, Attribute):
            return found
        parent = self.attributes.get(self.key(attr, with_sub=False))
        if isinstance(parent, MultiValued):
            sub = (attr.sub or "value").lower()
            if sub in parent.sub_attributes:
                return parent, sub
        if self.is_schema_attribute(str(attr)):
            return None
        raise _error(f"{attr} is not an attribute of {self.schema}")

    def sort_expression(self, attribute: str) -> Any:
        """The expression `sortBy=<attribute>` orders by (lowercased unless case-exact)."""
        try:
            found = self.lookup(parse_attr_path(attribute))
        except InvalidFilter:
            found = None
        if not isinstance(found, Attribute) or not found.sortable:
            return None
        if found.kind is Kind.STRING and not found.case_exact:
            return func.lower(found.expression)
        return found.expression


# --- compiler --------------------------------------------------------------------------------


class strpos(FunctionElement[int]):
    """Where `needle` first occurs in `haystack` (1-based, 0 when absent), case-exact on
    every backend (SQLite's LIKE ignores ASCII case, so `co` cannot use it)."""

    type = Integer()
    inherit_cache = True


@compiles(strpos)
def _strpos_default(element: strpos, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"strpos({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)})"


@compiles(strpos, "sqlite")
def _strpos_sqlite(element: strpos, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)})"


def compile_filter(tree: Filter, catalogue: Catalogue) -> Condition:
    """One SQL condition equivalent to `tree` over the catalogue's columns."""
    return _Compiler(catalogue).compile(tree, None)


class _Compiler:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def compile(self, node: Filter, within: tuple[MultiValued, AttrPath] | None) -> Condition:
        if isinstance(node, And):
            return and_(self.compile(node.left, within), self.compile(node.right, within))
        if isinstance(node, Or):
            return or_(self.compile(node.left, within), self.compile(node.right, within))
        if isinstance(node, Not):
            return not_(self.compile(node.inner, within))
        if isinstance(node, ValuePath):
            return self.value_path(node)
        attribute, scope = self.resolve(node.attr, within)
        if attribute is None:  # in the schema, not stored: absent
            return false()
        if isinstance(node, Present):
            condition = _present(attribute)
        else:
            condition = _compare(attribute, node.op, node.value, str(node.attr))
        return scope(condition) if scope is not None else condition

    def value_path(self, node: ValuePath) -> Condition:
        found = self.catalogue.attributes.get(self.catalogue.key(node.attr))
        if not isinstance(found, MultiValued):
            if found is None and self.catalogue.is_schema_attribute(str(node.attr)):
                return false()
            raise _error(f"{node.attr} is not a multi-valued attribute")
        return found.scope(self.compile(node.inner, (found, node.attr)))

    def resolve(
        self, attr: AttrPath, within: tuple[MultiValued, AttrPath] | None
    ) -> tuple[Attribute | None, Callable[[Condition], Condition] | None]:
        if within is not None:
            parent, parent_path = within
            if attr.schema is not None or attr.sub is not None:
                raise _error(f"{attr} is not a sub-attribute of {parent_path}")
            sub = parent.sub_attributes.get(attr.name.lower())
            if sub is None:
                full = f"{parent_path}.{attr.name}"
                if self.catalogue.is_schema_attribute(full):
                    return None, None
                raise _error(f"{full} is not an attribute of {self.catalogue.schema}")
            return sub, None  # the value path's scope wraps the whole inner filter
        found = self.catalogue.lookup(attr)
        if isinstance(found, tuple):
            multi, sub_name = found
            return multi.sub_attributes[sub_name], multi.scope
        return found, None


def _present(attribute: Attribute) -> Condition:
    if attribute.kind is Kind.BOOLEAN:
        return true()
    expression: Condition = attribute.expression.is_not(None)
    if attribute.kind is Kind.STRING:
        expression = and_(expression, attribute.expression != "")
    return expression


def _compare(attribute: Attribute, op: str, value: Value, name: str) -> Condition:
    column = attribute.expression
    if value is None:
        if op == "eq":
            return not_(_present(attribute))
        if op == "ne":
            return _present(attribute)
        raise _error(f"{op} cannot compare {name} with null")
    if op == "ne":
        return not_(_compare(attribute, "eq", value, name))
    if attribute.kind is Kind.BOOLEAN:
        if not isinstance(value, bool) or op != "eq":
            raise _error(f"{name} is a boolean: compare it with eq or ne and true or false")
        return column if value else not_(column)  # type: ignore[no-any-return]
    if isinstance(value, bool) or not isinstance(value, str):
        raise _error(f"{name} is a {attribute.kind.value}: compare it with a string")
    if attribute.kind is Kind.ID:
        if op != "eq":
            raise _error(f"{name} is an identifier: compare it with eq, ne or pr")
        try:
            return and_(column.is_not(None), column == uuid.UUID(value))
        except ValueError:
            return false()  # no row has an id that is not a UUID
    if attribute.kind is Kind.DATETIME:
        if op not in ("eq", "gt", "ge", "lt", "le"):
            raise _error(f"{name} is a dateTime: compare it with eq, ne, gt, ge, lt or le")
        return and_(column.is_not(None), _ordering(op, column, _datetime(value, name)))
    target: Any = column if attribute.case_exact else func.lower(column)
    operand: Any = literal(value) if attribute.case_exact else func.lower(literal(value))
    if op == "co":
        condition = strpos(target, operand) > 0
    elif op == "sw":
        condition = func.substr(target, 1, func.length(operand)) == operand
    elif op == "ew":
        condition = and_(
            func.length(target) >= func.length(operand),
            func.substr(target, func.length(target) - func.length(operand) + 1) == operand,
        )
    else:
        condition = _ordering(op, target, operand)
    return and_(column.is_not(None), condition)


def _ordering(op: str, left: Any, right: Any) -> Condition:
    comparisons: dict[str, Callable[[Any, Any], Condition]] = {
        "eq": lambda a, b: a == b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }
    return comparisons[op](left, right)


def _datetime(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _error(f"{name} is a dateTime and {value!r} is not an ISO 8601 instant") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
