"""Benchmark of a full audit on PostgreSQL: every registered check over one large HubSpot snapshot.

    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/mops_auditbench \\
        .venv/bin/python bench/audit_bench.py --contacts 1000000 --trace --out bench/results/audit-1000000.json

Setup, not measured: the sample generator writes northwind-software at the requested size (kept in
--data-dir), and the HubSpot mapping functions of the connector turn its JSON Lines into snapshot rows
that PostgreSQL COPY writes (psycopg 3 `cursor.copy()`). A client whose rows were loaded before is
reused. Measured: one audit through the product's services (audit_run_create, audit_run_start,
audit_check_execute per check, audit_run_finish) in a child process, with the time, SQL time and
memory of every check. With --trace a second child repeats the audit under tracemalloc, which slows
Python code, so its times are not the reported ones. With --celery a third child starts a Celery worker
(`celery -A config worker --concurrency 2`) on --broker and times the product's path, audit_run_create
and audits.tasks.audit_run_task, until the run has succeeded. bench/AUDIT.md records the results.
"""
import argparse
import json
import logging
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.db import connection  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

from accounts.models import Organization  # noqa: E402
from audits import services  # noqa: E402
from audits.checks.base import all_checks  # noqa: E402
from audits.models import AuditRun, CheckResult  # noqa: E402
from audits.tasks import audit_run_task  # noqa: E402
from portals.connectors import hubspot_mapping as mapping  # noqa: E402
from portals.models import (  # noqa: E402
    Campaign, Client, Company, Contact, Deal, Form, LifecycleChange, Owner, Portal, PropertyChange, Touchpoint,
)
from portals.sample_data import generate  # noqa: E402
from portals.sync.spend import campaign_rows, read_spend_file  # noqa: E402

logger = logging.getLogger("bench.audit")

CLIENT_SLUG = "northwind-software"
ORGANIZATION_SLUG = "audit-bench"
LOADED_KEY = "audit_bench_loaded"
RESULT_PREFIX = "BENCH_RESULT "
# The product's goal for one full audit of a 1,000,000-contact portal on a 2-core machine.
GOAL_SECONDS = 60.0
SNAPSHOT_MODELS = (Owner, Form, Company, Contact, PropertyChange, LifecycleChange, Deal, Touchpoint, Campaign)
SLOW_QUERIES_KEPT = 3
# Celery mode: a spare Redis database by default, so that no other queue shares the broker.
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/13"
CELERY_CONCURRENCY = 2
CELERY_READY_TIMEOUT_SECONDS = 120
CELERY_RUN_TIMEOUT_SECONDS = 3600
CELERY_POLL_SECONDS = 0.1
CELERY_STOP_TIMEOUT_SECONDS = 60


# Sample data and the snapshot load (setup).

def sample_client_dir(data_dir, contacts):
    """Return the generated northwind-software directory of this size, generating it when missing."""
    root = Path(data_dir) / str(contacts)
    client_dir = root / CLIENT_SLUG
    if not (client_dir / "manifest.json").exists():
        logger.info("sample data generating contacts=%s out=%s", contacts, root)
        generate(root, contacts=contacts, clients=[CLIENT_SLUG])
    return client_dir


def bench_client(contacts, manifest):
    """Return the benchmark's client of this size with its HubSpot and CSV portals."""
    organization, _ = Organization.objects.get_or_create(slug=ORGANIZATION_SLUG, defaults={"name": "Audit benchmark"})
    profile = manifest["client"]
    client, _ = Client.objects.get_or_create(
        organization=organization,
        name="%s (audit bench, %d contacts)" % (profile["name"], contacts),
        defaults={"website_domains": profile["domains"], "industry": profile["industry"]},
    )
    for spec in manifest["portals"]:
        Portal.objects.get_or_create(client=client, vendor=spec["vendor"], account_id=spec["account_id"])
    return client


