"""A real Celery worker process runs a task that arrives through the Redis broker."""
import os
import subprocess
import sys
import time
import uuid

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from portals.fakes import HubSpotFake
from portals.models import Portal


def _worker_env(broker_url):
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        CELERY_BROKER_URL=broker_url,
    )
    return env


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_task_from_broker(world):
    assert connection.vendor == "postgresql", "the worker test needs PostgreSQL so that two processes share the database"
    broker_url = settings.REDIS_TEST_URL
    queue = f"test-{uuid.uuid4().hex[:8]}"
    fake = HubSpotFake(records={"owners": []}).start()
    world.portal.api_base_url = fake.base_url
    world.portal.set_credentials({"access_token": HubSpotFake.DEFAULT_TOKEN})
    world.portal.save()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo", "--loglevel", "INFO"],
        env=_worker_env(broker_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        producer = Celery(broker=broker_url)
        producer.send_task(
            "portals.tasks.portal_check_connection_task",
            kwargs={"client_id": world.client.pk, "portal_id": world.portal.pk},
            queue=queue,
        )

        status = _wait_for_status(world.portal.pk, timeout=60)
    finally:
        fake.stop()
        worker.terminate()
        output = worker.communicate(timeout=30)[0]

    assert status == Portal.Status.CONNECTED, f"the worker did not run the task; its output:\n{output}"
    assert "portal_check_connection_task" in output


def _wait_for_status(portal_id, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Portal.objects.values_list("status", flat=True).get(pk=portal_id)
        if status != Portal.Status.PENDING:
            return status
        time.sleep(0.3)
    return Portal.Status.PENDING
