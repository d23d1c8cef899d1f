"""docs/asyncapi.yaml: served as it is, valid AsyncAPI 3.0, and true: every example is sent to a running server
(or made to happen there) and what comes back is checked against the document's own schemas."""

import json
import time

import boto3
import jwt
import pytest
from botocore.config import Config
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from api_docs import DOCS, Schemas, http_get, load, official_asyncapi_schema, resolve
from jsonschema import Draft7Validator
from support import DUMMY_CREDENTIALS, REGION

DOC = load("asyncapi")
SCHEMAS = Schemas(DOC)
SECRET = "asyncapi tests' HMAC secret, comfortably over 32 bytes"
TIMEOUT = 10
CHANNEL = DOC["channels"]["stage"]


def message_name(ref_node):
    """The components name of a message reference (through the channel's own reference)."""
    ref = ref_node["$ref"]
    for _ in range(8):
        if ref.startswith("#/components/messages/"):
            return ref.rsplit("/", 1)[1]
        node = DOC
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        ref = node["$ref"]
    raise AssertionError(ref_node)


def payload_errors(name, value):
    return SCHEMAS.errors(f"/components/messages/{name}/payload", value)


def examples(name):
    return [(example["name"], example["payload"]) for example in DOC["components"]["messages"][name].get("examples", [])]


def operations(action):
    return {name: op for name, op in DOC["operations"].items() if op["action"] == action}


def token(claims=None):
    return jwt.encode({"sub": "user-42", "exp": int(time.time()) + 600, **(claims or {})}, SECRET, algorithm="HS256")


class Socket:
    """A client socket on a server's stage, with bounded waits."""

    def __init__(self, server, **options):
        path = options.pop("path", "/dev")
        self._connect = connect(f"ws://127.0.0.1:{server.port}{path}", open_timeout=TIMEOUT, **options)

    def __enter__(self):
        self.ws = self._connect.__enter__()
        return self

    def __exit__(self, *exc):
        self._connect.__exit__(*exc)

    def send(self, payload):
        self.ws.send(json.dumps(payload))

    def recv(self, timeout=TIMEOUT):
        return json.loads(self.ws.recv(timeout=timeout))

    def whoami(self):
        self.send({"action": "whoami"})
        return self.recv()

    def nothing_pending(self):
        """Nothing was sent back before this: the next frame answers a whoami sent now."""
        frame = self.whoami()
        assert payload_errors("forbidden", frame) == [], frame
        return frame["connectionId"]

    def close_frame(self):
        """(code, reason) of the close the server sends."""
        with pytest.raises(ConnectionClosed) as info:
            for _ in range(100):
                self.ws.recv(timeout=TIMEOUT)
        assert info.value.rcvd is not None, "the server closed without a close frame"
        return info.value.rcvd.code, info.value.rcvd.reason


# --- The document itself ----------------------------------------------------------------------------------------


def test_the_server_serves_the_repository_files(start_pushbridge):
    server = start_pushbridge("--in-memory")
    for name in ("asyncapi", "openapi"):
        text = (DOCS / f"{name}.yaml").read_text(encoding="utf-8")
        status, headers, body = http_get(f"{server.url}/{name}.yaml")
        assert status == 200 and body.decode() == text, f"/{name}.yaml is not docs/{name}.yaml: run Scripts/embed-web-assets"
        status, headers, body = http_get(f"{server.url}/{name}.json")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert json.loads(body) == load(name), f"/{name}.json is not docs/{name}.yaml: run Scripts/embed-web-assets"


def test_the_document_is_valid_asyncapi_3():
    schema = official_asyncapi_schema()
    validator = Draft7Validator(schema)
    errors = sorted(validator.iter_errors(DOC), key=lambda e: list(e.absolute_path))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]
    # The check has teeth: a broken copy is refused.
    broken = json.loads(json.dumps(DOC))
    broken["operations"]["subscribe"]["action"] = "publish"
    broken["servers"]["local"]["protocol"] = 42
    assert not validator.is_valid(broken)


def test_every_example_matches_its_message_schema():
    count = 0
    for name in DOC["components"]["messages"]:
        for example, payload in examples(name):
            assert payload_errors(name, payload) == [], f"{name}/{example}"
            count += 1
    assert count >= 10


def test_every_operation_message_is_a_channel_message():
    for name, op in DOC["operations"].items():
        for ref in op["messages"] + op.get("reply", {}).get("messages", []):
            assert ref["$ref"].startswith("#/channels/stage/messages/"), name
            assert message_name(ref) in DOC["components"]["messages"]