def ensure_snapshot(client, client_dir):
    """Load the client's snapshot rows unless an earlier run loaded them completely, and return the row counts."""
    hubspot = client.portals.get(vendor=Portal.Vendor.HUBSPOT)
    state = hubspot.sync_state.get(LOADED_KEY)
    if state:
        logger.info("snapshot reused client_id=%s rows=%s", client.pk, state["rows"])
        return {**state, "reused": True}

    delete_snapshot(client)
    started = time.perf_counter()
    rows = load_snapshot(client, client_dir)
    analyze_snapshot()
    state = {"rows": rows, "load_seconds": round(time.perf_counter() - started, 1)}
    hubspot.sync_state = {**hubspot.sync_state, LOADED_KEY: state}
    hubspot.save(update_fields=["sync_state"])
    logger.info("snapshot loaded client_id=%s rows=%s seconds=%s", client.pk, rows, state["load_seconds"])
    return {**state, "reused": False}


def delete_snapshot(client):
    """Delete rows that an interrupted load left behind."""
    with connection.cursor() as cursor:
        for model in SNAPSHOT_MODELS:
            cursor.execute("DELETE FROM %s WHERE client_id = %%s" % model._meta.db_table, [client.pk])


def analyze_snapshot():
    """Refresh the planner statistics, as autovacuum would some time after a sync."""
    with connection.cursor() as cursor:
        for model in SNAPSHOT_MODELS:
            cursor.execute("ANALYZE %s" % model._meta.db_table)


def load_snapshot(client, client_dir):
    """COPY every HubSpot file and the ad spend export into the snapshot tables, and return the rows per table."""
    hubspot = client.portals.get(vendor=Portal.Vendor.HUBSPOT)
    csv_portal = client.portals.get(vendor=Portal.Vendor.CSV)
    files = client_dir / "hubspot"
    writers = {}
    with ExitStack() as stack:
        def writer(model, portal=hubspot):
            if model not in writers:
                writers[model] = stack.enter_context(CopyWriter(model, client.pk, portal.pk))
            return writers[model]

        for record in read_jsonl(files / "owners.jsonl"):
            writer(Owner).write(mapping.owner_row(record, archived=bool(record.get("archived"))))
        for record in read_jsonl(files / "forms.jsonl"):
            writer(Form).write(mapping.form_row(record))
        for record in read_jsonl(files / "companies.jsonl"):
            writer(Company).write(mapping.company_row(record))
        load_contacts(read_jsonl(files / "contacts.jsonl"), writer)
        for record in read_jsonl(files / "deals.jsonl"):
            writer(Deal).write(mapping.deal_row(record))
        for name, kind in (("calls.jsonl", "call"), ("meetings.jsonl", "meeting")):
            for record in read_jsonl(files / name):
                writer(Touchpoint).write(mapping.engagement_row(record, kind))
        for record in read_jsonl(files / "events.jsonl"):
            writer(Touchpoint).write(mapping.event_row(record))

        spend_path = client_dir / "exports" / "ad_spend.csv"
        with open(spend_path, "rb") as handle:
            for row in campaign_rows(read_spend_file(handle), file_name=spend_path.name):
                writer(Campaign, csv_portal).write(row)

    return {model._meta.db_table: copy_writer.count for model, copy_writer in writers.items()}


def load_contacts(records, writer, batch_size=1000):
    """Map contacts in batches with the connector's contact_rows (contact, property history, lifecycle changes)."""
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) == batch_size:
            write_contact_batch(batch, writer)
            batch = []
    write_contact_batch(batch, writer)


def write_contact_batch(batch, writer):
    for model, rows in mapping.contact_rows(batch).items():
        for row in rows:
            writer(model).write(row)


def read_jsonl(path):
    with open(path, encoding="utf-8") as source:
        for line in source:
            yield json.loads(line)


