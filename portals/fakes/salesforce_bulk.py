"""Bulk API 2.0 query jobs for the fake Salesforce org.

The fake runs the query when the job is created, reports UploadComplete in the create
response and JobComplete from then on. Results come back as CSV with every value quoted,
paged by maxRecords, with the Sforce-Locator and Sforce-NumberOfRecords headers that
simple-salesforce's bulk2 client reads. A locator is the base64 text of the next offset.
"""

import base64
import binascii
import csv
import datetime
import io
import json
import threading
import uuid

from .server import Response

DEFAULT_MAX_RECORDS = 50_000
COLUMN_DELIMITERS = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


def encode_locator(offset):
    return base64.b64encode(str(offset).encode("ascii")).decode("ascii").rstrip("=")


def decode_locator(locator):
    padded = locator + "=" * (-len(locator) % 4)
    return int(base64.b64decode(padded).decode("ascii"))


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class BulkQueryMixin:
    """Bulk API 2.0 query routes. The host class provides run_soql, object_store, shape_record and api_error."""

    def _init_bulk(self):
        self._bulk_jobs = {}
        self._bulk_lock = threading.Lock()

    def add_bulk_routes(self, data_prefix):
        jobs = data_prefix + r"/jobs/query"
        self.add_route("POST", jobs, self.create_query_job)
        self.add_route("GET", jobs + r"/(?P<job_id>\w+)", self.read_query_job)
        self.add_route("DELETE", jobs + r"/(?P<job_id>\w+)", self.delete_query_job)
        self.add_route("GET", jobs + r"/(?P<job_id>\w+)/results", self.read_query_results)

    def bulk_job_count(self):
        with self._bulk_lock:
            return len(self._bulk_jobs)

    def create_query_job(self, request, version):
        body = request.json()
        if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
            raise self.api_error(400, "INVALIDJOB", "operation must be query or queryAll")
        delimiter = body.get("columnDelimiter", "COMMA")
        line_ending = body.get("lineEnding", "LF")
        if delimiter not in COLUMN_DELIMITERS or line_ending not in LINE_ENDINGS:
            raise self.api_error(400, "INVALIDJOB", "invalid columnDelimiter or lineEnding")

        include_deleted = body["operation"] == "queryAll"
        object_name, query, positions = self.run_soql(body.get("query") or "", include_deleted)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        job_id = "750FAKE" + uuid.uuid4().hex[:11].upper()
        info = {
            "id": job_id, "operation": body["operation"], "object": object_name,
            "createdById": "005FAKE000000001AAA", "createdDate": now, "systemModstamp": now,
            "state": "UploadComplete", "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(version), "lineEnding": line_ending, "columnDelimiter": delimiter,
        }
        with self._bulk_lock:
            self._bulk_jobs[job_id] = {"info": info, "fields": query.fields, "positions": positions,
                                       "version": version}
        return Response.json(200, info)

    def _job(self, job_id):
        with self._bulk_lock:
            job = self._bulk_jobs.get(job_id)
        if job is None:
            raise self.api_error(404, "NOT_FOUND", "job %s not found" % job_id)
        return job

    def read_query_job(self, request, version, job_id):
        job = self._job(job_id)
        info = dict(job["info"], state="JobComplete", numberRecordsProcessed=len(job["positions"]),
                    retries=0, totalProcessingTime=0)
        return Response.json(200, info)

    def delete_query_job(self, request, version, job_id):
        self._job(job_id)
        with self._bulk_lock:
            self._bulk_jobs.pop(job_id, None)
        return Response(204, b"")

    def read_query_results(self, request, version, job_id):
        job = self._job(job_id)
        try:
            offset = decode_locator(request.param("locator")) if request.param("locator") else 0
            max_records = int(request.param("maxRecords") or DEFAULT_MAX_RECORDS)
        except (ValueError, binascii.Error):
            raise self.api_error(400, "INVALID_LOCATOR", "invalid locator or maxRecords")

        info = job["info"]
        object_name, store = self.object_store(info["object"])
        positions = job["positions"]
        end = min(offset + max_records, len(positions))

        output = io.StringIO()
        writer = csv.writer(output, delimiter=COLUMN_DELIMITERS[info["columnDelimiter"]],
                            lineterminator=LINE_ENDINGS[info["lineEnding"]], quoting=csv.QUOTE_ALL)
        fields = job["fields"]
        rows = [self.shape_record(object_name, store.get(position), fields, version)
                for position in positions[offset:end]]
        header = [key for key in (rows[0] if rows else {}) if key != "attributes"] or fields
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_value(row.get(key)) for key in header])

        headers = {
            "Sforce-Locator": encode_locator(end) if end < len(positions) else "null",
            "Sforce-NumberOfRecords": end - offset,
        }
        return Response(200, output.getvalue().encode("utf-8"), "text/csv", headers)
