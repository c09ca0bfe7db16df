"""The configured backends are the ones the run claims: CI's second run must really use
PostgreSQL and Redis (WALDUR_ARROW_TEST_BACKENDS=postgres,redis), and the broker carries messages."""

import os
import uuid

import pytest
from django.db import connection
from kombu import Exchange, Queue

from config.celery import app

CLAIMED = set(filter(None, os.environ.get("WALDUR_ARROW_TEST_BACKENDS", "").split(",")))


@pytest.mark.django_db
def test_database_backend_is_the_claimed_one():
    expected = "postgresql" if "postgres" in CLAIMED else "sqlite"
    assert connection.vendor == expected


def test_broker_backend_is_the_claimed_one():
    expected = "redis" if "redis" in CLAIMED else "filesystem"
    assert app.conf.broker_url.split(":", 1)[0] == expected


def test_broker_round_trip():
    name = f"test-{uuid.uuid4().hex}"
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name, auto_delete=True)
    with app.connection_for_write() as broker:
        with broker.Producer() as producer:
            producer.publish({"hello": "broker"}, exchange=queue.exchange, routing_key=name, declare=[queue])
        with broker.SimpleQueue(queue) as simple:
            message = simple.get(timeout=10)
            message.ack()
    assert message.payload == {"hello": "broker"}