class CopyWriter:
    """One COPY ... FROM STDIN into a model's table, on its own connection so several can be open at once.

    Fields that a row leaves out get the model field's default, as Model(**row) would.
    """

    def __init__(self, model, client_id, portal_id):
        self.fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self.fixed = {"client": client_id, "portal": portal_id, "synced_at": datetime.now(timezone.utc)}
        self.statement = "COPY %s (%s) FROM STDIN" % (
            model._meta.db_table, ", ".join(field.column for field in self.fields)
        )
        self.json_fields = {field.name for field in self.fields if field.get_internal_type() == "JSONField"}
        self.defaults = {field.name: field.get_default() for field in self.fields}
        self.count = 0

    def __enter__(self):
        self.connection = psycopg.connect(**psycopg_parameters())
        self.cursor = self.connection.cursor()
        self.copy_context = self.cursor.copy(self.statement)
        self.copy = self.copy_context.__enter__()
        return self

    def write(self, row):
        if row is None:
            return
        values = []
        for field in self.fields:
            name = field.name
            value = self.fixed[name] if name in self.fixed else row.get(name, self.defaults[name])
            values.append(Jsonb(value) if name in self.json_fields else value)
        self.copy.write_row(values)
        self.count += 1

    def __exit__(self, *exc_info):
        try:
            self.copy_context.__exit__(*exc_info)
            if exc_info[0] is None:
                self.connection.commit()
        finally:
            self.connection.close()


def psycopg_parameters():
    settings = connection.settings_dict
    parameters = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"], "port": settings["PORT"]}
    if settings["PASSWORD"]:
        parameters["password"] = settings["PASSWORD"]
    return {key: value for key, value in parameters.items() if value not in (None, "")}


# The measured audit, run in a child process.

class QueryLog:
    """Count, time and keep the slowest SQL statements that Django sends while installed.

    The time of a statement covers its execution on the server and the transfer of its result,
    because psycopg's client-side cursor fetches the whole result in execute(). Turning the rows
    into Python objects happens later and counts as Python time.
    """

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.slowest = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            self.count += 1
            self.seconds += seconds
            self.slowest.append((seconds, sql, params))
            self.slowest = sorted(self.slowest, key=lambda item: item[0], reverse=True)[:SLOW_QUERIES_KEPT]


def run_audit(client_id, *, trace, codes=None):
    """Audit the client through the services, and return the run's times, memory and per-check results."""
    client = Client.objects.get(pk=client_id)
    if trace:
        tracemalloc.start()

    started = time.perf_counter()
    audit_run = services.audit_run_create(client=client)
    queued = services.audit_run_start(audit_run=audit_run)
    setup_seconds = time.perf_counter() - started

    checks = []
    for code in queued if codes is None else [code for code in queued if code in codes]:
        checks.append(run_check(audit_run.pk, code, trace))

    finish_started = time.perf_counter()
    finished = services.audit_run_finish(audit_run_id=audit_run.pk)
    finish_seconds = time.perf_counter() - finish_started
    total_seconds = time.perf_counter() - started

    peak_mib = None
    if trace:
        # Each check resets the peak, so the run's peak is the largest of the checks' and the finish step's.
        peak_mib = max([mib(tracemalloc.get_traced_memory()[1])] + [entry["tracemalloc_peak_mib"] for entry in checks])
        tracemalloc.stop()
    store_results(audit_run.pk, checks)
    return {
        "audit_run_id": audit_run.pk,
        "traced": trace,
        "checks_run": len(checks),
        "total_seconds": round(total_seconds, 2),
        "setup_seconds": round(setup_seconds, 3),
        "finish_seconds": round(finish_seconds, 3),
        "health_score": finished.health_score,
        "tracemalloc_peak_mib": peak_mib,
        "max_rss_mib": max_rss_mib(),
        "checks": checks,
    }


def run_check(audit_run_id, code, trace):
    queries = QueryLog()
    if trace:
        tracemalloc.reset_peak()
    started = time.perf_counter()
    with connection.execute_wrapper(queries):
        services.audit_check_execute(audit_run_id=audit_run_id, check_code=code)
    seconds = time.perf_counter() - started

    return {
        "code": code,
        "seconds": round(seconds, 3),
        "sql_seconds": round(queries.seconds, 3),
        "queries": queries.count,
        "max_rss_mib_after": max_rss_mib(),
        "tracemalloc_peak_mib": mib(tracemalloc.get_traced_memory()[1]) if trace else None,
        "slowest_queries": [
            {"seconds": round(query_seconds, 3), "sql": sql, "params": printable_params(params), "_params": params}
            for query_seconds, sql, params in queries.slowest
        ],
    }