# The server-sent examples each test below makes happen; a new example needs a test that produces it.
PRODUCED = {
    ("entityUpdated", "entityUpdated"),
    ("userPushNotification", "userPushNotification"),
    ("targetInput", "wholeEvent"),
    ("forbidden", "forbidden"),
    ("errorFrame", "missingEntityId"),
    ("errorFrame", "subscribeRefused"),
    ("throttled", "throttled"),
}


def test_every_example_is_exercised_against_the_server():
    received = {message_name(ref) for op in operations("receive").values() for ref in op["messages"]}
    for name in DOC["components"]["messages"]:
        for example, _ in examples(name):
            assert name in received or (name, example) in PRODUCED, f"no test makes {name}/{example} happen"


# --- Client messages: every example sent, every answer checked --------------------------------------------------


def test_every_client_message_example_is_answered_as_documented(start_pushbridge):
    server = start_pushbridge("--in-memory")
    sent = 0
    with Socket(server) as socket:
        connection_id = socket.nothing_pending()
        for op_name, op in operations("receive").items():
            replies = [message_name(ref) for ref in op.get("reply", {}).get("messages", [])]
            for ref in op["messages"]:
                name = message_name(ref)
                for example, payload in examples(name):
                    socket.send(payload)
                    sent += 1
                    if name in ("subscribe", "unsubscribe"):
                        # Success is silent: the next frame answers the whoami sent after it.
                        assert socket.nothing_pending() == connection_id, f"{op_name}/{example}"
                        continue
                    frame = socket.recv()
                    matching = [reply for reply in replies if payload_errors(reply, frame) == []]
                    assert matching, f"{op_name}/{example}: {frame} matches none of {replies}"
                    assert "throttled" not in matching
                    assert frame["connectionId"] == connection_id
                    if name == "invalidArgument":
                        assert frame["message"].startswith(payload["action"] + ": entityId"), frame
                    else:
                        assert frame["message"] == "Forbidden", frame
    assert sent >= 6


def test_a_documented_subscribe_receives_the_documented_entity_updated_frame(start_pushbridge):
    server = start_pushbridge("--in-memory")
    [(_, subscribe)] = examples("subscribe")
    [(_, unsubscribe)] = examples("unsubscribe")
    for example, expected in examples("entityUpdated"):
        with Socket(server) as socket:
            socket.send(subscribe)
            socket.nothing_pending()
            detail = {key: expected[key] for key in ("entityId", "message") if key in expected}
            server.put_event("asyncapi", "Entity Updated", detail)
            frame = socket.recv()
            assert frame == expected, example
            assert payload_errors("entityUpdated", frame) == []
            # Without a message in the event, the frame leaves it out, as the schema allows.
            server.put_event("asyncapi", "Entity Updated", {"entityId": subscribe["entityId"]})
            frame = socket.recv()
            assert frame == {"type": "Entity Updated", "entityId": subscribe["entityId"]}
            assert payload_errors("entityUpdated", frame) == []
            # Unsubscribed: nothing more arrives.
            socket.send(unsubscribe)
            socket.nothing_pending()
            server.put_event("asyncapi", "Entity Updated", detail)
            time.sleep(0.5)
            socket.nothing_pending()


def test_your_own_rules_push_the_documented_target_input(start_pushbridge):
    server = start_pushbridge("--in-memory")
    [(_, expected)] = examples("targetInput")
    server.events.put_rule(Name="Shipped", EventPattern=json.dumps({"source": [expected["source"]]}))
    server.events.put_targets(
        Rule="Shipped",
        Targets=[{
            "Id": "push",
            "Arn": "arn:pushbridge:websocket:us-east-1:000000000000:subscribers/*",
            "HttpParameters": {"PathParameterValues": ["$.detail.orderId"]},
        }],
    )
    with Socket(server) as socket:
        socket.send({"action": "subscribe", "entityId": expected["detail"]["orderId"]})
        socket.nothing_pending()
        server.put_event(expected["source"], expected["detail-type"], expected["detail"])
        frame = socket.recv()
        assert payload_errors("targetInput", frame) == []
        varying = {"id", "time"}
        assert {k: v for k, v in frame.items() if k not in varying} == {k: v for k, v in expected.items() if k not in varying}
        # PostToConnection pushes its body as it was sent: the same message.
        management = boto3.client(
            "apigatewaymanagementapi", endpoint_url=f"{server.url}/dev", region_name=REGION,
            config=Config(retries={"max_attempts": 1}), **DUMMY_CREDENTIALS,
        )
        management.post_to_connection(ConnectionId=socket.nothing_pending(), Data=json.dumps(expected).encode())
        assert socket.recv() == expected


