"""Webhook targets: Standard Webhooks signatures, retry schedule, failure classification, timeouts."""

import base64
import json
import os
import time

import pytest
from standardwebhooks import Webhook

from support import free_port, wait_until

# Time allowed on top of a backoff ceiling for the failed exchange, the worker's wake-up and the next request.
SLACK = 0.5


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def webhook_target(url, secret, target_id="hook", headers=None, **extra):
    parameters = {"webhook-secret": secret, **(headers or {})}
    return {"Id": target_id, "Arn": url, "HttpParameters": {"HeaderParameters": parameters}, **extra}


def ceiling(retry, base_ms, max_ms=300_000):
    """Full jitter: the wait before retry `retry` (0-based) is at most min(max, base × 2ⁿ), in seconds."""
    return min(max_ms, base_ms * 2**retry) / 1000


def assert_quiet(receiver, count, seconds):
    """Observes the receiver for `seconds` and fails as soon as it gets more than `count` requests."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert len(receiver.received()) == count, f"unexpected extra attempt: {receiver.received()[count:]}"
        time.sleep(0.05)


def test_500_twice_then_200_delivers_once_signed_on_the_backoff_schedule(start_pushbridge, receivers):
    base_ms = 200
    receiver = receivers(statuses=[500, 500], then=200)
    secret = new_secret()
    server = start_pushbridge("--no-default-rule", "--retry-base-delay-ms", str(base_ms))
    server.route("webhook-retry", "it.webhook", [webhook_target(receiver.url, secret, headers={"X-Api-Key": "k-123"})])
    listed = server.events.list_targets_by_rule(Rule="webhook-retry")
    assert secret not in json.dumps(listed), "ListTargetsByRule echoed the webhook secret"

    detail = {"entityId": "e-1", "message": "ünïcode & \"quotes\"", "n": 12345678901234}
    event_id = server.put_event("it.webhook", "Entity Updated", detail)
    attempts = receiver.wait_for(3, timeout=15)
    assert_quiet(receiver, 3, seconds=1.0)  # the 200 ended it: no fourth attempt

    assert [a.status for a in attempts] == [500, 500, 200]
    assert len({a.headers["webhook-id"] for a in attempts}) == 1, "webhook-id changed across retries"
    final = attempts[-1]
    payload = Webhook(secret).verify(final.body, final.headers)
    assert payload["id"] == event_id
    assert (payload["source"], payload["detail-type"], payload["detail"]) == ("it.webhook", "Entity Updated", detail)
    assert final.headers["content-type"].startswith("application/json")
    assert final.headers["x-api-key"] == "k-123", "HeaderParameters were not sent"
    assert "webhook-secret" not in final.headers and secret not in json.dumps(final.headers), "the secret was sent"

    gaps = [later.at - earlier.at for earlier, later in zip(attempts, attempts[1:])]
    for retry, gap in enumerate(gaps):
        assert gap <= ceiling(retry, base_ms) + SLACK, f"gap before retry {retry} was {gap:.3f}s: {gaps}"
    assert sum(gaps) <= ceiling(0, base_ms) + ceiling(1, base_ms) + 2 * SLACK, gaps


def dead_letters(server, event_id):
    """The admin API's DLQ entries (with their details) for one event."""
    listed = server.admin("GET", "/admin/dlq")["deadLetters"]
    return [server.admin("GET", f"/admin/dlq/{entry['id']}") for entry in listed if entry["eventId"] == event_id]