def store_results(audit_run_id, checks):
    """Add each check's stored status, findings count and run time (check.run alone) to its entry."""
    results = {result.check_code: result for result in CheckResult.objects.filter(audit_run_id=audit_run_id)}
    run = AuditRun.objects.get(pk=audit_run_id)
    findings = {code: run.findings.filter(check_code=code).count() for code in results}
    for entry in checks:
        result = results.get(entry["code"])
        entry["status"] = result.status if result else "missing"
        entry["message"] = result.message[:300] if result else ""
        entry["run_ms"] = result.duration_ms if result else None
        entry["findings"] = findings.get(entry["code"], 0)


def printable_params(params):
    """Return statement parameters as JSON values: a dict for named parameters, a list otherwise."""
    def printable(value):
        return [printable(item) for item in value] if isinstance(value, (list, tuple)) else str(value)

    if isinstance(params, dict):
        return {name: printable(value) for name, value in params.items()}
    return [printable(value) for value in params or ()]


def explain(sql, params):
    """Return EXPLAIN (ANALYZE, BUFFERS) of a SELECT statement, which runs the statement once more."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def duplicate_block_stats(client_id):
    """Count the record pairs that the duplicate checks compare, with the block rules of audits.dedupe.

    NOTE: this calls the private helpers _person, _blocks and _Merger._fit_block of audits.dedupe, so
    that the counts follow the product's own blocking. It compares no pair.
    """
    from audits.dedupe import CompanyRow, ContactRow, _blocks, _Merger, _person
    from audits.normalize import normalize_company_name

    contacts = [ContactRow(*values) for values in Contact.objects.filter(client_id=client_id).values_list(
        "portal_id", "external_id", "email", "first_name", "last_name", "company_name", "phone", "created_at")]
    people = [_person(row) for row in contacts]
    companies = [CompanyRow(*values) for values in Company.objects.filter(client_id=client_id).values_list(
        "portal_id", "external_id", "name", "domain", "created_at")]
    names = [normalize_company_name(row.name) for row in companies]

    return {
        "contacts": len(contacts),
        "contact_name_blocks": block_counts(
            _blocks(contacts, people, lambda person: person["name_block"]), _Merger(len(contacts)),
            lambda index: people[index]["company"][:3],
        ),
        "contact_phone_blocks": block_counts(
            _blocks(contacts, people, lambda person: person["phone"]), _Merger(len(contacts)),
            lambda index: people[index]["last"],
        ),
        "companies": len(companies),
        "company_name_blocks": block_counts(
            _blocks(companies, names, lambda name: name.replace(" ", "")[:3]), _Merger(len(companies)), None,
        ),
    }


def block_counts(blocks, merger, split_key):
    """Pairs compared in these blocks, and the blocks and records that _Merger skips as too large."""
    from audits.dedupe import MAX_BLOCK_SIZE

    parts = [part for block in blocks for part in merger._fit_block(block, split_key)]
    skipped_records = 0
    for block in blocks:
        if len(block) <= MAX_BLOCK_SIZE:
            continue
        if split_key is None:
            skipped_records += len(block)
            continue
        sizes = {}
        for index in block:
            sizes[split_key(index)] = sizes.get(split_key(index), 0) + 1
        skipped_records += sum(size for size in sizes.values() if size > MAX_BLOCK_SIZE)
    return {
        "blocks": len(blocks),
        "largest_block": max(map(len, blocks), default=0),
        "compared_parts": len(parts),
        "pairs_compared": sum(len(part) * (len(part) - 1) // 2 for part in parts),
        "skipped_blocks": merger.skipped_blocks,
        "records_in_skipped_blocks": skipped_records,
    }


def mib(size_bytes):
    return round(size_bytes / 1024 ** 2, 1)


def max_rss_mib():
    """Return the process's maximum resident set size so far in MiB (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def selected_codes(arguments):
    """Return the set of check codes to run, or None for all of them."""
    if not (arguments.checks or arguments.exclude):
        return None
    codes = set(arguments.checks.split(",")) if arguments.checks else set(all_checks())
    return codes - set((arguments.exclude or "").split(","))


