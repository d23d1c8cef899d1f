"""Cluster mode: several `pushbridge serve --postgres URL` nodes on one throwaway PostgreSQL (Scripts/postgres).

Each test starts its own PostgreSQL and nodes on loopback and stops them by PID (pg_ctl for PostgreSQL). Nodes run
with a two-second lease (--node-lease 2), so a killed node's messages are claimed within a few seconds.
"""

import json
import re
import signal
import time

from websockets.sync.client import connect

from support import wait_until
from test_durability import HookReceiver, new_secret, webhook_target

SOURCE = "it.cluster"
LEASE = 2


def start_node(start_pushbridge, postgres, *extra):
    # The harness gives every server a data directory through the environment; a cluster node has none.
    node = start_pushbridge(
        "--postgres", postgres.url, "--node-lease", str(LEASE), "--no-default-rule", "--retry-base-delay-ms", "200",
        "--retry-max-delay-ms", "500", *extra, env={"PUSHBRIDGE_DATA_DIR": ""},
    )
    record = node.wait_for_record("Starting as a cluster node")
    node.node_id = re.search(r"pb\.node=(\S+)", record["metadata"]).group(1)
    return node


def rule_targets(node, rule):
    """The rule's targets as `node` knows them; none while it does not know the rule."""
    try:
        return node.events.list_targets_by_rule(Rule=rule)["Targets"]
    except node.events.exceptions.ResourceNotFoundException:
        return []


def entry(seq):
    return {"Source": SOURCE, "DetailType": "Cluster Probe", "Detail": json.dumps({"seq": seq})}


def publish(node, seqs):
    """PutEvents, one entry per seq; returns ({seq: EventId}, {seq: error entry})."""
    accepted, refused = {}, {}
    for start in range(0, len(seqs), 10):
        chunk = seqs[start:start + 10]
        reply = node.events.put_events(Entries=[entry(s) for s in chunk])
        for seq, result in zip(chunk, reply["Entries"]):
            if "EventId" in result:
                accepted[seq] = result["EventId"]
            else:
                refused[seq] = result
    return accepted, refused


def test_a_rule_created_on_one_node_routes_on_another_and_an_entry_is_committed_before_its_answer(start_pushbridge, postgres):
    a = start_node(start_pushbridge, postgres)
    b = start_node(start_pushbridge, postgres)
    assert a.node_id != b.node_id
    secret = new_secret()
    receiver = HookReceiver(secret, status=503)  # refused at first: the message stays in the table
    try:
        b.route("cluster", SOURCE, [webhook_target(receiver.url, secret)])
        answered = time.monotonic()
        wait_until(lambda: rule_targets(a, "cluster"), 1.0, interval=0.02, message="the rule on node A")
        print(f"rule visible on node A {time.monotonic() - answered:.3f}s after node B answered")

        accepted, refused = publish(a, [1])
        assert not refused, refused
        event_id = accepted[1]
        # Answered, so committed: the row is there, leased by the node that accepted it.
        assert postgres.query(f"SELECT lease_owner FROM messages WHERE event_id = '{event_id}'") == [[a.node_id]]
        wait_until(lambda: receiver.requests >= 2, 10, message="retries of the refused delivery")
        receiver.status = 200
        wait_until(lambda: event_id in receiver.delivered_event_ids(), 10, message="the delivery once the receiver recovers")
        wait_until(lambda: not postgres.query(f"SELECT 1 FROM messages WHERE event_id = '{event_id}'"), 5, message="the row to leave")
        with receiver.lock:
            assert len(set(receiver.webhook_ids[event_id])) == 1, receiver.webhook_ids[event_id]
            assert not receiver.problems, receiver.problems
        # Node B never held it.
        assert not b.records("Claimed messages of a node whose lease ran out")
    finally:
        receiver.stop_listening()
    for node in (a, b):
        assert postgres.password not in node.log_text(), "the PostgreSQL password reached a log"


