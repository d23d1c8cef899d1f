"""Cluster mode with three nodes on loopback and one throwaway PostgreSQL: WebSocket fan-out across nodes,
@connections from any node, configuration on every node, /readyz and `pushbridge nodes`, a node's death."""

import contextlib
import json
import signal
import subprocess
import time
import urllib.request

import pytest
from websockets.sync.client import connect

from support import ADMIN_TOKEN, clean_environment, client, wait_until
from test_cluster import LEASE, rule_targets, start_node

SOURCE = "it.cluster.sockets"
WS_ARN = "arn:pushbridge:websocket:us-east-1:000000000000:subscribers/*"


def socket_target():
    return {"Id": "sockets", "Arn": WS_ARN, "HttpParameters": {"PathParameterValues": ["$.detail.entityId"]}}


@contextlib.contextmanager
def open_socket(node, *entities):
    """A socket on `node` subscribed to `entities`: (socket, connection id)."""
    with connect(f"ws://127.0.0.1:{node.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
        for entity in entities:
            ws.send(json.dumps({"action": "subscribe", "entityId": entity}))
        ws.send('{"action":"whoami"}')
        for _ in range(len(entities) + 1):
            reply = json.loads(ws.recv(timeout=10))
            if "connectionId" in reply:
                yield ws, reply["connectionId"]
                return
        raise AssertionError("no whoami answer")


def frames(ws, count, timeout=10):
    """`count` frames, each parsed."""
    return [json.loads(ws.recv(timeout=timeout)) for _ in range(count)]


def silent(ws, seconds=1.0):
    """Whether nothing more arrives within `seconds`."""
    try:
        extra = ws.recv(timeout=seconds)
    except TimeoutError:
        return True
    raise AssertionError(f"an extra frame arrived: {extra[:200]}")


def readyz(node):
    with urllib.request.urlopen(node.url + "/readyz", timeout=10) as response:
        return json.loads(response.read())


def alive_nodes(node):
    return {n["id"] for n in readyz(node)["nodes"] if n["alive"]}


@pytest.fixture
def three_nodes(start_pushbridge, postgres):
    nodes = [start_node(start_pushbridge, postgres, "--admin-token", ADMIN_TOKEN) for _ in range(3)]
    ids = {n.node_id for n in nodes}
    assert len(ids) == 3
    # Each node sees the three once a heartbeat of each has landed and been read.
    for node in nodes:
        wait_until(lambda node=node: alive_nodes(node) == ids, LEASE * 3, message="every node in /readyz")
    return nodes


def test_three_nodes_socket_on_a_publish_on_c_post_from_b_rule_from_b(three_nodes, postgres, pushbridge_binary):
    a, b, c = three_nodes
    b.events.put_rule(Name="sockets", EventPattern=json.dumps({"source": [SOURCE]}))
    assert b.events.put_targets(Rule="sockets", Targets=[socket_target()])["FailedEntryCount"] == 0
    answered = time.monotonic()
    for node in (a, c):
        wait_until(lambda node=node: rule_targets(node, "sockets"), 1.0, interval=0.02, message="the rule made on B on every node")
    print(f"rule made on B visible on A and C {time.monotonic() - answered:.3f}s after B answered")

    with open_socket(a, "e1") as (on_a, id_a), open_socket(c, "e1") as (on_c, _), open_socket(b, "other") as (on_b, _):
        big = "x" * 20_000  # past NOTIFY's 8000-byte limit: travels through push_payloads
        entries = [
            {"Source": SOURCE, "DetailType": "Probe", "Detail": json.dumps({"entityId": "e1", "seq": n, "pad": big if n == 7 else ""})}
            for n in range(30)
        ]
        for start in range(0, len(entries), 10):
            reply = c.events.put_events(Entries=entries[start:start + 10])
            assert reply["FailedEntryCount"] == 0, reply
        # Once each, in order, on the publishing node and on another one; nothing for another entity.
        for ws in (on_a, on_c):
            got = frames(ws, 30)
            assert [f["detail"]["seq"] for f in got] == list(range(30))
            assert got[7]["detail"]["pad"] == big
        for ws in (on_a, on_c, on_b):
            assert silent(ws)
        assert postgres.query("SELECT count(*) FROM push_payloads") != [["0"]]

        # @connections from B for a socket on A.
        management = client("apigatewaymanagementapi", f"{b.url}/dev")
        management.post_to_connection(ConnectionId=id_a, Data=b'{"hello":"from B"}')
        assert json.loads(on_a.recv(timeout=10)) == {"hello": "from B"}
        described = management.get_connection(ConnectionId=id_a)
        assert described["Identity"]["SourceIp"] == "127.0.0.1"
        with pytest.raises(management.exceptions.GoneException):
            management.post_to_connection(ConnectionId="NoSuchConnection=", Data=b"x")
        # The admin API of any node lists the sockets of every node, with the node holding each.
        listed = b.admin("GET", "/admin/connections")
        assert listed["total"] == 3, listed
        held = {c["connectionId"]: c["node"] for c in listed["connections"]}
        assert held[id_a] == a.node_id, listed
        assert sorted(held.values()) == sorted(n.node_id for n in three_nodes), listed
        assert b.admin("GET", f"/admin/connections/{id_a}")["node"] == a.node_id
        page = b.admin("GET", "/admin/connections?limit=2")
        rest = b.admin("GET", f"/admin/connections?limit=2&nextToken={page['nextToken']}")
        assert [c["connectionId"] for c in page["connections"] + rest["connections"]] == [c["connectionId"] for c in listed["connections"]]
        client("apigatewaymanagementapi", f"{c.url}/dev").delete_connection(ConnectionId=id_a)
        wait_until(lambda: on_a.close_code is not None or _closed(on_a), 10, message="the socket on A to close")

    # Every node in /readyz and in `pushbridge nodes`.
    listed = subprocess.run(
        [pushbridge_binary, "nodes", "--server", b.url, "--token", ADMIN_TOKEN], capture_output=True, text=True, timeout=30,
        env=clean_environment(),
    )
    assert listed.returncode == 0, listed.stderr
    for node in three_nodes:
        assert node.node_id in listed.stdout, listed.stdout
    assert listed.stdout.count("alive") >= 3, listed.stdout


def _closed(ws):
    try:
        ws.recv(timeout=0.2)
    except TimeoutError:
        return False
    except Exception:  # noqa: BLE001 - closed by the server
        return True
    return False


def test_a_dead_nodes_connections_are_gone_within_its_lease(three_nodes):
    a, b, c = three_nodes
    management = client("apigatewaymanagementapi", f"{a.url}/dev")
    with open_socket(c) as (_, connection):
        wait_until(lambda: _described(management, connection), 5, message="the socket on C to be visible from A")
        c.popen.send_signal(signal.SIGKILL)
        c.popen.wait(timeout=10)
        killed = time.monotonic()
        wait_until(lambda: not _described(management, connection), LEASE + 5, interval=0.1, message="410 for the dead node's socket")
        print(f"410 from A {time.monotonic() - killed:.1f}s after C was killed (lease {LEASE}s)")
    wait_until(lambda: c.node_id not in alive_nodes(a), LEASE * 3, message="C no longer alive in /readyz")


def _described(management, connection):
    try:
        management.get_connection(ConnectionId=connection)
        return True
    except management.exceptions.GoneException:
        return False
