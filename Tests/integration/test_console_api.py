"""The admin routes the console uses (/admin/info, /admin/events-api/{operation}, /admin/test-event), the admin
guard's same-origin rule, and the headers the console's files are served with: bad input gets the API's error."""

import json
import re
import urllib.request

from api_docs import http_get
from support import ADMIN_TOKEN, wait_until


def call(server, method, path, body=None, token=ADMIN_TOKEN, headers=None, raw=None):
    """(status, JSON body) of an admin request; errors are answers too."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(server.url + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_info_says_where_sockets_connect(start_pushbridge):
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN, "--stage", "prod", "--region", "eu-west-1")
    status, info = call(server, "GET", "/admin/info")
    assert status == 200
    assert info == {
        "stage": "prod", "region": "eu-west-1", "accountId": "000000000000", "connectNeedsToken": False,
        "connectAuthorizer": False, "webSocketTargetArn": "arn:pushbridge:websocket:eu-west-1:000000000000:subscribers/*",
    }
    assert call(server, "GET", "/admin/info", token=None)[0] == 401
    assert call(server, "GET", "/admin/info", token="wrong")[1]["error"]["code"] == "Unauthorized"


def test_the_events_api_through_the_admin_token_even_when_it_needs_signatures(start_pushbridge, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("[only]\naws_access_key_id = AKIDONLY\naws_secret_access_key = secretsecretsecret\n")
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN, "--aws-credentials-file", str(credentials))
    # Unsigned, the Events API itself refuses; through the admin route the token stands in for the signature.
    status, _, _ = http_get(server.url + "/healthz")
    assert status == 200
    status, rules = call(server, "POST", "/admin/events-api/ListRules", {})
    assert status == 200 and [rule["Name"] for rule in rules["Rules"]] == ["EntityUpdated"]
    status, put = call(server, "POST", "/admin/events-api/PutRule", {"Name": "Shop", "EventPattern": '{"source":["shop"]}'})
    assert status == 200 and put["RuleArn"].endswith(":rule/Shop")
    status, tested = call(server, "POST", "/admin/events-api/TestEventPattern", {
        "EventPattern": '{"source":["shop"]}',
        "Event": json.dumps({"id": "1", "account": "000000000000", "source": "shop", "time": "2024-01-01T00:00:00Z",
                             "region": "us-east-1", "resources": [], "detail-type": "x", "detail": {}}),
    })
    assert status == 200 and tested == {"Result": True}
    # An empty body is an empty request; bad ones get the Events API's own errors.
    assert call(server, "POST", "/admin/events-api/ListEventBuses")[0] == 200
    status, error = call(server, "POST", "/admin/events-api/PutRule", {"Name": "Bad", "EventPattern": '{"source":"shop"}'})
    assert status == 400 and error["__type"] == "InvalidEventPatternException", error
    status, error = call(server, "POST", "/admin/events-api/ListRules", raw=b"{not json")
    assert status == 400 and error["__type"] == "SerializationException"
    status, error = call(server, "POST", "/admin/events-api/DeleteEverything", {})
    assert status == 404 and error["error"]["code"] == "NotFound" and "PutRule" in error["error"]["message"]
    assert call(server, "POST", "/admin/events-api/ListRules", {}, token=None)[0] == 401


def test_a_test_event_says_which_rules_and_targets_got_it(start_pushbridge):
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)
    status, result = call(server, "POST", "/admin/test-event", {
        "Source": "console", "DetailType": "Entity Updated", "Detail": json.dumps({"entityId": "e1"}),
    })
    assert status == 200
    assert len(result["eventId"]) == 36
    assert result["matched"] == [{
        "bus": "default", "rule": "EntityUpdated", "ruleArn": "arn:aws:events:us-east-1:000000000000:rule/EntityUpdated",
        "targetId": "EntityUpdatedSubscribers", "targetArn": "arn:pushbridge:websocket:us-east-1:000000000000:subscribers/*",
    }]
    status, result = call(server, "POST", "/admin/test-event", {"Source": "console", "DetailType": "Other", "Detail": "{}"})
    assert status == 200 and result["matched"] == []
    # A disabled rule does not match.
    call(server, "POST", "/admin/events-api/DisableRule", {"Name": "EntityUpdated"})
    status, result = call(server, "POST", "/admin/test-event", {"Source": "c", "DetailType": "Entity Updated", "Detail": "{}"})
    assert status == 200 and result["matched"] == []

    for body, code in [
        ({"Source": "console", "DetailType": "x"}, "InvalidArgument"),
        ({"Source": "console", "DetailType": "x", "Detail": "[1, 2"}, "MalformedDetail"),
        ({"Source": "console", "DetailType": "x", "Detail": "{}", "EventBusName": "nowhere"}, "InvalidArgument"),
        ({"Source": 7, "DetailType": "x", "Detail": "{}"}, None),
    ]:
        status, error = call(server, "POST", "/admin/test-event", body)
        assert status == 400, (body, error)
        assert set(error) == {"error"} and error["error"]["message"], error
        if code:
            assert error["error"]["code"] == code, (body, error)
    status, error = call(server, "POST", "/admin/test-event", raw=b"[]")
    assert status == 400 and error["error"]["code"] == "BadRequest"


def test_the_servers_own_origin_passes_the_admin_guard_and_others_do_not(start_pushbridge):
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)
    own = f"http://127.0.0.1:{server.port}"
    assert call(server, "POST", "/admin/dlq/purge", {"all": True}, headers={"Origin": own}) == (200, {"purged": 0})
    status, error = call(server, "POST", "/admin/dlq/purge", {"all": True}, headers={"Origin": "http://evil.example"})
    assert status == 403 and error["error"]["code"] == "Forbidden"
    status, error = call(server, "POST", "/admin/dlq/purge", {"all": True}, headers={"Origin": f"https://127.0.0.1:{server.port}"})
    assert status == 403, "the scheme is part of the origin"


def test_the_console_files_are_served_with_a_strict_policy(start_pushbridge):
    server = start_pushbridge("--in-memory")
    for path in ("/console", "/console/"):
        status, headers, body = http_get(server.url + path)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b'<script src="/console/console.js"' in body
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    for path, kind in [("/console/console.js", "text/javascript"), ("/console/console.css", "text/css"), ("/console/icon.svg", "image/svg+xml")]:
        status, headers, body = http_get(server.url + path)
        assert status == 200 and headers["Content-Type"].startswith(kind) and body
    # Nothing else is served from there, and no page holds a token or loads anything from elsewhere.
    assert http_get(server.url + "/console/nothing.js")[0] == 404
    _, _, page = http_get(server.url + "/console/")
    _, _, script = http_get(server.url + "/console/console.js")
    assert not re.search(rb'(src|href)="(https?:)?//', page)
    assert not re.search(rb'"(https?:)?//', script.replace(b'"http://www.w3.org/2000/svg"', b""))


def test_a_dead_letter_selection_of_the_wrong_shape_is_refused(start_pushbridge):
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)
    for body, fragment in [
        ({"ids": ["a"], "bus": 7}, "bus must be a string"),
        ({"ids": ["a"], "target": "hook"}, "on its own"),
        ({"id": "a", "ids": ["b"]}, "on its own"),
        ({"id": "a", "all": True}, "on its own"),
        ({"all": "yes"}, "all must be true or false"),
        ({"ids": None}, "ids must be an array of strings"),
        ({}, "Say which dead letters"),
    ]:
        for action in ("purge", "redrive"):
            status, error = call(server, "POST", f"/admin/dlq/{action}", body)
            assert status == 400 and error["error"]["code"] == "BadRequest", (action, body, error)
            assert fragment in error["error"]["message"], (action, body, error)
    assert call(server, "POST", "/admin/dlq/purge", {"all": True, "target": "hook"}) == (200, {"purged": 0})
    assert call(server, "POST", "/admin/dlq/redrive", {"ids": ["gone"]})[1]["failures"][0]["code"] == "NotFound"


def test_no_test_event_is_taken_while_the_server_drains(start_pushbridge, receivers):
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN, "--shutdown-grace", "10")
    silent = receivers("silent")
    server.route("Held", "drain", [{"Id": "held", "Arn": silent.url}])
    server.put_event("drain", "x", {})
    silent.wait_for(1, 10)  # a delivery in flight keeps the drain going
    server.terminate()
    wait_until(lambda: http_get(server.url + "/readyz")[0] == 503, 10, message="the server to drain")
    status, error = call(server, "POST", "/admin/test-event", {"Source": "s", "DetailType": "d", "Detail": "{}"})
    assert status == 503 and error["error"]["code"] == "ServiceUnavailable", error