def test_400_is_not_retried_and_dead_letters_with_invalid_parameter(start_pushbridge, receivers, admin_args):
    receiver = receivers(then=400, body=b"schema mismatch: entityId")
    server = start_pushbridge("--no-default-rule", "--retry-base-delay-ms", "200", *(admin_args or []))
    server.route("webhook-400", "it.webhook", [webhook_target(receiver.url, new_secret())])

    event_id = server.put_event("it.webhook", "Entity Updated", {"entityId": "e-400"})
    record = server.wait_for_record("Event dead-lettered", f"pb.event.id={event_id}", timeout=15)
    assert_quiet(receiver, 1, seconds=1.5)  # retry 0 would come within 200 ms

    assert record["level"] == "warning", record
    assert "pb.error=INVALID_PARAMETER" in record["metadata"], record
    assert "HTTP 400" in record["metadata"] and "schema mismatch: entityId" in record["metadata"], record
    assert "pb.retries=0" in record["metadata"], record
    if admin_args:
        [entry] = dead_letters(server, event_id)
        attributes = entry["attributes"]
        assert attributes["ERROR_CODE"] == "INVALID_PARAMETER", entry
        assert "HTTP 400" in attributes["ERROR_MESSAGE"] and "schema mismatch: entityId" in attributes["ERROR_MESSAGE"], entry
        assert attributes["RETRY_ATTEMPTS"] == "0" and "EXHAUSTED_RETRY_CONDITION" not in attributes, entry
        assert attributes["TARGET_ARN"] == receiver.url, entry


def test_redrive_after_the_receiver_recovers_delivers_the_event(start_pushbridge, receivers, admin_args):
    if not admin_args:
        pytest.skip("this pushbridge build has no admin API (serve --admin-token)")
    receiver = receivers(then=400)
    secret = new_secret()
    server = start_pushbridge("--no-default-rule", *admin_args)
    server.route("webhook-redrive", "it.webhook", [webhook_target(receiver.url, secret)])
    detail = {"entityId": "e-redrive"}
    event_id = server.put_event("it.webhook", "Entity Updated", detail)
    [entry] = wait_until(lambda: dead_letters(server, event_id), 15, interval=0.2, message="the dead letter")

    receiver.then = 200  # the receiver is fixed
    reply = server.admin("POST", "/admin/dlq/redrive", {"id": entry["id"]})
    assert (reply["redriven"], reply["failed"]) == (1, 0), reply
    attempts = receiver.wait_for(2, timeout=15)

    assert [a.status for a in attempts] == [400, 200]
    payload = Webhook(secret).verify(attempts[1].body, attempts[1].headers)
    assert (payload["id"], payload["detail"]) == (event_id, detail)
    assert dead_letters(server, event_id) == [], "a redriven and delivered event is still in the DLQ"


def test_a_receiver_that_never_answers_times_out_and_is_retried(start_pushbridge, receivers):
    base_ms = 200
    receiver = receivers("silent")
    server = start_pushbridge("--no-default-rule", "--outbound-timeout", "1", "--retry-base-delay-ms", str(base_ms))
    server.route("webhook-silent", "it.webhook", [webhook_target(receiver.url, new_secret())])

    event_id = server.put_event("it.webhook", "Entity Updated", {"entityId": "e-silent"})
    attempts = receiver.wait_for(2, timeout=10)

    assert attempts[0].headers["webhook-id"] == attempts[1].headers["webhook-id"]
    gap = attempts[1].at - attempts[0].at
    assert 0.9 <= gap <= 1.0 + ceiling(0, base_ms) + SLACK, f"second attempt {gap:.3f}s after the first"
    server.wait_for_record("Delivery failed, retry scheduled", f"pb.event.id={event_id}", "pb.error=TIMEOUT", timeout=5)


def test_429_with_retry_after_waits_at_least_that_long(start_pushbridge, receivers):
    receiver = receivers(statuses=[(429, {"Retry-After": "1"})], then=200)
    server = start_pushbridge("--no-default-rule", "--retry-base-delay-ms", "100")
    server.route("webhook-429", "it.webhook", [webhook_target(receiver.url, new_secret())])

    server.put_event("it.webhook", "Entity Updated", {"entityId": "e-429"})
    first, second = receiver.wait_for(2, timeout=10)

    assert second.status == 200
    assert second.at - first.at >= 0.95, f"retried {second.at - first.at:.3f}s after a 429 with Retry-After: 1"


