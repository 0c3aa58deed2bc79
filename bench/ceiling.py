"""The framework's ceiling on this machine: a bare FastAPI app answering a constant, served
by uvicorn exactly as Strata's applications are (`strata_kit.runner`), so the gap between it
and a real endpoint is Strata's own cost.

    python -m bench.ceiling PORT
"""

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/constant")
async def constant() -> dict[str, str]:
    """A constant JSON body: routing, serialisation and HTTP, nothing else."""
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_config=None,
        access_log=False,
        server_header=False,
    )
