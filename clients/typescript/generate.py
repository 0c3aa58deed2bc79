"""Regenerate the TypeScript client's types from the live merged OpenAPI document.

Starts a real stack (gateway and the four services, free ports, a temporary data
directory), saves the gateway's `/openapi.json` as `openapi.json` (sorted keys, so a diff
shows what changed), and runs openapi-typescript on it into `src/schema.d.ts`.
`make client-ts` runs this; `tests/e2e/test_typescript_client.py` fails when the checked-in
files differ from what this would write.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.e2e.stack import APPS, Stack  # noqa: E402


def canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def live_document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="strata-client-ts-") as root:
        stack = Stack(Path(root))
        try:
            stack.cli("migrate")
            for app in APPS:
                stack.start(app)
            stack.wait_ready(*APPS, timeout=600)  # generous: a busy machine starts slowly
            document: dict[str, Any] = httpx.get(f"{stack.url()}/openapi.json", timeout=60).json()
        finally:
            stack.down()
    if document.get("x-strata-unavailable"):
        raise SystemExit(f"services missing from the document: {document['x-strata-unavailable']}")
    return document


def types_for(spec: Path, out: Path) -> None:
    subprocess.run(  # noqa: S603
        ["npx", "--no-install", "openapi-typescript", str(spec), "--output", str(out)],  # noqa: S607
        cwd=HERE,
        check=True,
        capture_output=True,
    )


def main() -> None:
    if not (HERE / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)  # noqa: S607
    (HERE / "openapi.json").write_text(canonical(live_document()))
    types_for(HERE / "openapi.json", HERE / "src" / "schema.d.ts")
    print("wrote clients/typescript/openapi.json and src/schema.d.ts")


if __name__ == "__main__":
    main()
