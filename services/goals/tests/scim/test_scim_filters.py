"""The filter parser and compiler on their own (no database): tokens, precedence, errors."""

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from strata_goals.scim.exceptions import InvalidFilter
from strata_goals.scim.filters import (
    And,
    AttrPath,
    Compare,
    Not,
    Or,
    Present,
    Tok,
    ValuePath,
    compile_filter,
    parse_filter,
    tokenise,
)
from strata_goals.scim.repository import GROUP_CATALOGUE, USER_CATALOGUE

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def eq(name: str, value: object, sub: str | None = None, schema: str | None = None) -> Compare:
    return Compare(AttrPath(schema, name, sub), "eq", value)  # type: ignore[arg-type]


class TestTokens:
    def test_strings_keep_escaped_quotes_backslashes_and_unicode(self):
        tokens = list(tokenise(r'userName eq "a \"b\" c\\d \u00e9"'))
        assert [t.kind for t in tokens] == [Tok.WORD, Tok.WORD, Tok.STRING, Tok.END]
        assert tokens[2].value == 'a "b" c\\d é'

    def test_numbers_are_ints_or_floats(self):
        assert [t.value for t in tokenise("-12 3.5 1e3")][:3] == [-12, 3.5, 1000.0]

    def test_an_enterprise_attribute_is_one_word(self):
        tokens = list(tokenise(f"{ENTERPRISE}:manager.value pr"))
        assert tokens[0].text == f"{ENTERPRISE}:manager.value"


class TestParse:
    def test_a_comparison(self):
        assert parse_filter('userName eq "bjensen"') == eq("userName", "bjensen")

    def test_operators_and_keywords_ignore_case(self):
        assert parse_filter('userName EQ "a" AND title PR') == And(
            eq("userName", "a"), Present(AttrPath(None, "title"))
        )

    def test_and_binds_tighter_than_or(self):
        tree = parse_filter("a eq 1 or b eq 2 and c eq 3")
        assert tree == Or(eq("a", 1), And(eq("b", 2), eq("c", 3)))

    def test_not_binds_tighter_than_and(self):
        tree = parse_filter("not (a pr) and b pr")
        assert tree == And(Not(Present(AttrPath(None, "a"))), Present(AttrPath(None, "b")))

    def test_parentheses_override_precedence(self):
        tree = parse_filter("(a eq 1 or b eq 2) and c eq 3")
        assert tree == And(Or(eq("a", 1), eq("b", 2)), eq("c", 3))

    def test_or_is_left_associative(self):
        assert parse_filter("a pr or b pr or c pr") == Or(
            Or(Present(AttrPath(None, "a")), Present(AttrPath(None, "b"))),
            Present(AttrPath(None, "c")),
        )

    def test_literals_true_false_null(self):
        tree = parse_filter("active eq true and x eq false and y eq null")
        assert tree == And(And(eq("active", True), eq("x", False)), eq("y", None))

    def test_sub_attributes_and_schema_urns(self):
        assert parse_filter('name.familyName sw "J"') == Compare(
            AttrPath(None, "name", "familyName"), "sw", "J"
        )
        assert parse_filter(f'{ENTERPRISE}:manager.value eq "x"') == eq(
            "manager", "x", "value", ENTERPRISE
        )

    def test_a_value_path(self):
        tree = parse_filter('emails[type eq "work" and value co "@example.com"]')
        assert tree == ValuePath(
            AttrPath(None, "emails"),
            And(eq("type", "work"), Compare(AttrPath(None, "value"), "co", "@example.com")),
        )

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("", "empty"),
            ("userName eq", "expected a string"),
            ('userName "x"', "expected an operator"),
            ('userName like "x"', "expected an operator"),
            ('(userName eq "x"', "expected ')'"),
            ('userName eq "x")', "expected 'and', 'or'"),
            ('userName eq "x" title pr', "expected 'and', 'or'"),
            ("not userName pr", "expected '(' after 'not'"),
            ('userName eq "unterminated', "unexpected character"),
            (r'userName eq "bad \q escape"', "bad escape"),
            ('userName eq "x" and', "expected an attribute path"),
            ("emails[value pr", "expected ']'"),
            ("emails[type[value pr]]", "cannot hold another value filter"),
            ("name.given.family pr", "not an attribute path"),
            ("userName eq 'single'", "unexpected character"),
        ],
    )
    def test_bad_syntax_is_an_invalid_filter_naming_the_problem(self, text, says):
        with pytest.raises(InvalidFilter) as caught:
            parse_filter(text)
        assert caught.value.scim_type == "invalidFilter"
        assert caught.value.status == 400
        assert says in caught.value.detail


