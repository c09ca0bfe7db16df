"""The configured Celery broker (embedded filesystem by default, Redis in CI) carries messages."""

import uuid

from kombu import Exchange, Queue

from config.celery import app


def test_broker_round_trip():
    name = f"test-{uuid.uuid4().hex}"
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name, auto_delete=True)
    with app.connection_for_write() as connection:
        with connection.Producer() as producer:
            producer.publish({"hello": "broker"}, exchange=queue.exchange, routing_key=name, declare=[queue])
        with connection.SimpleQueue(queue) as simple:
            message = simple.get(timeout=10)
            message.ack()
    assert message.payload == {"hello": "broker"}