def test_user_notifications_and_a_refused_subscribe_match_their_examples(start_pushbridge):
    server = start_pushbridge("--in-memory", "--jwt-secret", SECRET)
    [(_, notification)] = examples("userPushNotification")
    refused = dict(examples("errorFrame"))["subscribeRefused"]
    entity = refused["message"].rsplit(" ", 1)[1]
    with Socket(server, subprotocols=["websocket", token({"entities": ["order-*"]})]) as socket:
        socket.send({"action": "subscribe", "entityId": entity})
        frame = socket.recv()
        assert payload_errors("errorFrame", frame) == [] and frame["message"] == refused["message"], frame
        detail = {"userId": "user-42", **{k: v for k, v in notification.items() if k != "type"}}
        server.put_event("asyncapi", "Send User Push Notification", detail)
        frame = socket.recv()
        assert frame == notification
        assert payload_errors("userPushNotification", frame) == []


def test_the_error_frame_examples_are_what_the_server_sends(start_pushbridge):
    server = start_pushbridge("--in-memory")
    frames = dict(examples("errorFrame"))
    with Socket(server) as socket:
        socket.send({"action": "subscribe"})
        frame = socket.recv()
        assert frame["message"] == frames["missingEntityId"]["message"]
        [(_, forbidden)] = examples("forbidden")
        frame = socket.whoami()
        assert frame["message"] == forbidden["message"]
        assert payload_errors("forbidden", frame) == []


def test_the_throttling_frame_matches_its_example(start_pushbridge):
    server = start_pushbridge("--in-memory", "--max-frames-per-second", "1", "--frames-burst", "1")
    [(_, throttled)] = examples("throttled")
    with Socket(server) as socket:
        socket.send({"action": "whoami"})
        socket.send({"action": "whoami"})
        assert socket.recv()["message"] == "Forbidden"
        frame = socket.recv()
        assert frame["message"] == throttled["message"]
        assert payload_errors("throttled", frame) == [], frame


# --- $connect authentication and close codes --------------------------------------------------------------------


def test_every_documented_token_place_is_accepted_and_refusals_are_as_documented(start_pushbridge):
    server = start_pushbridge("--in-memory", "--jwt-secret", SECRET, "--subscribe-policy", "any")
    schemes = [resolve(DOC, ref) for ref in DOC["servers"]["local"]["security"]]
    assert len(schemes) == 3
    for scheme in schemes:
        options, path = {}, "/dev"
        if scheme["type"] == "http":
            assert scheme["scheme"] == "bearer"
            options["additional_headers"] = {"Authorization": f"Bearer {token()}"}
        elif scheme["in"] == "header":
            assert scheme["name"] == "Sec-WebSocket-Protocol"
            options["subprotocols"] = ["websocket", token()]
        else:
            assert scheme["in"] == "query"
            path = f"/dev?{scheme['name']}={token()}"
        with Socket(server, path=path, **options) as socket:
            socket.nothing_pending()
            if "subprotocols" in options:
                assert socket.ws.subprotocol == "websocket"
    for options, status, body in [
        ({}, 401, {"message": "Unauthorized"}),
        ({"additional_headers": {"Authorization": "Bearer " + jwt.encode({"exp": 1}, SECRET, algorithm="HS256")}}, 403, {"message": "Forbidden"}),
        ({"subprotocols": ["websocket", token()[:-4] + "AAAA"]}, 403, {"message": "Forbidden"}),
    ]:
        with pytest.raises(InvalidStatus) as info:
            with connect(f"ws://127.0.0.1:{server.port}/dev", open_timeout=TIMEOUT, **options):
                pass
        assert info.value.response.status_code == status
        assert json.loads(info.value.response.body) == body
        assert f"{status}" in DOC["info"]["description"] and json.dumps(body, separators=(",", ":")) in DOC["info"]["description"]


def documented_close(code, reason):
    entry = next((entry for entry in CHANNEL["x-close-codes"] if entry["code"] == code), None)
    assert entry is not None, f"close code {code} is not documented"
    assert reason in entry.get("reasons", []), f"close reason {reason!r} of {code} is not documented"


def test_the_close_codes_the_server_sends_are_documented(start_pushbridge, admin_args):
    server = start_pushbridge("--in-memory", "--max-frame-size", "1024", *(admin_args or []))
    with Socket(server) as socket:
        socket.ws.send("x" * 2048)
        documented_close(*socket.close_frame())
    if admin_args:
        with Socket(server) as socket:
            server.admin("DELETE", f"/admin/connections/{socket.nothing_pending()}")
            documented_close(*socket.close_frame())
    management = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"{server.url}/dev", region_name=REGION,
        config=Config(retries={"max_attempts": 1}), **DUMMY_CREDENTIALS,
    )
    with Socket(server) as socket:
        management.delete_connection(ConnectionId=socket.nothing_pending())
        documented_close(*socket.close_frame())
    with Socket(server) as socket:
        socket.nothing_pending()
        server.terminate()
        documented_close(*socket.close_frame())