def worker(arguments):
    if arguments.worker == "celery":
        log_path = Path(arguments.data_dir) / "celery-worker.log"
        result = run_celery_audit(arguments.client_id, arguments.concurrency, log_path)
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return
    codes = selected_codes(arguments)
    result = run_audit(arguments.client_id, trace=arguments.worker == "traced", codes=codes)
    if arguments.explain_over is not None:
        for entry in result["checks"]:
            slowest = entry["slowest_queries"][0] if entry["slowest_queries"] else None
            if entry["seconds"] >= arguments.explain_over and slowest and is_read_statement(slowest["sql"]):
                entry["explain"] = explain(slowest["sql"], slowest["_params"])
    for entry in result["checks"]:
        for query in entry["slowest_queries"]:
            del query["_params"]
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# The audit as the product runs it: audits.tasks on a Celery worker process.

def check_broker(broker_url):
    """Raise SystemExit with the fix when the broker does not accept a connection within a few seconds."""
    from kombu import Connection

    try:
        with Connection(broker_url, connect_timeout=3) as broker:
            broker.ensure_connection(max_retries=1)
    except Exception as error:  # noqa: BLE001 - kombu raises transport-specific errors; all mean unreachable
        raise SystemExit(
            f"The Celery broker {broker_url} is unreachable ({error.__class__.__name__}: {error}). Start Redis "
            "(redis-server) or RabbitMQ on 127.0.0.1, or pass another broker with --broker URL."
        ) from error