def test_connection_failures_exhaust_the_retry_policy_into_the_dlq(start_pushbridge):
    closed = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    server = start_pushbridge("--no-default-rule", "--retry-base-delay-ms", "100")
    server.route("webhook-down", "it.webhook", [webhook_target(closed, new_secret(), RetryPolicy={"MaximumRetryAttempts": 2})])

    event_id = server.put_event("it.webhook", "Entity Updated", {"entityId": "e-down"})
    record = server.wait_for_record("Event dead-lettered", f"pb.event.id={event_id}", timeout=15)

    assert "pb.error=CONNECTION_FAILURE" in record["metadata"], record
    assert "pb.retries=2" in record["metadata"], record
    assert len(server.records("Delivery failed, retry scheduled", f"pb.event.id={event_id}")) == 2


def test_a_silent_target_does_not_delay_another_target_of_the_same_rule(start_pushbridge, receivers):
    silent, healthy = receivers("silent"), receivers(then=200)
    server = start_pushbridge("--no-default-rule", "--outbound-timeout", "10")
    server.route(
        "two-targets",
        "it.webhook",
        [webhook_target(silent.url, new_secret(), target_id="slow"), webhook_target(healthy.url, new_secret(), target_id="fast")],
    )

    for n in range(3):
        server.put_event("it.webhook", "Entity Updated", {"entityId": f"e-{n}"})
    silent.wait_for(1, timeout=5)
    healthy.wait_for(3, timeout=3)  # well before the silent target's 10 s timeout


def test_shutdown_attempts_a_retry_that_falls_due_within_the_grace_period(start_pushbridge, receivers):
    receiver = receivers(statuses=[(503, {"Retry-After": "2"})], then=200)
    server = start_pushbridge("--no-default-rule", "--retry-base-delay-ms", "100", "--shutdown-grace", "10")
    server.route("webhook-drain", "it.webhook", [webhook_target(receiver.url, new_secret())])

    server.put_event("it.webhook", "Entity Updated", {"entityId": "e-drain"})
    receiver.wait_for(1, timeout=10)
    server.terminate()  # the retry is waiting, due in about 2 s: well inside the 10 s grace
    first, second = receiver.wait_for(2, timeout=10)
    assert second.status == 200, "the retry due inside the grace period was dropped at shutdown"
    wait_until(lambda: not server.alive(), timeout=10, message="the server to exit after the drain")
    assert "Drained: no message left in any queue" in server.log_text()


def test_shutdown_reports_a_retry_due_after_the_grace_period(start_pushbridge, receivers):
    receiver = receivers(statuses=[(503, {"Retry-After": "60"})], then=200)
    server = start_pushbridge("--no-default-rule", "--retry-base-delay-ms", "100", "--shutdown-grace", "1")
    server.route("webhook-late", "it.webhook", [webhook_target(receiver.url, new_secret())])

    server.put_event("it.webhook", "Entity Updated", {"entityId": "e-late"})
    receiver.wait_for(1, timeout=10)
    started = time.monotonic()
    server.terminate()
    wait_until(lambda: not server.alive(), timeout=10, message="the server to exit")
    assert time.monotonic() - started < 8, "a retry due long after the grace period held the shutdown"
    assert "Still queued at shutdown" in server.log_text()
    assert len(receiver.received()) == 1


def test_a_webhook_that_resolves_to_a_denied_address_is_dead_lettered_without_a_request(start_pushbridge, receivers):
    receiver = receivers(then=200)
    server = start_pushbridge("--no-default-rule", "--outbound-deny", "127.0.0.0/8")
    server.route("webhook-denied", "it.webhook", [webhook_target(receiver.url.replace("127.0.0.1", "localhost"), new_secret())])

    event_id = server.put_event("it.webhook", "Entity Updated", {"entityId": "e-denied"})
    record = server.wait_for_record("Event dead-lettered", f"pb.event.id={event_id}", timeout=10)
    assert "pb.error=NO_PERMISSIONS" in record["metadata"], record
    assert "outbound policy" in record["metadata"], record
    assert receiver.received() == []