def sql(condition, dialect=None) -> str:
    compiled = condition.compile(
        dialect=dialect or postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


class TestCompile:
    def test_an_unknown_attribute_is_an_invalid_filter(self):
        with pytest.raises(InvalidFilter, match="shoeSize"):
            compile_filter(parse_filter('shoeSize eq "44"'), USER_CATALOGUE)

    def test_an_unknown_schema_is_an_invalid_filter(self):
        with pytest.raises(InvalidFilter, match="not a schema"):
            compile_filter(parse_filter('urn:example:custom:1.0:User:x eq "1"'), USER_CATALOGUE)

    def test_a_schema_attribute_strata_does_not_store_matches_nothing(self):
        # a kept multi-valued attribute (not filterable in SQL yet) matches nothing
        condition = compile_filter(parse_filter('phoneNumbers.value eq "1"'), USER_CATALOGUE)
        assert sql(condition) == "false"

    def test_attribute_names_ignore_case(self):
        upper = compile_filter(parse_filter('USERNAME eq "a"'), USER_CATALOGUE)
        lower = compile_filter(parse_filter('username eq "a"'), USER_CATALOGUE)
        assert sql(upper) == sql(lower)

    def test_case_insensitive_attributes_compare_lowercased(self):
        text = sql(compile_filter(parse_filter('userName eq "A@B.C"'), USER_CATALOGUE))
        assert "lower(scim_resource.name) = lower('A@B.C')" in text

    def test_case_exact_attributes_compare_as_given(self):
        text = sql(compile_filter(parse_filter('externalId eq "AbC"'), USER_CATALOGUE))
        assert "scim_resource.external_id = 'AbC'" in text

    def test_contains_is_case_exact_on_sqlite_too(self):
        text = sql(
            compile_filter(parse_filter('externalId co "Ab"'), USER_CATALOGUE), sqlite.dialect()
        )
        assert "instr(scim_resource.external_id, 'Ab') > 0" in text
        assert "LIKE" not in text

    def test_a_boolean_compares_with_eq_and_true_or_false_only(self):
        for text in ("active gt true", 'active eq "yes"'):
            with pytest.raises(InvalidFilter, match="boolean"):
                compile_filter(parse_filter(text), USER_CATALOGUE)

    def test_a_string_attribute_refuses_a_number(self):
        with pytest.raises(InvalidFilter, match="compare it with a string"):
            compile_filter(parse_filter("userName eq 5"), USER_CATALOGUE)

    def test_an_id_compares_with_eq_ne_and_pr_only(self):
        with pytest.raises(InvalidFilter, match="identifier"):
            compile_filter(parse_filter('id sw "1"'), USER_CATALOGUE)

    def test_an_id_that_is_no_uuid_matches_nothing(self):
        assert sql(compile_filter(parse_filter('id eq "nope"'), USER_CATALOGUE)) == "false"

    def test_a_date_must_be_iso_8601(self):
        with pytest.raises(InvalidFilter, match="ISO 8601"):
            compile_filter(parse_filter('meta.lastModified gt "yesterday"'), USER_CATALOGUE)

    def test_ordering_on_null_is_refused(self):
        with pytest.raises(InvalidFilter, match="null"):
            compile_filter(parse_filter("title gt null"), USER_CATALOGUE)

    def test_a_value_filter_names_sub_attributes_only(self):
        with pytest.raises(InvalidFilter, match="not an attribute"):
            compile_filter(parse_filter('emails[colour eq "red"]'), USER_CATALOGUE)
        with pytest.raises(InvalidFilter, match="not a multi-valued attribute"):
            compile_filter(parse_filter('userName[value eq "x"]'), USER_CATALOGUE)

    def test_group_members_compile_to_one_correlated_exists(self):
        text = sql(
            compile_filter(parse_filter('members[value eq "x" or display co "A"]'), GROUP_CATALOGUE)
        )
        assert text.count("EXISTS") == 1
        assert "employee.org_unit_id = org_unit.id" in text
