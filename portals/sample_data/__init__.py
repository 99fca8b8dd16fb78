"""Seeded generator of sample client portals in the vendors' own record shapes, with planted problems.

`generate(out_dir)` writes one directory per sample client (see README.md beside this file for the
layout, the planted problems and their rates). The same seed and size give byte-identical files.
"""
import logging
from pathlib import Path

from .profiles import PROFILES

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20260630
SMALL_CONTACTS = 2000
MIN_CONTACTS = 400
CLIENT_SLUGS = tuple(PROFILES)


def client_contacts(profile, contacts):
    """Return the person count of one client: its share of the largest client's count, at least MIN_CONTACTS."""
    return max(MIN_CONTACTS, int(round(contacts * profile.size_share)))


def generate(out_dir, *, seed=DEFAULT_SEED, contacts=None, clients=None):
    """Write the sample clients under out_dir and return their directories.

    contacts is the person count of the largest client (default 2,000, the "small" size); the other
    clients get their fixed share of it. clients is a list of slugs (default: all three).
    """
    from .clients import generate_client

    contacts = SMALL_CONTACTS if contacts is None else int(contacts)
    if contacts < 1:
        raise ValueError("contacts must be a positive number, got %r" % contacts)
    slugs = list(CLIENT_SLUGS) if not clients else list(clients)
    unknown = [slug for slug in slugs if slug not in PROFILES]
    if unknown:
        raise ValueError("unknown client slug %s; choose from %s" % (", ".join(unknown), ", ".join(CLIENT_SLUGS)))

    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    logger.info("sample data started out=%s seed=%s contacts=%s", root, seed, contacts)
    directories = [generate_client(PROFILES[slug], root, seed=seed, contacts=client_contacts(PROFILES[slug], contacts))
                   for slug in slugs]
    logger.info("sample data finished out=%s clients=%s", root, len(directories))
    return directories
