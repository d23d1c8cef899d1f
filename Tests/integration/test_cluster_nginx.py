"""Cluster mode behind nginx (Scripts/nginx) as a round-robin load balancer for HTTP and WebSocket: clients know
one address, every request and socket lands on whichever node nginx picks, and the cluster behaves as one."""

import json
import signal
import time

from websockets.sync.client import connect

from support import client, wait_until
from test_cluster import LEASE, rule_targets, start_node
from test_cluster_load import Publisher, check_delivered
from test_cluster_nodes import SOURCE, alive_nodes, readyz, silent, socket_target
from test_durability import HookReceiver, new_secret, webhook_target


def lb_socket(balancer, entity):
    ws = connect(f"ws://127.0.0.1:{balancer.port}/dev", subprotocols=["websocket"], open_timeout=10)
    ws.__enter__()
    ws.send(json.dumps({"action": "subscribe", "entityId": entity}))
    ws.send('{"action":"whoami"}')
    for _ in range(2):
        reply = json.loads(ws.recv(timeout=10))
        if "connectionId" in reply:
            return ws, reply["connectionId"]
    raise AssertionError("no whoami answer")


def sockets_on(node):
    """The connections `node` holds, as its row in PostgreSQL says."""
    return next(n["connections"] for n in readyz(node)["nodes"] if n["self"])


def test_behind_nginx_sockets_publishes_and_connections_reach_across_nodes(start_pushbridge, postgres, load_balancer):
    nodes = [start_node(start_pushbridge, postgres) for _ in range(3)]
    balancer = load_balancer([n.port for n in nodes])
    events = client("events", balancer.url)
    events.put_rule(Name="sockets", EventPattern=json.dumps({"source": [SOURCE]}))
    assert events.put_targets(Rule="sockets", Targets=[socket_target()])["FailedEntryCount"] == 0
    for node in nodes:
        wait_until(lambda node=node: rule_targets(node, "sockets"), 1.0, interval=0.02, message="the rule on every node")

    sockets = [lb_socket(balancer, "lb-1") for _ in range(3)]
    try:
        # Round robin: the three sockets are on three nodes.
        wait_until(lambda: [sockets_on(n) for n in nodes] == [1, 1, 1], 5, message="one socket on each node")
        for start in range(0, 30, 10):
            entries = [
                {"Source": SOURCE, "DetailType": "Probe", "Detail": json.dumps({"entityId": "lb-1", "seq": n})} for n in range(start, start + 10)
            ]
            assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
        for ws, _ in sockets:
            got = [json.loads(ws.recv(timeout=10))["detail"]["seq"] for _ in range(30)]
            # Once each; the order is kept per publishing node, and these were published through all three.
            assert sorted(got) == list(range(30)), got
            assert silent(ws)
        management = client("apigatewaymanagementapi", f"{balancer.url}/dev")
        for index, (ws, connection) in enumerate(sockets):
            management.post_to_connection(ConnectionId=connection, Data=json.dumps({"to": index}).encode())
            assert json.loads(ws.recv(timeout=10)) == {"to": index}
            assert management.get_connection(ConnectionId=connection)["Identity"]["SourceIp"] == "127.0.0.1"
    finally:
        for ws, _ in sockets:
            ws.close()


def test_behind_nginx_kill_9_of_a_node_under_load_loses_no_accepted_event(start_pushbridge, postgres, load_balancer):
    nodes = [start_node(start_pushbridge, postgres) for _ in range(3)]
    balancer = load_balancer([n.port for n in nodes])
    secret = new_secret()
    receiver = HookReceiver(secret, status=503)
    try:
        nodes[0].route("load", "it.cluster.load", [webhook_target(receiver.url, secret)])
        for node in nodes:
            wait_until(lambda node=node: rule_targets(node, "load"), 2, message="the rule everywhere")

        class Balanced:
            """What Publisher needs of a node: the balancer's Events API, alive while the test runs."""

            events = client("events", balancer.url)

            @staticmethod
            def alive():
                return True

        publishers = [Publisher(Balanced, index * 1_000_000) for index in range(2)]
        for publisher in publishers:
            publisher.start()
        time.sleep(2)
        victim = nodes[1]
        victim.popen.send_signal(signal.SIGKILL)
        victim.popen.wait(timeout=10)
        killed = time.monotonic()
        time.sleep(2)
        for publisher in publishers:
            publisher.stop()
        receiver.status = 200
        accepted, duplicates = check_delivered(receiver, publishers, LEASE * 5 + 30)
        print(f"{len(accepted)} accepted through nginx, all delivered {time.monotonic() - killed:.1f}s after the kill; {duplicates} duplicates")
        wait_until(lambda: victim.node_id not in alive_nodes(nodes[0]), LEASE * 3, message="the killed node to show as not alive")
    finally:
        receiver.stop_listening()
