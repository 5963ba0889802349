"""Run in a separate process by test_login_limit: one app server that tries to sign in `count` times.

Prints the answers' status codes as JSON. The environment says where the database and Redis are, exactly as
it would for `traceability serve`.
"""

from __future__ import annotations

import json
import sys


def main(prefix: str, count: int) -> None:
    from traceability import create_app

    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "3 per minute",
            "RATELIMIT_KEY_PREFIX": prefix,  # this test's counters only, whatever else uses the Redis server
        }
    )
    client = app.test_client()
    statuses = [
        client.post("/login", data={"email": "nobody@example.org", "password": "wrong guess"}).status_code
        for _ in range(count)
    ]
    print(json.dumps(statuses))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
