"""Benchmark of portal syncs on PostgreSQL: HubSpot API sync and CSV import against naive per-record saves.

    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/mops_bench \\
        .venv/bin/python bench/sync_bench.py --contacts 100000 --out bench/results/sync-100000.json

Each measured step runs in its own child process (this script with --worker), so its peak memory
(tracemalloc and ru_maxrss) covers that step only. bench/README.md explains the steps and records results.
"""
import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Organization  # noqa: E402
from portals import csv_import  # noqa: E402
from portals.connectors import get_connector  # noqa: E402
from portals.connectors.hubspot import HISTORY_PAGE_SIZE, HubSpotConnector  # noqa: E402
from portals.fakes import HubSpotFake  # noqa: E402
from portals.models import Client, Contact, LifecycleChange, Portal, PropertyChange, SyncRun  # noqa: E402
from portals.sync import csv_service, engine  # noqa: E402

from _common import (  # noqa: E402
    PROJECT_DIR, FakeHubSpotProcess, link_fake_data, machine_facts, max_rss_mib, measure, median, write_contact_export,
)

logger = logging.getLogger("bench.sync")

# HubSpot's burst limit for Free and Starter accounts is 100 requests per 10 s (API usage guidelines,
# developers.hubspot.com/apisbytier). Private apps on Professional and Enterprise get 190 per 10 s
# (Developer Changelog, "Increasing our API limits"). The lower figure is the conservative ceiling.
BURST_REQUESTS, BURST_WINDOW_SECONDS = 100, 10.0
BENCH_SLUG = "sync-bench"
CLIENT_SLUG = "northwind-software"
RESULT_PREFIX = "BENCH_RESULT "
# Tables the steps write, in an order that deletes rows before the rows they reference.
BENCH_TABLES = (
    "portals_csvupload", "portals_contact", "portals_propertychange", "portals_lifecyclechange", "portals_owner",
    "portals_syncrun",
)


# Steps, each run in a child process.

class Timers:
    """Seconds spent fetching pages, writing rows and sleeping on HTTP 429, by patching the call sites."""

    def __init__(self):
        self.fetch = self.write = self.retry_sleep = 0.0
        self.requests = self.rate_limited = 0

    def install(self):
        self._wrap(HubSpotConnector, "fetch_page", "fetch", count="requests")
        self._wrap(engine, "upsert_rows", "write")
        self._wrap(csv_service, "upsert_rows", "write")
        self._wrap(urllib3.util.retry.Retry, "sleep", "retry_sleep")
        increment = urllib3.util.retry.Retry.increment

        def counted_increment(retry, *args, **kwargs):
            response = kwargs.get("response")
            if response is not None and response.status == 429:
                self.rate_limited += 1
            return increment(retry, *args, **kwargs)

        urllib3.util.retry.Retry.increment = counted_increment
        return self

    def _wrap(self, owner, name, timer, count=None):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                setattr(self, timer, getattr(self, timer) + time.perf_counter() - started)
                if count:
                    setattr(self, count, getattr(self, count) + 1)

        setattr(owner, name, timed)

    def as_dict(self):
        return {
            "fetch_seconds": round(self.fetch, 2), "write_seconds": round(self.write, 2),
            "retry_sleep_seconds": round(self.retry_sleep, 2), "requests": self.requests,
            "rate_limited_responses": self.rate_limited,
        }


def bench_portal(vendor, base_url=""):
    """Return the bench tenant's portal of the vendor, created on first use and pointed at base_url."""
    organization, _ = Organization.objects.get_or_create(slug=BENCH_SLUG, defaults={"name": "Sync benchmark"})
    client, _ = Client.objects.get_or_create(organization=organization, name="Sync benchmark")
    portal, _ = Portal.objects.get_or_create(client=client, vendor=vendor, name="bench")
    portal.api_base_url = base_url
    portal.set_credentials({"access_token": HubSpotFake.DEFAULT_TOKEN} if vendor == "hubspot" else {})
    portal.sync_state = {}
    portal.save()
    return portal


