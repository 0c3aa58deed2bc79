"""The Jinja2 environment of the reports: templates shipped in the package, every value
escaped (autoescape on for every template, whatever its name), undefined names an error."""

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from strata_analytics.reports.i18n import Texts
from strata_kit.i18n import Language


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("strata_analytics.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, lang: Language = "en", **context: Any) -> str:
    """The template in `lang` (its texts as `t`)."""
    return environment().get_template(template).render(t=Texts(lang), **context)
