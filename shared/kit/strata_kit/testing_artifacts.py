"""Where tests leave files for a person to look at (screenshots): `test-artifacts/` at the
repository root (ignored by git), or `STRATA_TEST_ARTIFACTS` when set."""

import os
from pathlib import Path


def artifacts_dir() -> Path:
    root = os.environ.get("STRATA_TEST_ARTIFACTS")
    path = Path(root) if root else Path(__file__).resolve().parents[3] / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
