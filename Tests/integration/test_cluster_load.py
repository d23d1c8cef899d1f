"""Cluster mode under load: PutEvents keep coming to every node while a node is killed with SIGKILL, or while
PostgreSQL is stopped and started again. Every entry answered with an EventId must reach the webhook; an entry
delivered twice carries the same webhook-id both times."""

import collections
import json
import signal
import threading
import time

from support import wait_until
from test_cluster import LEASE, rule_targets, start_node
from test_durability import HookReceiver, new_secret, webhook_target

SOURCE = "it.cluster.load"


class Publisher(threading.Thread):
    """PutEvents of 5 entries in a loop to one node until stopped (or the node is gone): what was accepted,
    what was refused and with which error code."""

    def __init__(self, node, first_seq):
        super().__init__(daemon=True)
        self.node = node
        self.seq = first_seq
        self.accepted = {}  # event id -> seq
        self.refused = []  # error codes
        self.failed_calls = 0
        self.last_error = None
        self.stopping = threading.Event()

    def run(self):
        # Bounded in count as well as by stop(): 2000 calls at most.
        for _ in range(2000):
            if self.stopping.is_set():
                return
            seqs = list(range(self.seq, self.seq + 5))
            self.seq += 5
            entries = [{"Source": SOURCE, "DetailType": "Load", "Detail": json.dumps({"seq": s})} for s in seqs]
            try:
                reply = self.node.events.put_events(Entries=entries)
            except Exception as error:  # noqa: BLE001 - the node was killed, or the call timed out: nothing was answered
                self.failed_calls += 1
                self.last_error = repr(error)[:300]
                if not self.node.alive():
                    return
                time.sleep(0.1)
                continue
            for seq, result in zip(seqs, reply["Entries"]):
                if "EventId" in result:
                    self.accepted[result["EventId"]] = seq
                else:
                    self.refused.append(result.get("ErrorCode"))
            time.sleep(0.02)

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)
        assert not self.is_alive(), "a publisher did not stop"


def check_delivered(receiver, publishers, timeout):
    accepted = {}
    for publisher in publishers:
        accepted.update(publisher.accepted)
    assert accepted, "nothing was accepted"
    wait_until(lambda: receiver.delivered_event_ids() >= set(accepted), timeout, interval=0.2, message="every accepted event delivered")
    with receiver.lock:
        assert not receiver.problems, receiver.problems[:3]
        duplicates = 0
        for event, ids in receiver.webhook_ids.items():
            assert len(set(ids)) == 1, f"{event}: webhook-ids {ids}"
        for webhook_id, events in receiver.event_ids.items():
            assert len(events) == 1, f"webhook-id {webhook_id} came with events {events}"
        duplicates = receiver.deliveries - len(receiver.delivered)
    return accepted, duplicates


def test_kill_9_of_a_node_under_load_loses_no_accepted_event(start_pushbridge, postgres):
    nodes = [start_node(start_pushbridge, postgres) for _ in range(3)]
    a = nodes[0]
    secret = new_secret()
    # Refused while the load runs: every accepted message is still held by its node when A dies.
    receiver = HookReceiver(secret, status=503)
    try:
        a.route("load", SOURCE, [webhook_target(receiver.url, secret)])
        for node in nodes[1:]:
            wait_until(lambda node=node: rule_targets(node, "load"), 2, message="the rule everywhere")
        publishers = [Publisher(node, index * 1_000_000) for index, node in enumerate(nodes)]
        for publisher in publishers:
            publisher.start()
        time.sleep(2)
        a.popen.send_signal(signal.SIGKILL)
        a.popen.wait(timeout=10)
        killed = time.monotonic()
        time.sleep(2)
        for publisher in publishers:
            publisher.stop()
        assert publishers[0].accepted, "node A accepted nothing before it was killed"
        receiver.status = 200
        accepted, duplicates = check_delivered(receiver, publishers, LEASE * 5 + 30)
        print(
            f"{len(accepted)} accepted ({len(publishers[0].accepted)} by the killed node), all delivered "
            f"{time.monotonic() - killed:.1f}s after the kill; {duplicates} duplicate deliveries, each with its first webhook-id"
        )
        assert any(node.records("Claimed messages of a node whose lease ran out") for node in nodes[1:])
        wait_until(lambda: not postgres.query("SELECT 1 FROM messages LIMIT 1"), 10, message="the messages table to empty")
    finally:
        receiver.stop_listening()


def test_postgres_restarted_under_load_loses_no_accepted_event(start_pushbridge, postgres):
    nodes = [start_node(start_pushbridge, postgres) for _ in range(2)]
    secret = new_secret()
    receiver = HookReceiver(secret)
    try:
        nodes[0].route("load", SOURCE, [webhook_target(receiver.url, secret)])
        wait_until(lambda: rule_targets(nodes[1], "load"), 2, message="the rule on node B")
        publishers = [Publisher(node, index * 1_000_000) for index, node in enumerate(nodes)]
        for publisher in publishers:
            publisher.start()
        time.sleep(1.5)
        postgres.pause()
        # Longer than a node's commit timeout (5 s): a PutEvents that arrives in a shorter outage may simply wait
        # for PostgreSQL to come back and be accepted, and then nothing is refused.
        time.sleep(7)
        postgres.resume()
        resumed = time.monotonic()
        # Accepted again on both nodes once PostgreSQL is back.
        counts = [len(p.accepted) for p in publishers]
        try:
            wait_until(lambda: all(len(p.accepted) > n for p, n in zip(publishers, counts)), 30, message="entries accepted again")
        except AssertionError:
            states = [(len(p.accepted), collections.Counter(p.refused), p.failed_calls, p.is_alive(), p.last_error) for p in publishers]
            raise AssertionError(f"not accepted again after {counts}: {states}") from None
        time.sleep(1)
        for publisher in publishers:
            publisher.stop()
        refused = [code for p in publishers for code in p.refused]
        assert refused, "no entry was refused while PostgreSQL was down"
        assert set(refused) <= {"InternalException", "ThrottlingException"}, set(refused)
        accepted, duplicates = check_delivered(receiver, publishers, 60)
        print(
            f"{len(accepted)} accepted, {len(refused)} refused while PostgreSQL was down; all accepted delivered "
            f"{time.monotonic() - resumed:.1f}s after it came back; {duplicates} duplicate deliveries"
        )
        for node in nodes:
            assert node.alive(), node.tail()
    finally:
        receiver.stop_listening()