def step_api_sync(options, timers):
    """Run a full sync through the engine: owners, contacts, and one request per empty object (five for events)."""
    portal = bench_portal("hubspot", options.base_url)
    sync_run = engine.sync_run_create(portal=portal, mode=SyncRun.Mode.FULL)

    sync_run, seconds, peak = measure(lambda: engine.sync_run_execute(sync_run_id=sync_run.pk), trace=options.trace)

    if sync_run.status != SyncRun.Status.SUCCEEDED:
        raise RuntimeError("sync run %s ended %s: %s" % (sync_run.pk, sync_run.status, sync_run.error_message))
    contacts = sync_run.progress["contacts"]["done"]
    return {"records": contacts, "seconds": seconds, "tracemalloc_peak_mib": peak, "rows": _row_counts(portal)}


def step_api_naive(options, timers):
    """Read the first contact pages through the same connector and save each row with update_or_create."""
    portal = bench_portal("hubspot", options.base_url)
    connector = get_connector(portal)

    def run():
        contacts, cursor = 0, None
        while contacts < options.sample:
            page = connector.fetch_page("contacts", cursor=cursor, since=None)
            started = time.perf_counter()
            for model, rows in page.rows.items():
                _save_each(model, portal, rows)
            timers.write += time.perf_counter() - started
            contacts += page.count
            cursor = page.next_cursor
            if cursor is None:
                break
        return contacts

    contacts, seconds, peak = measure(run, trace=options.trace)
    return {"records": contacts, "seconds": seconds, "tracemalloc_peak_mib": peak, "rows": _row_counts(portal)}


