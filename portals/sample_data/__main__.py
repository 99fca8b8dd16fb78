"""Command line: python -m portals.sample_data --out DIR [--size small|N] [--seed N] [--client slug]."""
import argparse
import logging
import sys

from . import CLIENT_SLUGS, DEFAULT_SEED, SMALL_CONTACTS, generate


def parse_size(value):
    if value == "small":
        return SMALL_CONTACTS
    try:
        size = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid size %r: use 'small' or a number of contacts, e.g. 1000000" % value)
    if size < 1:
        raise argparse.ArgumentTypeError("invalid size %r: the number of contacts must be positive" % value)
    return size


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m portals.sample_data", description=__doc__.split(":")[0])
    parser.add_argument("--out", required=True, help="directory that receives one folder per sample client")
    parser.add_argument("--size", type=parse_size, default=SMALL_CONTACTS,
                        help="'small' (%d contacts) or the contact count of the largest client" % SMALL_CONTACTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--client", action="append", choices=CLIENT_SLUGS,
                        help="generate only this client; repeat for several (default: all)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for directory in generate(args.out, seed=args.seed, contacts=args.size, clients=args.client):
        print(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
