"""The image's HEALTHCHECK: exit 0 when this container's application answers /healthz.

The application is `STRATA_APP`; its port is `<APP>_PORT` (8000 in the images). Standard
library only: the image has no curl.
"""

import os
import sys
import urllib.request


def main() -> int:
    app = os.environ.get("STRATA_APP", "gateway").upper()
    port = os.environ.get(f"{app}_PORT", "8000")
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
