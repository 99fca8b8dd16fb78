"""Run one fake vendor server on 127.0.0.1 until interrupted.

    python -m portals.fakes --vendor hubspot --data samples/acme --port 8101
"""

import argparse
import logging
import signal
import sys
import threading

from .hubspot import HubSpotFake
from .marketo import MarketoFake
from .salesforce import SalesforceFake

FAKES = {"hubspot": HubSpotFake, "salesforce": SalesforceFake, "marketo": MarketoFake}


def rate_limit(text):
    """Parse "N/SECONDS" into (max requests, window seconds)."""
    count, _, seconds = text.partition("/")
    try:
        parsed = int(count), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError("expected N/SECONDS such as 100/10, got %r" % text)
    if parsed[0] < 1 or parsed[1] <= 0:
        raise argparse.ArgumentTypeError("N and SECONDS must be positive, got %r" % text)
    return parsed


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m portals.fakes", description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", required=True, choices=sorted(FAKES), help="vendor API to serve")
    parser.add_argument("--data", help="sample client directory that contains hubspot/, salesforce/ and marketo/")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free port")
    parser.add_argument("--rate-limit", metavar="N/SECONDS", type=rate_limit,
                        help="allow N requests per rolling window of SECONDS, e.g. 100/10")
    parser.add_argument("--lazy", action="store_true", help="load dataset files on first request, not at start")
    parser.add_argument("--page-size", type=int, help="Salesforce only: records per REST query page (default 2000)")
    return parser.parse_args(argv)


def build_fake(arguments):
    options = {"data_dir": arguments.data, "port": arguments.port}
    if arguments.page_size and arguments.vendor == "salesforce":
        options["page_size"] = arguments.page_size
    fake = FAKES[arguments.vendor](**options)

    if arguments.rate_limit:
        fake.faults.set_rate_limit(*arguments.rate_limit)
    return fake


def describe_access(fake):
    """Return the lines that tell a client how to connect."""
    lines = ["base_url=%s" % fake.base_url]
    if isinstance(fake, HubSpotFake):
        lines.append("access_token=%s" % fake.DEFAULT_TOKEN)
    elif isinstance(fake, SalesforceFake):
        lines += [
            "session_id=%s" % fake.DEFAULT_SESSION_ID, "ca_file=%s" % fake.ca_path,
            "username=%s" % fake.USERNAME, "password=%s" % fake.PASSWORD,
            "security_token=%s" % fake.SECURITY_TOKEN, "client_id=%s" % fake.CLIENT_ID,
            "client_secret=%s" % fake.CLIENT_SECRET,
        ]
    elif isinstance(fake, MarketoFake):
        token, expires_in = fake.access_token()
        lines += [
            "access_token=%s" % token, "expires_in=%d" % expires_in,
            "client_id=%s" % fake.CLIENT_ID, "client_secret=%s" % fake.CLIENT_SECRET,
        ]
    return lines


def main(argv=None):
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with build_fake(arguments) as fake:
        if not arguments.lazy:
            fake.preload()
        for line in describe_access(fake):
            print(line, flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
