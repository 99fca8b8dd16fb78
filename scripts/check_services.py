"""Stop the test run early, with instructions, when PostgreSQL or Redis is not reachable."""
import os
import socket
import sys
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mops"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

HOW_TO_START = {
    "PostgreSQL": (
        "Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
        "(Debian) or `sudo service postgresql start`, or point DATABASE_URL at a running server."
    ),
    "Redis": (
        "Start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''` "
        "or point REDIS_TEST_URL at a running server."
    ),
}


def _reachable(url, default_port):
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return True, f"{host}:{port}"
    except OSError:
        return False, f"{host}:{port}"


def main():
    checks = [
        ("PostgreSQL", os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), 5432),
        ("Redis", os.environ.get("REDIS_TEST_URL", DEFAULT_REDIS_URL), 6379),
    ]
    failed = False
    for name, url, port in checks:
        ok, address = _reachable(url, port)
        if not ok:
            failed = True
            print(f"{name} is not reachable at {address}. The tests need it. {HOW_TO_START[name]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
