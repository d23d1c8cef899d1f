"""docs/openapi.yaml: valid OpenAPI 3.1, and true: schemathesis drives a running server from it, and no answer may be
a 5xx or differ from the document, and no request the document forbids may be accepted."""

import contextlib
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

from openapi_spec_validator import validate
from websockets.sync.client import connect

from api_docs import Schemas, http_get, load
from support import ADMIN_TOKEN, wait_until

DOC = load("openapi")
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
])


def test_the_document_is_valid_openapi_3_1():
    assert DOC["openapi"] == "3.1.0"
    validate(DOC)


def response_schema(path, method, status="200"):
    """The JSON pointer of a documented answer's schema."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"


@contextlib.contextmanager
def populate(server, receivers):
    """Something in every list: a subscribed socket, a dead letter and a waiting retry; the socket is open inside."""
    failing = receivers("scripted", then=404)
    flaky = receivers("scripted", then=503)
    server.route("Dead", "openapi.dead", [{"Id": "dead", "Arn": failing.url}])
    server.route("Flaky", "openapi.flaky", [{
        "Id": "flaky", "Arn": flaky.url, "RetryPolicy": {"MaximumRetryAttempts": 100, "MaximumEventAgeInSeconds": 3600},
    }])
    server.put_event("openapi.dead", "x", {"n": 1})
    server.put_event("openapi.dead", "x", {"n": 2})
    server.put_event("openapi.flaky", "x", {"n": 3})
    wait_until(lambda: server.admin("GET", "/admin/dlq")["total"] == 2, 15, message="two dead letters")
    wait_until(lambda: server.admin("GET", "/admin/retries")["total"] == 1, 15, message="a waiting retry")
    with connect(f"ws://127.0.0.1:{server.port}/dev", open_timeout=10) as socket:
        socket.send('{"action":"subscribe","entityId":"openapi"}')
        socket.send('{"action":"whoami"}')
        socket.connection_id = json.loads(socket.recv(timeout=10))["connectionId"]
        yield socket


def test_real_answers_with_real_entries_match_the_document(start_pushbridge, receivers):
    """Schemathesis cannot make dead letters or retries; here every answer of every admin route is checked with some."""
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)
    schemas = Schemas(DOC, draft="2020-12")
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with populate(server, receivers) as socket:
        def check(method, path, template, body=None, status=200):
            data = None if body is None else json.dumps(body).encode()
            request = urllib.request.Request(server.url + path, data=data, method=method.upper(), headers={**auth, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    code, answer = response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                code, answer = error.code, json.loads(error.read())
            assert code == status or (status is None and code in (200, 404)), (path, answer)
            pointer = response_schema(template, method) if code == 200 else "/components/schemas/AdminError"
            assert schemas.errors(pointer, answer) == [], (path, answer)
            return answer

        dlq = check("get", "/admin/dlq", "/admin/dlq")
        assert dlq["total"] == 2 and dlq["deadLetters"][0]["errorCode"] == "NO_RESOURCE"
        paged = check("get", "/admin/dlq?limit=1", "/admin/dlq")
        assert paged["count"] == 1 and paged["nextToken"]
        first, second = (entry["id"] for entry in dlq["deadLetters"])
        check("get", f"/admin/dlq/{first}", "/admin/dlq/{id}")
        check("get", "/admin/dlq/nope", "/admin/dlq/{id}", status=404)
        [retry] = check("get", "/admin/retries", "/admin/retries")["retries"]
        assert retry["lastErrorCode"] == "ERROR_FROM_TARGET"
        target = urllib.parse.quote(retry["target"], safe="")
        # A retry may come due by itself between the list and the request (then it is 404 NotFound, also
        # documented): each action is tried on a freshly listed retry until one lands, a bounded number of times.
        for action in ("now", "cancel"):
            for _ in range(10):
                wait_until(lambda: server.admin("GET", "/admin/retries")["total"] == 1, 15, message="a waiting retry")
                [retry] = server.admin("GET", "/admin/retries")["retries"]
                template = "/admin/retries/{target}/{messageId}/" + action
                path = f"/admin/retries/{target}/{retry['messageId']}/{action}"
                if check("post", path, template, status=None).get("status"):
                    break
            else:
                raise AssertionError(f"{action} never found the retry waiting")
        check("post", "/admin/retries/x/1/now", "/admin/retries/{target}/{messageId}/now", status=400)
        check("get", "/admin/queues", "/admin/queues")
        check("post", "/admin/dlq/redrive", "/admin/dlq/redrive", {"id": first})
        check("delete", f"/admin/dlq/{second}", "/admin/dlq/{id}")
        check("post", "/admin/dlq/purge", "/admin/dlq/purge", {"all": True})
        connections = check("get", "/admin/connections", "/admin/connections")
        assert connections["connections"][0]["subscriptions"] == ["openapi"]
        check("get", f"/admin/connections/{socket.connection_id}", "/admin/connections/{connectionId}")
        check("get", "/admin/subscriptions?entity=openapi", "/admin/subscriptions")
        check("get", f"/admin/subscriptions?connection={socket.connection_id}", "/admin/subscriptions")
        check("get", "/admin/subscriptions", "/admin/subscriptions", status=400)
        check("post", "/admin/test-event", "/admin/test-event", {"Source": "s", "DetailType": "Entity Updated", "Detail": "{}"})
        check("post", "/admin/events-api/ListRules", "/admin/events-api/{operation}", {})
        check("get", "/admin/info", "/admin/info")
        assert check("get", "/admin/nodes", "/admin/nodes") == {"cluster": False, "nodes": []}
        check("delete", f"/admin/connections/{socket.connection_id}", "/admin/connections/{connectionId}")
    put = urllib.request.Request(server.url + "/events", data=json.dumps({"Entries": [
        {"Source": "s", "DetailType": "d", "Detail": "{}"}, {"Source": "s", "DetailType": "d", "Detail": "[1"},
    ]}).encode(), method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(put, timeout=10) as response:
        answer = json.loads(response.read())
    assert answer["FailedEntryCount"] == 1
    assert schemas.errors(response_schema("/events", "post"), answer) == []
    for path in ("/healthz", "/readyz"):
        status, _, body = http_get(server.url + path)
        assert status == 200 and schemas.errors(response_schema(path, "get"), json.loads(body)) == []
    assert http_get(server.url + "/admin/queues")[0] == 401


def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(start_pushbridge, receivers, tmp_path):
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    # Bounded: a few examples per operation, one worker, every request with a timeout, the whole run killed at 5 min.
    # The stateful phase follows the document's links (a listed dead letter, retry or connection to its own routes).
    # Hypothesis's health checks judge the data generation (too slow on a loaded machine, too much filtered), not the
    # server: they are off, so they cannot fail the run.
    command = [
        schemathesis, "run", f"{server.url}/openapi.json", "--url", server.url,
        "-H", f"Authorization: Bearer {ADMIN_TOKEN}",
        "--checks", CHECKS, "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", os.environ.get("PUSHBRIDGE_SCHEMATHESIS_EXAMPLES", "20"), "--seed", "16",
        "--workers", "1", "--request-timeout", "10", "--generation-database", "none", "--suppress-health-check", "all",
        "--no-color", "--report", "junit", "--report-dir", str(tmp_path / "schemathesis"),
    ]
    with populate(server, receivers):  # lists with entries in them, while they last
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert server.alive()


def test_cluster_mode_answers_match_the_document(start_pushbridge, postgres):
    """Two nodes on one PostgreSQL: readiness with every node, the node list, and another node's socket."""
    from test_cluster import start_node

    schemas = Schemas(DOC, draft="2020-12")
    first = start_node(start_pushbridge, postgres, "--admin-token", ADMIN_TOKEN)
    second = start_node(start_pushbridge, postgres, "--admin-token", ADMIN_TOKEN)
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with connect(f"ws://127.0.0.1:{first.port}/dev", open_timeout=10) as socket:
        socket.send('{"action":"whoami"}')
        connection_id = json.loads(socket.recv(timeout=10))["connectionId"]

        def listed_elsewhere():
            answer = second.admin("GET", "/admin/connections")
            return answer if answer["total"] == 1 else None

        listed = wait_until(listed_elsewhere, 15, message="the socket listed by the other node")
        assert listed["connections"][0]["node"] == first.node_id
        assert schemas.errors(response_schema("/admin/connections", "get"), listed) == []
        shown = second.admin("GET", f"/admin/connections/{connection_id}")
        assert schemas.errors(response_schema("/admin/connections/{connectionId}", "get"), shown) == []
        nodes = second.admin("GET", "/admin/nodes")
        assert nodes["cluster"] is True and len(nodes["nodes"]) == 2
        assert schemas.errors(response_schema("/admin/nodes", "get"), nodes) == []
        for node in (first, second):
            status, _, body = http_get(node.url + "/readyz", auth)
            assert status == 200 and schemas.errors(response_schema("/readyz", "get"), json.loads(body)) == [], body