def step_csv_import(options, timers):
    """Upload (store and read the header), validate the whole file, then import it in batches."""
    portal = bench_portal("csv")
    path = Path(options.csv)
    phases = {}

    def run():
        started = time.perf_counter()
        with open(path, "rb") as handle:
            upload = csv_service.csv_upload_create(portal=portal, uploaded_file=File(handle, name=path.name))
        phases["upload_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        csv_service.csv_upload_start_import(upload=upload)
        phases["validate_seconds"] = time.perf_counter() - started

        started = time.perf_counter()
        sync_run = csv_service.csv_import_execute(upload_id=upload.pk)
        phases["import_seconds"] = time.perf_counter() - started
        upload.file.delete(save=False)
        return sync_run

    sync_run, seconds, peak = measure(run, trace=options.trace)
    if sync_run.status != SyncRun.Status.SUCCEEDED:
        raise RuntimeError("CSV import %s ended %s: %s" % (sync_run.pk, sync_run.status, sync_run.error_message))
    rows = _row_counts(portal)
    return {"records": rows["Contact"], "seconds": seconds, "tracemalloc_peak_mib": peak, "rows": rows,
            **{name: round(value, 2) for name, value in phases.items()}}


def step_csv_naive(options, timers):
    """Parse the first rows of the export with the same reader and save each one with update_or_create."""
    portal = bench_portal("csv")

    def run():
        count = 0
        with csv_import.open_export(options.csv) as export:
            for row in export:
                started = time.perf_counter()
                # NOTE: _contact_row is csv_service's private row builder, used so both sides write the same values.
                _save_each(Contact, portal, [csv_service._contact_row(row)])
                timers.write += time.perf_counter() - started
                count += 1
                if count == options.sample:
                    break
        return count

    count, seconds, peak = measure(run, trace=options.trace)
    return {"records": count, "seconds": seconds, "tracemalloc_peak_mib": peak, "rows": _row_counts(portal)}


def _save_each(model, portal, rows):
    for row in rows:
        defaults = {name: value for name, value in row.items() if name != "external_id"}
        defaults["client_id"] = portal.client_id
        model.objects.update_or_create(portal_id=portal.pk, external_id=row["external_id"], defaults=defaults)


def _row_counts(portal):
    return {model.__name__: model.objects.filter(portal=portal).count() for model in (Contact, PropertyChange, LifecycleChange)}


STEPS = {"api_sync": step_api_sync, "api_naive": step_api_naive, "csv_import": step_csv_import, "csv_naive": step_csv_naive}


def run_worker(options):
    """Run one step in this process and print its result as one JSON line."""
    timers = Timers().install()
    rss_before = max_rss_mib()
    result = STEPS[options.worker](options, timers)
    result.update(timers.as_dict(), max_rss_mib=max_rss_mib(), max_rss_before_step_mib=rss_before, traced=options.trace,
                  load_average_1min=round(os.getloadavg()[0], 2))
    result["rate"] = round(result["records"] / result["seconds"], 1)
    result["seconds"] = round(result["seconds"], 2)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# The orchestrating process.

def spawn_step(step, options, *, base_url="", trace=False):
    """Run one step in a child process on an empty bench tenant and return its result."""
    reset_bench_rows()
    arguments = [sys.executable, __file__, "--worker", step, "--contacts", str(options.contacts),
                 "--sample", str(options.sample), "--base-url", base_url, "--csv", str(options.csv_path)]
    if trace:
        arguments.append("--trace")
    completed = subprocess.run(arguments, cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True, check=True,
                               env={**os.environ, "LOG_LEVEL": "WARNING"})
    line = next(line for line in reversed(completed.stdout.splitlines()) if line.startswith(RESULT_PREFIX))
    result = json.loads(line[len(RESULT_PREFIX):])
    logger.info("step finished step=%s records=%s seconds=%s rate=%s trace=%s",
                step, result["records"], result["seconds"], result["rate"], trace)
    return result


def reset_bench_rows():
    """Delete the bench portals' rows, vacuum, and flush dirty pages, so each step starts on empty tables.

    Plain SQL scoped to the bench portals, not an ORM cascade, so that models added to the tree
    after this database was migrated do not break the benchmark.
    """
    with connection.cursor() as cursor:
        for table in BENCH_TABLES:
            cursor.execute(
                "DELETE FROM %s WHERE portal_id IN (SELECT portal.id FROM portals_portal portal"
                " JOIN portals_client client ON client.id = portal.client_id"
                " JOIN accounts_organization organization ON organization.id = client.organization_id"
                " WHERE organization.slug = %%s)" % table,
                [BENCH_SLUG],
            )
        for table in BENCH_TABLES:
            cursor.execute("VACUUM ANALYZE %s" % table)
        cursor.execute("CHECKPOINT")


def prepare_data(options):
    """Generate the client's HubSpot files and the N-row contact export unless they exist already."""
    client_dir = options.data_dir / CLIENT_SLUG
    manifest = client_dir / "manifest.json"
    generated = manifest.exists() and json.loads(manifest.read_text())["size"]["contacts"] == options.contacts
    if not generated:
        logger.info("generating sample data contacts=%s out=%s", options.contacts, options.data_dir)
        subprocess.run([sys.executable, "-m", "portals.sample_data", "--out", str(options.data_dir),
                        "--size", str(options.contacts), "--client", CLIENT_SLUG], cwd=PROJECT_DIR, check=True)
    if not options.csv_path.exists() or not generated:
        write_contact_export(client_dir, options.csv_path, options.contacts)
    return link_fake_data(client_dir, options.data_dir / "fake-hubspot")


def run_benchmark(options):
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL; set DATABASE_URL=postgres://... (got %s)." % connection.vendor)
    options.data_dir.mkdir(parents=True, exist_ok=True)
    options.csv_path = options.data_dir / ("hubspot-contacts-%d.csv" % options.contacts)
    started = time.monotonic()
    fake_dir = prepare_data(options)
    runs = {name: [] for name in ("api_sync", "api_naive", "csv_import", "csv_naive")}
    memory, rate_limited = {}, []

    with FakeHubSpotProcess(fake_dir) as fake:
        for _ in range(options.repeat):
            runs["api_sync"].append(spawn_step("api_sync", options, base_url=fake.base_url))
            runs["api_naive"].append(spawn_step("api_naive", options, base_url=fake.base_url))
        memory["api_sync"] = spawn_step("api_sync", options, base_url=fake.base_url, trace=True)
    for divisor in options.window_divisor:
        window = BURST_WINDOW_SECONDS / divisor
        with FakeHubSpotProcess(fake_dir, rate_limit=(BURST_REQUESTS, window)) as fake:
            result = spawn_step("api_sync", options, base_url=fake.base_url)
        rate_limited.append(_ceiling_fraction(result, divisor, window))
    for _ in range(options.repeat):
        runs["csv_import"].append(spawn_step("csv_import", options))
        runs["csv_naive"].append(spawn_step("csv_naive", options))
    memory["csv_import"] = spawn_step("csv_import", options, trace=True)
    reset_bench_rows()

    results = summarize(options, runs, memory, rate_limited)
    results["total_wall_seconds"] = round(time.monotonic() - started)
    return results


def summarize(options, runs, memory, rate_limited):
    """Medians of the repeated runs and the ratios against the naive per-record saves."""
    rate = {name: median([run["rate"] for run in values]) for name, values in runs.items()}
    write_rate = {name: median([run["records"] / run["write_seconds"] for run in values]) for name, values in runs.items()}
    documented_ceiling = BURST_REQUESTS / BURST_WINDOW_SECONDS * HISTORY_PAGE_SIZE
    return {
        "contacts": options.contacts,
        "repeat": options.repeat,
        "naive_sample": options.sample,
        "machine": machine_facts(connection),
        "median_rate": rate,
        "median_write_rate": write_rate,
        "ratio_to_naive": {
            "api_sync": round(rate["api_sync"] / rate["api_naive"], 1),
            "api_sync_writes_only": round(write_rate["api_sync"] / write_rate["api_naive"], 1),
            "csv_import": round(rate["csv_import"] / rate["csv_naive"], 1),
            "csv_import_writes_only": round(write_rate["csv_import"] / write_rate["csv_naive"], 1),
        },
        "rate_limit": {
            "documented": "%d requests per %g s" % (BURST_REQUESTS, BURST_WINDOW_SECONDS),
            "documented_ceiling_contacts_per_second": documented_ceiling,
            "unlimited_rate_over_documented_ceiling": round(rate["api_sync"] / documented_ceiling, 2),
            "runs": rate_limited,
        },
        "memory": {
            name: {key: result[key] for key in ("tracemalloc_peak_mib", "max_rss_mib", "max_rss_before_step_mib", "seconds")}
            for name, result in memory.items()
        },
        "runs": runs,
    }


def _ceiling_fraction(result, divisor, window):
    """Compare a rate-limited run with its ceiling, (requests per window / window) x contacts per page."""
    ceiling = BURST_REQUESTS / window * HISTORY_PAGE_SIZE
    return {
        "window_divisor": divisor, "applied": "%d requests per %g s" % (BURST_REQUESTS, window),
        "ceiling_contacts_per_second": ceiling, "rate": result["rate"],
        "fraction_of_ceiling": round(result["rate"] / ceiling, 3), "run": result,
    }


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, required=True, help="number of generated contacts N")
    parser.add_argument("--out", type=Path, help="JSON file for the results (default: print only)")
    parser.add_argument("--repeat", type=int, help="runs of each step (default 3 up to 100,000 contacts, else 1)")
    parser.add_argument("--sample", type=int, default=20_000,
                        help="contacts or rows saved one by one by the naive baseline (default %(default)s)")
    parser.add_argument("--window-divisor", type=float, action="append",
                        help="run the rate-limited sync once with HubSpot's 10 s window divided by this; repeatable "
                             "(default: 100 and 1, i.e. 100 requests per 0.1 s and per 10 s)")
    parser.add_argument("--data-dir", type=Path, help="directory for generated data (default /tmp/mops-bench-N)")
    parser.add_argument("--worker", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    options.window_divisor = options.window_divisor or [100.0, 1.0]
    options.repeat = options.repeat or (3 if options.contacts <= 100_000 else 1)
    options.data_dir = options.data_dir or Path("/tmp/mops-bench-%d" % options.contacts)
    return options


def main(argv=None):
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    if options.worker:
        run_worker(options)
        return 0

    results = run_benchmark(options)
    text = json.dumps(results, indent=2)
    if options.out:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
