"""Helpers of bench/sync_bench.py: machine facts, measurements, the fake HubSpot process and the export writer.

Nothing here is product code, and `make test` does not import it.
"""
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from importlib import metadata
from pathlib import Path

from portals.fakes.hubspot import DEFAULT_LIFECYCLE_STAGES
from portals.sample_data.exports import HUBSPOT_EXPORT_HEADER, LEAD_STATUS_LABELS, SOURCE_LABELS

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
FAKE_START_TIMEOUT_SECONDS = 600

STAGE_LABELS = {value: label for label, value in DEFAULT_LIFECYCLE_STAGES}
STAGE_DATE_COLUMNS = (
    ("Became a Subscriber Date", "subscriber"), ("Became a Lead Date", "lead"),
    ("Became a Marketing Qualified Lead Date", "marketingqualifiedlead"),
    ("Became a Sales Qualified Lead Date", "salesqualifiedlead"), ("Became an Opportunity Date", "opportunity"),
    ("Became a Customer Date", "customer"), ("Became an Evangelist Date", "evangelist"),
    ("Became an Other Lifecycle Date", "other"),
)


# Machine and measurements.

def machine_facts(connection):
    """Return the cores, CPU model, memory and software versions of this run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgres = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]

    return {
        "cores": os.cpu_count(),
        "cpu_model": _proc_value("/proc/cpuinfo", "model name"),
        "memory_gib": round(int(_proc_value("/proc/meminfo", "MemTotal").split()[0]) / 1024 ** 2, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "postgresql_shared_buffers": shared_buffers,
        "django": metadata.version("django"),
        "hubspot_api_client": metadata.version("hubspot-api-client"),
        "psycopg": metadata.version("psycopg"),
    }


def _proc_value(path, key):
    with open(path, encoding="utf-8") as source:
        for line in source:
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    return ""


def max_rss_mib():
    """Return the process's maximum resident set size so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(function, *, trace):
    """Call function() and return (its result, seconds, tracemalloc peak in MiB or None)."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        result = function()
    finally:
        seconds = time.perf_counter() - started
        peak = None
        if trace:
            peak = round(tracemalloc.get_traced_memory()[1] / 1024 ** 2, 1)
            tracemalloc.stop()
    return result, seconds, peak


def median(values):
    values = [value for value in values if value is not None]
    return round(statistics.median(values), 2) if values else None


# The fake HubSpot server, in its own process.

def link_fake_data(client_dir, fake_dir):
    """Lay out a data directory that serves only the contacts and owners of a generated client.

    The other objects of the connector (companies, deals, calls, meetings, forms, events) are then
    empty, so a full sync makes one request for each of them (five for the event types) and spends
    its time on contacts.
    """
    target = Path(fake_dir) / "hubspot"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("contacts.jsonl", "owners.jsonl"):
        link = target / name
        if not link.exists():
            link.symlink_to((Path(client_dir) / "hubspot" / name).resolve())
    return Path(fake_dir)


class FakeHubSpotProcess:
    """Run `python -m portals.fakes --vendor hubspot` on 127.0.0.1 in a child process.

    The fake runs in its own process so that its JSON work uses the second core, as a remote
    HubSpot would, and so that its memory is not counted in the measured process.
    """

    def __init__(self, data_dir, *, rate_limit=None):
        self.arguments = [sys.executable, "-m", "portals.fakes", "--vendor", "hubspot", "--data", str(data_dir)]
        if rate_limit:
            self.arguments += ["--rate-limit", "%d/%s" % rate_limit]
        self.process = None
        self.base_url = None

    def __enter__(self):
        environment = {**os.environ, "LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            self.arguments, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment
        )
        deadline = time.monotonic() + FAKE_START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("base_url="):
                self.base_url = line.strip().partition("=")[2]
                return self
            if not line and self.process.poll() is not None:
                break
        self.__exit__(None, None, None)
        raise RuntimeError(
            "the fake HubSpot server did not start; run this command to see its error: %s" % " ".join(self.arguments)
        )

    def __exit__(self, *exc_info):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# The HubSpot contact export.

def write_contact_export(client_dir, csv_path, rows):
    """Write a HubSpot contact export of the first `rows` contacts of contacts.jsonl.

    The columns are the generator's export headers, with HubSpot's labels for lifecycle stage, lead
    status, original source and owner, and dates as `YYYY-MM-DD HH:MM` in UTC. Unlike the generated
    export, which keeps only the contacts created in its last 365 days, every contact gets a row.
    """
    hubspot_dir = Path(client_dir) / "hubspot"
    owners = {}
    with open(hubspot_dir / "owners.jsonl", encoding="utf-8") as source:
        for line in source:
            owner = json.loads(line)
            owners[str(owner["id"])] = "%s %s" % (owner.get("firstName", ""), owner.get("lastName", ""))

    written = 0
    with open(hubspot_dir / "contacts.jsonl", encoding="utf-8") as source, \
            open(csv_path, "w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(HUBSPOT_EXPORT_HEADER)
        for line in source:
            if written == rows:
                break
            writer.writerow(_export_row(json.loads(line), owners))
            written += 1
    return written


def _export_row(record, owners):
    properties = record.get("properties") or {}

    def value(name):
        return properties.get(name) or ""

    row = {
        "Record ID": record["id"], "First Name": value("firstname"), "Last Name": value("lastname"),
        "Email": value("email"), "Phone Number": value("phone"), "Job Title": value("jobtitle"),
        "Company Name": value("company"), "Lifecycle Stage": STAGE_LABELS.get(value("lifecyclestage"), ""),
        "Lead Status": LEAD_STATUS_LABELS.get(value("hs_lead_status"), ""),
        "Contact Owner": owners.get(value("hubspot_owner_id"), ""),
        "Original Source": SOURCE_LABELS.get(value("hs_analytics_source"), ""),
        "Original Source Drill-Down 1": value("hs_analytics_source_data_1"),
        "Original Source Drill-Down 2": value("hs_analytics_source_data_2"),
        "Create Date": _export_date(value("createdate")), "Last Modified Date": _export_date(value("lastmodifieddate")),
        "Number of Employees": value("numemployees"), "Industry": value("industry"),
        "UTM Source": value("utm_source"), "UTM Medium": value("utm_medium"), "UTM Campaign": value("utm_campaign"),
        "How did you hear about us? ": value("how_did_you_hear_about_us"),
    }
    for column, stage in STAGE_DATE_COLUMNS:
        row[column] = _export_date(value("hs_lifecyclestage_%s_date" % stage))
    return [row[column] for column in HUBSPOT_EXPORT_HEADER]


def _export_date(value):
    """Turn "2025-05-31T20:58:41.000Z" into the export's "2025-05-31 20:58"."""
    return "%s %s" % (value[:10], value[11:16]) if value else ""