def start_celery_worker(hostname, log_path, concurrency):
    """Start `celery -A config worker` with this process's environment (DATABASE_URL, CELERY_BROKER_URL)."""
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or shutil.which("celery")
    if celery is None:
        raise SystemExit("The celery command was not found next to %s or on PATH; install requirements.txt." % sys.executable)
    command = [celery, "-A", "config", "worker", "--concurrency", str(concurrency), "--hostname", hostname,
               "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - the worker writes to it until stop_celery_worker
    logger.info("starting celery worker hostname=%s log=%s", hostname, log_path)
    return subprocess.Popen(command, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT), log


def wait_for_worker(app, hostname, process):
    deadline = time.monotonic() + CELERY_READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the celery worker exited with code {process.returncode} before it was ready")
        if app.control.ping(destination=[hostname], timeout=1.0):
            return
    raise RuntimeError(f"the celery worker {hostname} did not respond to a ping within {CELERY_READY_TIMEOUT_SECONDS} s")


def stop_celery_worker(process, log):
    """Stop the worker with SIGTERM (warm shutdown), and with SIGKILL if it has not exited in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=CELERY_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning("celery worker pid=%s ignored SIGTERM, killing it", process.pid)
            process.kill()
            process.wait()
    log.close()


def run_celery_audit(client_id, concurrency, log_path):
    """Time one audit from audit_run_create to SUCCEEDED with the checks on a Celery worker of `concurrency` processes."""
    from config.celery import app

    if app.conf.task_always_eager:
        raise SystemExit("CELERY_BROKER_URL is not set, so tasks would run in this process instead of a worker.")
    app.control.purge()
    hostname = f"auditbench-{os.getpid()}@{socket.gethostname()}"
    process, log = start_celery_worker(hostname, log_path, concurrency)
    try:
        wait_for_worker(app, hostname, process)
        return queue_and_wait(client_id, process) | {"concurrency": concurrency, "worker_log": str(log_path)}
    finally:
        stop_celery_worker(process, log)


def queue_and_wait(client_id, process):
    """Create the run and queue audit_run_task as the product's views do, then poll until the run has finished."""
    client = Client.objects.get(pk=client_id)
    started = time.perf_counter()
    audit_run = services.audit_run_create(client=client)
    audit_run_task.delay(client_id=client.pk, audit_run_id=audit_run.pk)

    finished_after = {}
    deadline = time.monotonic() + CELERY_RUN_TIMEOUT_SECONDS
    while True:
        elapsed = time.perf_counter() - started
        for code in CheckResult.objects.filter(audit_run_id=audit_run.pk).values_list("check_code", flat=True):
            finished_after.setdefault(code, round(elapsed, 2))
        status = AuditRun.objects.filter(pk=audit_run.pk).values_list("status", flat=True).get()
        if status in (AuditRun.Status.SUCCEEDED, AuditRun.Status.FAILED):
            break
        if process.poll() is not None:
            raise RuntimeError(f"the celery worker exited with code {process.returncode} during audit run {audit_run.pk}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"audit run {audit_run.pk} was still {status} after {CELERY_RUN_TIMEOUT_SECONDS} s")
        time.sleep(CELERY_POLL_SECONDS)
    total_seconds = time.perf_counter() - started

    run = AuditRun.objects.get(pk=audit_run.pk)
    checks = [{"code": code, "finished_after_seconds": seconds} for code, seconds in finished_after.items()]
    store_results(run.pk, checks)
    checks.sort(key=lambda entry: entry["finished_after_seconds"])
    return {
        "audit_run_id": run.pk,
        "status": run.status,
        "total_seconds": round(total_seconds, 2),
        "poll_interval_seconds": CELERY_POLL_SECONDS,
        "run_created_to_finished_seconds": round((run.finished_at - run.created_at).total_seconds(), 2) if run.finished_at else None,
        "health_score": run.health_score,
        "checks_run": len(checks),
        "checks": checks,
    }


def celery_worker_environment(broker_url):
    environment = dict(os.environ, CELERY_BROKER_URL=broker_url)
    environment.pop("CELERY_RESULT_BACKEND", None)
    environment["DATABASE_URL"] = os.environ.get("DATABASE_URL") or database_url()
    return environment


def database_url():
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def is_read_statement(sql):
    """True for a SELECT, or a WITH whose statements are all reads (no INSERT, UPDATE or DELETE)."""
    text = sql.lstrip().upper()
    if text.startswith("SELECT"):
        return True
    return text.startswith("WITH") and not any(word in text for word in ("INSERT ", "UPDATE ", "DELETE "))


def run_worker(mode, client_id, arguments):
    """Run the audit in a child process so that its ru_maxrss and tracemalloc peak cover the audit only."""
    command = [sys.executable, __file__, "--worker", mode, "--client-id", str(client_id)]
    environment = None
    if mode == "celery":
        command += ["--concurrency", str(arguments.concurrency), "--data-dir", arguments.data_dir]
        environment = celery_worker_environment(arguments.broker)
    if arguments.checks:
        command += ["--checks", arguments.checks]
    if arguments.exclude:
        command += ["--exclude", arguments.exclude]
    if arguments.explain_over is not None and mode == "timed":
        command += ["--explain-over", str(arguments.explain_over)]
    completed = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, env=environment)
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    sys.stderr.write(completed.stderr[-5000:])
    raise RuntimeError("the audit worker failed with exit code %s: %s" % (completed.returncode, " ".join(command)))


# Report.

def machine_facts():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgres = cursor.fetchone()[0].split(" on ")[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather", "jit"):
            cursor.execute("SHOW %s" % name)
            settings[name] = cursor.fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "cpu_model": proc_value("/proc/cpuinfo", "model name"),
        "memory_gib": round(int(proc_value("/proc/meminfo", "MemTotal").split()[0]) / 1024 ** 2, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "postgresql": postgres,
        "postgresql_settings": settings,
    }


def proc_value(path, key):
    with open(path, encoding="utf-8") as source:
        for line in source:
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    return ""


def print_summary(report):
    timed = report["timed"]
    goal = "met" if timed["total_seconds"] < GOAL_SECONDS else "not met"
    if timed["checks_run"] < len(report["checks_registered"]):
        goal = "not_applicable_to_a_subset_of_checks"
    print("contacts=%s audit_seconds=%s goal_%ss=%s checks=%s max_rss_mib=%s tracemalloc_peak_mib=%s" % (
        report["contacts"], timed["total_seconds"], int(GOAL_SECONDS), goal, timed["checks_run"], timed["max_rss_mib"],
        (report.get("traced") or {}).get("tracemalloc_peak_mib"),
    ))
    traced_checks = {entry["code"]: entry for entry in (report.get("traced") or {}).get("checks", [])}
    print("%-45s %9s %9s %7s %-8s %8s %10s" % ("check", "seconds", "sql_s", "queries", "status", "findings", "peak_mib"))
    for entry in sorted(timed["checks"], key=lambda item: item["seconds"], reverse=True):
        peak = traced_checks.get(entry["code"], {}).get("tracemalloc_peak_mib")
        print("%-45s %9.2f %9.2f %7d %-8s %8d %10s" % (
            entry["code"], entry["seconds"], entry["sql_seconds"], entry["queries"], entry["status"], entry["findings"], peak,
        ))
    if report.get("celery"):
        print_celery_summary(report["celery"])


def print_celery_summary(celery):
    goal = "met" if celery["total_seconds"] < GOAL_SECONDS else "not met"
    print("celery: audit_seconds=%s goal_%ss=%s status=%s checks=%s concurrency=%s" % (
        celery["total_seconds"], int(GOAL_SECONDS), goal, celery["status"], celery["checks_run"], celery["concurrency"],
    ))
    print("%-45s %12s %9s %-8s %8s" % ("check", "finished_s", "run_s", "status", "findings"))
    for entry in celery["checks"]:
        print("%-45s %12.2f %9.2f %-8s %8d" % (
            entry["code"], entry["finished_after_seconds"], (entry["run_ms"] or 0) / 1000, entry["status"], entry["findings"],
        ))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time a full audit of a large HubSpot snapshot on PostgreSQL.")
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts of the generated client (default %(default)s)")
    parser.add_argument("--data-dir", default=str(PROJECT_DIR / "var" / "bench" / "audit"),
                        help="directory that keeps the generated sample data, one folder per size")
    parser.add_argument("--trace", action="store_true", help="also run the audit once under tracemalloc for its memory peak")
    parser.add_argument("--checks", help="comma-separated check codes to run instead of all")
    parser.add_argument("--exclude", help="comma-separated check codes to leave out")
    parser.add_argument("--explain-over", type=float,
                        help="EXPLAIN ANALYZE the slowest query of each check that took at least this many seconds")
    parser.add_argument("--load-only", action="store_true", help="generate and load the snapshot, then stop")
    parser.add_argument("--block-stats", action="store_true",
                        help="print the pairs that the duplicate checks compare on the loaded snapshot, then stop")
    parser.add_argument("--celery", action="store_true",
                        help="also time the audit as the product runs it: audits.tasks on a Celery worker process "
                             "started by this script, from audit_run_create to the run's SUCCEEDED status")
    parser.add_argument("--broker", default=DEFAULT_BROKER_URL,
                        help="Celery broker URL for --celery, Redis or RabbitMQ (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=CELERY_CONCURRENCY,
                        help="worker processes of the Celery worker for --celery (default %(default)s)")
    parser.add_argument("--out", help="write the full report as JSON to this file")
    parser.add_argument("--worker", choices=("timed", "traced", "celery"), help=argparse.SUPPRESS)
    parser.add_argument("--client-id", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING if arguments.worker else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if arguments.worker:
        worker(arguments)
        return 0

    client_dir = sample_client_dir(arguments.data_dir, arguments.contacts)
    manifest = json.loads((client_dir / "manifest.json").read_text())
    client = bench_client(arguments.contacts, manifest)
    snapshot = ensure_snapshot(client, client_dir)
    if arguments.load_only:
        print("client_id=%s snapshot=%s" % (client.pk, json.dumps(snapshot)))
        return 0
    if arguments.block_stats:
        print(json.dumps(duplicate_block_stats(client.pk), indent=1))
        return 0

    report = {
        "contacts": arguments.contacts,
        "generated_size": manifest["size"],
        "snapshot": snapshot,
        "checks_registered": sorted(all_checks()),
        "machine": machine_facts(),
        "goal_seconds": GOAL_SECONDS,
    }
    if arguments.celery:
        if arguments.checks or arguments.exclude:
            raise SystemExit("--celery runs every check, as the product does; leave out --checks and --exclude.")
        check_broker(arguments.broker)
    report["timed"] = run_worker("timed", client.pk, arguments)
    if arguments.trace:
        report["traced"] = run_worker("traced", client.pk, arguments)
    if arguments.celery:
        report["celery"] = run_worker("celery", client.pk, arguments)

    print_summary(report)
    if arguments.out:
        Path(arguments.out).parent.mkdir(parents=True, exist_ok=True)
        Path(arguments.out).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
