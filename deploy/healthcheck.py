"""The container's HEALTHCHECK: GET /healthz on the local gunicorn, exit 0 if it answers 200.

Standard library only (the slim image has no curl), and without Django: it runs every
30 s. The Host header is the first of ALLOWED_HOSTS, which Django insists on.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")[0].rsplit(":", 1)[-1]
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost").split(",")]
    host = next((h.lstrip(".") for h in hosts if h and h != "*"), "localhost")
    request = urllib.request.Request(  # noqa: S310 (a fixed http URL on loopback)
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"healthz: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
