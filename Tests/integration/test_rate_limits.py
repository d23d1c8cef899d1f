"""Rate limits with real clients: new WebSocket connections across the server (--max-connect-rate), frames per
socket (--max-frames-per-second), and PutEvents entries per access key (--put-events-rate), each refused in the
shape API Gateway or EventBridge uses, and counted in /metrics."""

import contextlib
import json
import os
import time
import urllib.request

import boto3
import pytest
import websockets.exceptions
from botocore.config import Config
from websockets.sync.client import connect

from support import REGION, wait_until

PROFILES = {
    "flooder": ("AKIDFLOODEREXAMPLE", "flooder/secret+EXAMPLEKEY"),
    "neighbour": ("AKIDNEIGHBOUREXAMPLE", "neighbour/secret+EXAMPLEKEY"),
}


def rate_limited(server):
    """pushbridge_rate_limited_total by its limit label, from /metrics."""
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    counts = {}
    for line in text.splitlines():
        if line.startswith("pushbridge_rate_limited_total{"):
            labels, value = line.rsplit(" ", 1)
            counts[labels.split('limit="')[1].split('"')[0]] = float(value)
    return counts


def events_client(server, key_id, secret):
    return boto3.client(
        "events",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10),
    )


def entries(prefix, count):
    return [{"Source": "it.rate", "DetailType": "Entity Updated", "Detail": json.dumps({"entityId": f"{prefix}-{n}"})} for n in range(count)]


def test_a_connect_flood_over_the_server_rate_gets_429_too_many_requests(start_pushbridge):
    server = start_pushbridge("--max-connect-rate", "5")
    url = f"ws://127.0.0.1:{server.port}/dev"
    opened, refused = [], []
    with contextlib.ExitStack() as sockets:
        for _ in range(20):
            try:
                opened.append(sockets.enter_context(connect(url, open_timeout=10)))
            except websockets.exceptions.InvalidStatus as error:
                refused.append(error.response)
    # Five at once, then five a second: twenty in a row cannot all get through.
    assert len(opened) >= 5 and refused, (len(opened), len(refused))
    for response in refused:
        assert response.status_code == 429
        assert json.loads(response.body) == {"message": "Too Many Requests"}
    counts = rate_limited(server)
    assert counts["connect_global"] == len(refused), counts
    assert counts["connect_ip"] == 0, counts
    # Plain HTTP is not a connect.
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        assert response.status == 200


def test_a_socket_flooding_frames_gets_the_throttling_frame_and_stays_usable(start_pushbridge):
    server = start_pushbridge("--max-frames-per-second", "5", "--frames-burst", "5")
    with connect(f"ws://127.0.0.1:{server.port}/dev", open_timeout=10) as ws:
        ws.send(json.dumps({"action": "subscribe", "entityId": "rate-kept"}))
        for n in range(19):
            ws.send(json.dumps({"action": "subscribe", "entityId": f"rate-flood-{n}"}))
        throttled = []
        while True:
            try:
                frame = json.loads(ws.recv(timeout=1.5))
            except TimeoutError:
                break
            throttled.append(frame)
            assert len(throttled) <= 20
        # Five went through at once (and perhaps one refilled meanwhile); the rest were answered, not routed.
        assert 13 <= len(throttled) <= 15, throttled
        for frame in throttled:
            assert frame["message"] == "Too Many Requests", frame
            assert frame["connectionId"] and frame["requestId"], frame
        assert len({frame["requestId"] for frame in throttled}) == len(throttled)
        assert rate_limited(server)["frames"] == len(throttled)

        # Still open and served: the first subscription holds, and a message is routed again once tokens refill.
        server.put_event("it.rate", "Entity Updated", {"entityId": "rate-kept", "message": "after the flood"})
        push = json.loads(ws.recv(timeout=10))
        assert push == {"type": "Entity Updated", "entityId": "rate-kept", "message": "after the flood"}
        time.sleep(0.5)
        ws.send(json.dumps({"action": "unknown"}))
        assert json.loads(ws.recv(timeout=10))["message"] == "Forbidden"


def test_put_events_past_the_rate_of_one_access_key_gets_throttling_exception_entries(start_pushbridge, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("".join(f"[{name}]\naws_access_key_id = {k}\naws_secret_access_key = {s}\n\n" for name, (k, s) in PROFILES.items()))
    os.chmod(credentials, 0o600)
    server = start_pushbridge("--aws-credentials-file", str(credentials), "--put-events-rate", "2", "--put-events-burst", "12")
    flooder = events_client(server, *PROFILES["flooder"])
    neighbour = events_client(server, *PROFILES["neighbour"])

    first = flooder.put_events(Entries=entries("a", 10))
    assert first["FailedEntryCount"] == 0, first
    second = flooder.put_events(Entries=entries("b", 10))
    # Two tokens were left (and a request's time refills a fraction of one): the first entries pass, the rest fail in place.
    results = second["Entries"]
    passed = [r for r in results if "EventId" in r]
    assert 2 <= len(passed) <= 3, results
    assert results[: len(passed)] == passed, "accepted entries come first"
    assert results[len(passed) :] == [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}] * (10 - len(passed))
    assert second["FailedEntryCount"] == 10 - len(passed)

    # Another access key has its own rate.
    other = neighbour.put_events(Entries=entries("c", 10))
    assert other["FailedEntryCount"] == 0, other
    wait_until(lambda: rate_limited(server)["put_events"] == 10 - len(passed), 5, message="put_events counted")
