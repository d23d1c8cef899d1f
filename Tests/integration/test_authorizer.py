"""The $connect authorizer webhook (--authorizer-url) and the url: subscribe policy, against Python HTTP receivers
and real WebSocket clients."""

import json
import re
import subprocess
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from support import ADMIN_TOKEN, clean_environment

TIMEOUT = 10
METHOD_ARN = "arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connect"


def ws_url(server, path="/dev"):
    return f"ws://127.0.0.1:{server.port}{path}"


def refused(url, **options):
    """Opens a socket expecting the handshake to be refused; returns (status, body)."""
    with pytest.raises(InvalidStatus) as info:
        with connect(url, open_timeout=TIMEOUT, **options):
            pass
    return info.value.response.status_code, info.value.response.body


def connection_id(ws):
    ws.send('{"action":"whoami"}')
    return json.loads(ws.recv(timeout=TIMEOUT))["connectionId"]


def policy(effect, resource=METHOD_ARN, principal="user-7", context=None, action="execute-api:Invoke"):
    answer = {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": action, "Effect": effect, "Resource": resource}]},
    }
    if context is not None:
        answer["context"] = context
    return answer


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_authorizer_gets_api_gateways_event_and_an_allow_lets_the_user_in(start_pushbridge, receivers, admin_args):
    context = {"plan": "pro", "seats": 3, "admin": False}
    authorizer = receivers("answering", answer=lambda request: policy("Allow", context=context))
    server = start_pushbridge("--authorizer-url", authorizer.url, "--subscribe-policy", "any", *admin_args)
    headers = {**bearer("opaque-token-1"), "X-Trace": "t-1"}
    with connect(ws_url(server, "/dev?room=lobby&room=hall"), additional_headers=headers, user_agent_header="it-client/1",
                 open_timeout=TIMEOUT) as ws:
        cid = connection_id(ws)
        [event] = authorizer.bodies()
        assert event["type"] == "REQUEST"
        assert event["methodArn"] == METHOD_ARN
        assert event["headers"]["Authorization"] == "Bearer opaque-token-1"
        assert event["headers"]["X-Trace"] == "t-1"
        assert event["headers"]["Host"] == f"127.0.0.1:{server.port}"
        assert event["multiValueHeaders"]["X-Trace"] == ["t-1"]
        assert event["queryStringParameters"] == {"room": "hall"}
        assert event["multiValueQueryStringParameters"] == {"room": ["lobby", "hall"]}
        assert event["stageVariables"] == {}
        rc = event["requestContext"]
        assert (rc["routeKey"], rc["eventType"], rc["messageDirection"], rc["stage"]) == ("$connect", "CONNECT", "IN", "dev")
        assert rc["connectionId"] == cid, "the authorizer is told the id the connection gets"
        assert rc["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "it-client/1"}
        assert rc["apiId"] == "pushbridge" and rc["domainName"] == f"127.0.0.1:{server.port}"
        assert rc["requestId"] and rc["extendedRequestId"]
        assert isinstance(rc["requestTimeEpoch"], int) and abs(rc["requestTimeEpoch"] / 1000 - time.time()) < 60
        assert rc["connectedAt"] == rc["requestTimeEpoch"]
        assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", rc["requestTime"]), rc["requestTime"]

        # The principal is the connection's user, the context is kept with it where JWT claims are shown.
        shown = server.admin("GET", f"/admin/connections/{cid}")
        assert shown["userId"] == "user-7"
        assert shown["claims"] == context
        result = subprocess.run([server.popen.args[0], "connections", "show", cid, "--server", server.url, "--token", ADMIN_TOKEN],
                                capture_output=True, text=True, timeout=30, env=clean_environment())
        assert result.returncode == 0 and "user-7" in result.stdout and '"plan":"pro"' in result.stdout, result.stderr
    assert "opaque-token-1" not in server.log_text(), "the identity was logged"


def test_answers_are_cached_per_identity_for_the_ttl(start_pushbridge, receivers):
    authorizer = receivers("answering", answer=lambda request: policy("Allow", resource="arn:aws:execute-api:*"))
    server = start_pushbridge("--authorizer-url", authorizer.url, "--authorizer-ttl", "2", "--subscribe-policy", "any")
    for _ in range(3):
        with connect(ws_url(server), additional_headers=bearer("token-a"), open_timeout=TIMEOUT) as ws:
            connection_id(ws)
    assert len(authorizer.received()) == 1, "connects with the same token within the TTL asked again"
    # Wherever the token is (query, subprotocol), it is the same identity.
    with connect(ws_url(server, "/dev?access_token=token-a"), open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    with connect(ws_url(server), subprotocols=["websocket", "token-b"], open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    assert len(authorizer.received()) == 2, "another token asks"
    time.sleep(2.2)
    with connect(ws_url(server), additional_headers=bearer("token-a"), open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    assert len(authorizer.received()) == 3, "after the TTL it asks again"


def test_ttl_zero_asks_on_every_connect_and_an_identity_list_is_all_required(start_pushbridge, receivers):
    authorizer = receivers("answering", answer=lambda request: policy("Allow", resource="*"))
    server = start_pushbridge("--authorizer-url", authorizer.url, "--authorizer-ttl", "0", "--subscribe-policy", "any",
                              "--authorizer-identity-source", "route.request.header.X-Api-Key,route.request.querystring.room")
    for _ in range(2):
        with connect(ws_url(server, "/dev?room=1"), additional_headers={"X-Api-Key": "k"}, open_timeout=TIMEOUT) as ws:
            connection_id(ws)
    assert len(authorizer.received()) == 2
    assert refused(ws_url(server), additional_headers={"X-Api-Key": "k"}) == (401, b'{"message":"Unauthorized"}')
    assert refused(ws_url(server, "/dev?room=1"), additional_headers=bearer("t")) == (401, b'{"message":"Unauthorized"}')
    assert len(authorizer.received()) == 2, "a missing identity source must not reach the authorizer"


def test_a_deny_is_403_and_a_missing_identity_401(start_pushbridge, receivers):
    answers = {
        "denied": policy("Deny", resource="*"),
        "other-stage": policy("Allow", resource="arn:aws:execute-api:*:*:pushbridge/prod/*"),
        "deny-wins": {**policy("Allow", resource="*"), "policyDocument": {"Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": ["execute-api:*"], "Effect": "Deny", "Resource": [METHOD_ARN]}]}},
        "allowed": policy("Allow", resource=["arn:aws:execute-api:eu-west-1:*", "arn:aws:execute-api:us-east-1:*:pushbridge/dev/*"]),
    }
    authorizer = receivers("answering", answer=lambda request: answers[json.loads(request.body)["headers"]["Authorization"][7:]])
    server = start_pushbridge("--authorizer-url", authorizer.url, "--subscribe-policy", "any")
    for token in ["denied", "other-stage", "deny-wins"]:
        assert refused(ws_url(server), additional_headers=bearer(token)) == (403, b'{"message":"Forbidden"}'), token
    with connect(ws_url(server), additional_headers=bearer("allowed"), open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    asked = len(authorizer.received())
    assert refused(ws_url(server)) == (401, b'{"message":"Unauthorized"}')
    assert len(authorizer.received()) == asked, "no identity: the authorizer is not asked"
    # A denial is cached like an allow.
    assert refused(ws_url(server), additional_headers=bearer("denied"))[0] == 403
    assert len(authorizer.received()) == asked


def test_an_authorizer_without_a_usable_answer_refuses_and_the_server_keeps_serving(start_pushbridge, receivers):
    answers = {
        "garbage": (200, b"<html>not json</html>"),
        "error": (502, b"bad gateway"),
        "nested-context": policy("Allow", resource="*", context={"roles": ["admin"]}),
        "no-principal": {**policy("Allow", resource="*"), "principalId": ""},
        "unauthorized": (401, b"Unauthorized"),
        "slow": None,
        "fine": policy("Allow", resource="*"),
    }
    authorizer = receivers("answering", answer=lambda request: answers[json.loads(request.body)["headers"]["Authorization"][7:]])
    server = start_pushbridge("--authorizer-url", authorizer.url, "--authorizer-timeout", "0.5", "--subscribe-policy", "any")
    for token in ["garbage", "error", "nested-context", "no-principal"]:
        assert refused(ws_url(server), additional_headers=bearer(token)) == (500, b'{"message":"Internal server error"}'), token
    assert refused(ws_url(server), additional_headers=bearer("unauthorized")) == (401, b'{"message":"Unauthorized"}')
    started = time.monotonic()
    assert refused(ws_url(server), additional_headers=bearer("slow"))[0] == 500
    assert time.monotonic() - started < 5, "the timeout was not applied"
    # Failures are not cached: asked again each time.
    before = len(authorizer.received())
    assert refused(ws_url(server), additional_headers=bearer("garbage"))[0] == 500
    assert len(authorizer.received()) == before + 1
    with connect(ws_url(server), additional_headers=bearer("fine"), open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    assert server.records("Connect refused: the authorizer gave no usable answer")

    # An authorizer that cannot be reached refuses too.
    url = authorizer.url
    authorizer.stop()
    server2 = start_pushbridge("--authorizer-url", url, "--subscribe-policy", "any")
    assert refused(ws_url(server2), additional_headers=bearer("fine"))[0] == 500


def subscribe(ws, entity):
    ws.send(json.dumps({"action": "subscribe", "entityId": entity}))


def test_url_subscribe_policy_allows_denies_and_keeps_the_socket_usable(start_pushbridge, receivers):
    def decide(request):
        entity = json.loads(request.body)["entityId"]
        if entity.startswith("slow-"):
            return None
        if entity.startswith("broken-"):
            return (500, b"oops")
        return {"allow": entity.startswith("order-")}

    policy_hook = receivers("answering", answer=decide)
    server = start_pushbridge("--subscribe-policy", f"url:{policy_hook.url}", "--subscribe-policy-timeout", "0.5")
    with connect(ws_url(server), open_timeout=TIMEOUT) as ws:
        cid = connection_id(ws)
        subscribe(ws, "invoice-7")
        denied = json.loads(ws.recv(timeout=TIMEOUT))
        assert denied["message"] == "Forbidden: this connection may not subscribe to invoice-7"
        assert denied["connectionId"] == cid and denied["requestId"]
        assert policy_hook.bodies()[-1] == {"connectionId": cid, "userId": None, "claims": None, "entityId": "invoice-7",
                                            "action": "subscribe"}
        subscribe(ws, "order-7")
        assert connection_id(ws) == cid  # the socket still works, and the subscribe above was handled first
        server.put_event("it.policy", "Entity Updated", {"entityId": "invoice-7", "message": "no"})
        server.put_event("it.policy", "Entity Updated", {"entityId": "order-7", "message": "yes"})
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"type": "Entity Updated", "entityId": "order-7", "message": "yes"}

        # A timeout or a failing webhook denies; messages sent meanwhile are answered after it, in order.
        for entity in ["slow-1", "broken-1"]:
            subscribe(ws, entity)
            ws.send('{"action":"whoami"}')
            first = json.loads(ws.recv(timeout=TIMEOUT))
            assert first["message"] == f"Forbidden: this connection may not subscribe to {entity}", first
            assert json.loads(ws.recv(timeout=TIMEOUT))["message"] == "Forbidden"  # the whoami
        # An unsubscribe sent while its subscribe is being checked wins, as it came later.
        asked = len(policy_hook.received())
        subscribe(ws, "order-8")
        ws.send(json.dumps({"action": "unsubscribe", "entityId": "order-8"}))
        connection_id(ws)
        assert len(policy_hook.received()) == asked + 1
        server.put_event("it.policy", "Entity Updated", {"entityId": "order-8", "message": "unsubscribed"})
        server.put_event("it.policy", "Entity Updated", {"entityId": "order-7", "message": "still here"})
        assert json.loads(ws.recv(timeout=TIMEOUT))["message"] == "still here"

        # Answers are cached per connection (no user) and entity; failures are not.
        asked = len(policy_hook.received())
        subscribe(ws, "order-7")
        subscribe(ws, "invoice-7")
        assert json.loads(ws.recv(timeout=TIMEOUT))["message"].endswith("invoice-7")
        assert len(policy_hook.received()) == asked
        subscribe(ws, "broken-1")
        assert json.loads(ws.recv(timeout=TIMEOUT))["message"].endswith("broken-1")
        assert len(policy_hook.received()) == asked + 1
    assert server.records("Subscribe refused: the subscribe policy's webhook gave no usable answer")


def test_url_subscribe_policy_is_told_the_authorizers_user_and_context(start_pushbridge, receivers):
    authorizer = receivers("answering", answer=lambda request: policy("Allow", resource="*", principal="alice", context={"team": "red"}))
    policy_hook = receivers("answering", answer=lambda request: {"allow": True})
    server = start_pushbridge("--authorizer-url", authorizer.url, "--subscribe-policy", f"url:{policy_hook.url}")
    with connect(ws_url(server), additional_headers=bearer("alice-token"), open_timeout=TIMEOUT) as first, \
            connect(ws_url(server), additional_headers=bearer("alice-token"), open_timeout=TIMEOUT) as second:
        cid = connection_id(first)
        connection_id(second)
        subscribe(first, "room-1")
        connection_id(first)
        assert policy_hook.bodies() == [{"connectionId": cid, "userId": "alice", "claims": {"team": "red"}, "entityId": "room-1",
                                         "action": "subscribe"}]
        subscribe(second, "room-1")  # the same user: answered from the cache
        connection_id(second)
        assert len(policy_hook.received()) == 1
        server.put_event("it.policy", "Entity Updated", {"entityId": "room-1", "message": "both"})
        for ws in (first, second):
            assert json.loads(ws.recv(timeout=TIMEOUT))["message"] == "both"
