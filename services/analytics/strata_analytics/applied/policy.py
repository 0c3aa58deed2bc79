"""The built-in merit matrix, used until a tenant sets its own. It fits the default rating
bands (1 to 5): a lower compa-ratio (paid below the range midpoint) earns a larger increase
for the same band, so pay converges on the midpoint for people who perform."""

from decimal import Decimal

from strata_contracts.analytics.applied import CompaRatioBand, MeritMatrixRow, MeritMatrixWrite

DEFAULT_MATRIX = MeritMatrixWrite(
    compa_ratio_bands=[
        CompaRatioBand(code="below_range", below=Decimal("0.9")),
        CompaRatioBand(code="in_range", below=Decimal("1.1")),
        CompaRatioBand(code="above_range", below=None),
    ],
    rows=[
        MeritMatrixRow(band="1", increases=[Decimal(0), Decimal(0), Decimal(0)]),
        MeritMatrixRow(band="2", increases=[Decimal("1.5"), Decimal("1"), Decimal("0")]),
        MeritMatrixRow(band="3", increases=[Decimal("4"), Decimal("3"), Decimal("2")]),
        MeritMatrixRow(band="4", increases=[Decimal("6"), Decimal("5"), Decimal("3.5")]),
        MeritMatrixRow(band="5", increases=[Decimal("8"), Decimal("6.5"), Decimal("5")]),
    ],
)