def test_kill_9_of_the_node_holding_leases_another_node_delivers_with_the_same_webhook_id(start_pushbridge, postgres):
    a = start_node(start_pushbridge, postgres)
    b = start_node(start_pushbridge, postgres)
    secret = new_secret()
    receiver = HookReceiver(secret, status=503)
    try:
        a.route("cluster", SOURCE, [webhook_target(receiver.url, secret)])
        accepted, refused = publish(a, list(range(20)))
        assert not refused and len(accepted) == 20, refused
        wait_until(lambda: len(receiver.webhook_ids) == 20, 15, message="a first attempt of every event from node A")
        with receiver.lock:
            first_ids = {event: ids[0] for event, ids in receiver.webhook_ids.items()}
        a.popen.send_signal(signal.SIGKILL)
        a.popen.wait(timeout=10)
        receiver.status = 200
        killed = time.monotonic()
        wait_until(lambda: receiver.delivered_event_ids() >= set(accepted.values()), LEASE * 5 + 15, message="node B to deliver every event")
        print(f"node B delivered every event {time.monotonic() - killed:.1f}s after node A was killed")
        b.wait_for_record("Claimed messages of a node whose lease ran out")
        with receiver.lock:
            for event, ids in receiver.webhook_ids.items():
                assert set(ids) == {first_ids[event]}, f"{event}: webhook-ids {ids}"
            assert not receiver.problems, receiver.problems
        wait_until(lambda: not postgres.query("SELECT 1 FROM messages"), 5, message="the table to empty")
    finally:
        receiver.stop_listening()


def test_postgres_stopped_entries_are_refused_sockets_stay_up_and_the_node_recovers(start_pushbridge, postgres):
    node = start_node(start_pushbridge, postgres)
    secret = new_secret()
    receiver = HookReceiver(secret)
    try:
        node.route("cluster", SOURCE, [webhook_target(receiver.url, secret)])
        accepted, refused = publish(node, [0])
        assert not refused, refused
        with connect(f"ws://127.0.0.1:{node.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
            postgres.pause()
            down_accepted, down_refused = publish(node, [1, 2, 3])
            assert not down_accepted, f"entries accepted while PostgreSQL was down: {down_accepted}"
            for result in down_refused.values():
                assert result["ErrorCode"] == "InternalException", result
            # The socket is still served.
            ws.send('{"action":"whoami"}')
            assert "connectionId" in json.loads(ws.recv(timeout=10))
            # An event no rule keeps needs no commit: still accepted.
            reply = node.events.put_events(Entries=[{"Source": "it.unrouted", "DetailType": "Ping", "Detail": "{}"}])
            assert "EventId" in reply["Entries"][0], reply
            postgres.resume()
            recovered = {}

            def accepted_again():
                more, _ = publish(node, [100 + len(recovered)])
                recovered.update(more)
                return more

            wait_until(accepted_again, 30, interval=0.5, message="PutEvents to be accepted once PostgreSQL is back")
        wait_until(lambda: receiver.delivered_event_ids() >= set(accepted.values()) | set(recovered.values()), 15, message="deliveries")
        with receiver.lock:
            delivered_seqs = {receiver.seq[e] for e in receiver.delivered.values()}
        assert not (delivered_seqs & {1, 2, 3}), f"entries answered InternalException were delivered: {delivered_seqs & {1, 2, 3}}"
        assert node.records("commit to PostgreSQL failed; entries waiting for it are refused, changes without a completion are kept and retried")
    finally:
        receiver.stop_listening()
    assert postgres.password not in node.log_text(), "the PostgreSQL password reached a log"


def test_postgres_flag_beside_a_data_directory_is_refused(pushbridge_binary, tmp_path, postgres):
    import subprocess

    from support import clean_environment

    finished = subprocess.run(
        [pushbridge_binary, "serve", "--port", "0", "--postgres", postgres.url, "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=30, env=clean_environment({"HOME": str(tmp_path)}),
    )
    assert finished.returncode != 0
    assert "cannot be combined with --data-dir" in finished.stderr, finished.stderr
    assert postgres.password not in finished.stderr
    bad = subprocess.run(
        [pushbridge_binary, "serve", "--port", "0", "--postgres", "postgres://pb:hunter2@127.0.0.1:99999/db"],
        capture_output=True, text=True, timeout=30, env=clean_environment({"HOME": str(tmp_path)}),
    )
    assert bad.returncode != 0 and "port must be a number from 1 to 65535" in bad.stderr, bad.stderr
    assert "hunter2" not in bad.stderr
