"""Durability: what PutEvents accepted survives kill -9, restarts, a full disk and a read-only file system.

Servers here keep their state in a data directory (a SQLite journal); a test restarts servers on one directory
(PUSHBRIDGE_DATA_DIR) and compares what the publisher was told (an EventId per accepted entry) with what a
Standard Webhooks receiver got. Every entry carries a number (detail.seq), so an event the receiver gets can be
traced back to the request that sent it. Mounts (tmpfs, a loop ext4) need root; without it those tests skip.

Each crash run prints its seed; PUSHBRIDGE_DURABILITY_SEED=N replays one. Server logs stay under pytest's tmp_path.
"""

import base64
import collections
import errno
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
from standardwebhooks import Webhook

from support import clean_environment, free_port, wait_until

SOURCE = "it.durability"
RECOVERED = "Recovered from the data directory"
# What a crash (rather than a clean exit with a message) leaves on standard error.
CRASH_MARKERS = ("Fatal error", "Stack dump", "Segmentation fault", "Illegal instruction", "Current stack trace", "💣")


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def webhook_target(url, secret, target_id="hook", **extra):
    return {"Id": target_id, "Arn": url, "HttpParameters": {"HeaderParameters": {"webhook-secret": secret}}, **extra}


def metadata(record):
    """`pb.name=value` pairs of a parsed log record, as a dict (values up to the next space)."""
    return dict(re.findall(r"(pb\.[\w.]+)=(\S+)", record["metadata"]))


def seed_for(name):
    seed = int(os.environ.get("PUSHBRIDGE_DURABILITY_SEED") or random.randrange(2**31))
    print(f"{name}: seed {seed} (replay with PUSHBRIDGE_DURABILITY_SEED={seed})")
    return seed


# --- A Standard Webhooks receiver that can stop listening ------------------------------------------------------


class QuietServer(http.server.ThreadingHTTPServer):
    """Connections a killed server reset are expected here: not worth a traceback each."""

    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class HookReceiver:
    """Verifies every request's signature, records its webhook-id and the event (id, detail.seq) from the body,
    and answers `status` (200 delivers; 503 is retried). `stop_listening()` closes the port and every open
    connection (refused from then on); `listen()` opens the same port again."""

    def __init__(self, secret, status=200, listening=True):
        self.webhook = Webhook(secret)
        self.status = status
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.lock = threading.Lock()
        self.requests = 0
        self.answered = collections.Counter()  # status -> requests
        self.deliveries = 0  # requests answered 200
        self.delivered = {}  # webhook-id -> event id, for those answered 200
        self.event_ids = collections.defaultdict(set)  # webhook-id -> every event id it came with
        self.webhook_ids = collections.defaultdict(list)  # event id -> webhook-id of every attempt, in order
        self.seq = {}  # event id -> detail.seq
        self.problems = []  # bad signatures, unreadable bodies
        self._server = None
        self._thread = None
        self._connections = set()
        if listening:
            self.listen()

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        status = self.status
        try:
            payload = self.webhook.verify(body, headers)
            event_id, seq = payload["id"], payload["detail"].get("seq")
        except Exception as error:  # noqa: BLE001 - anything wrong with a request is recorded, not raised
            with self.lock:
                self.problems.append(f"{type(error).__name__}: {error}; headers {headers}; body {body[:200]!r}")
            event_id = seq = None
        webhook_id = headers.get("webhook-id")
        with self.lock:
            self.requests += 1
            self.answered[status] += 1
            if event_id is not None:
                self.event_ids[webhook_id].add(event_id)
                self.webhook_ids[event_id].append(webhook_id)
                self.seq[event_id] = seq
                if status == 200:
                    self.deliveries += 1
                    self.delivered[webhook_id] = event_id
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    def listen(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with receiver.lock:
                    receiver._connections.add(self.connection)

            def finish(self):
                with receiver.lock:
                    receiver._connections.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def do_POST(self):
                receiver._handle(self)

            def log_message(self, *args):
                pass

        deadline = time.monotonic() + 10
        while True:
            try:
                self._server = QuietServer(("127.0.0.1", self.port), Handler)
                break
            except OSError as error:
                if error.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop_listening(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
        with self.lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def delivered_event_ids(self):
        with self.lock:
            return set(self.delivered.values())


@pytest.fixture
def hooks():
    """hooks(secret, ...) -> a HookReceiver; all stop listening at teardown."""
    started = []

    def start(secret, **options):
        receiver = HookReceiver(secret, **options)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop_listening()


# --- A publisher that follows the current server ----------------------------------------------------------------


class Publisher(threading.Thread):
    """Sends PutEvents (POST /events, 1–10 entries a request) to the current server until stopped, over a kept-alive
    connection it reopens after any error. An entry counts as accepted only if the answer gave it an EventId."""

    def __init__(self, seed, pause=0.0):
        super().__init__(daemon=True)
        self.rng = random.Random(f"publisher {seed}")
        self.pause = pause
        self.port = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.accepted = {}  # seq -> event id
        self.refused = {}  # seq -> error code (answered without an EventId)
        self.unanswered = set()  # seqs of requests sent that got no answer (the server died meanwhile)
        self.not_sent = 0  # entries of requests whose connection was refused (no server listening)
        self.requests = 0
        self.connection_errors = 0
        self.http_errors = collections.Counter()  # whole-request error statuses
        self.failure = None  # an answer that broke the protocol: the test fails with it

    def point_at(self, server):
        self.port = server.port

    def stop(self):
        self.stopping.set()
        self.join(timeout=15)
        assert not self.is_alive(), "the publisher did not stop"
        assert self.failure is None, self.failure

    def run(self):
        connection, connected_port, seq = None, None, 0
        while not self.stopping.is_set():
            port = self.port
            count = self.rng.randint(1, 10)
            seqs = list(range(seq, seq + count))
            seq += count
            entries = [{"Source": SOURCE, "DetailType": "Durability Probe", "Detail": json.dumps({"seq": n})} for n in seqs]
            body = json.dumps({"Entries": entries}).encode()
            try:
                if connection is None or connected_port != port:
                    if connection is not None:
                        connection.close()
                    connection, connected_port = http.client.HTTPConnection("127.0.0.1", port, timeout=10), port
                connection.request("POST", "/events", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                text = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = None
                with self.lock:
                    self.requests += 1
                    self.connection_errors += 1
                    if isinstance(error, ConnectionRefusedError):
                        self.not_sent += count
                    else:
                        self.unanswered.update(seqs)
                time.sleep(0.01)
                continue
            with self.lock:
                self.requests += 1
                if status != 200:
                    self.http_errors[status] += 1
                    for n in seqs:
                        self.refused[n] = f"HTTP {status}"
                    continue
                try:
                    answered = json.loads(text)["Entries"]
                    assert len(answered) == count, f"{count} entries sent, {len(answered)} answered"
                except (ValueError, KeyError, AssertionError) as error:
                    self.failure = f"PutEvents answered 200 with a body that does not fit the request ({error}): {text[:500]!r}"
                    return
                for n, entry in zip(seqs, answered):
                    if "EventId" in entry:
                        self.accepted[n] = entry["EventId"]
                    else:
                        self.refused[n] = entry.get("ErrorCode")
            if self.pause:
                time.sleep(self.pause)


# --- Accounting ----------------------------------------------------------------------------------------------------


def dead_letter_event_ids(server):
    """Every event id in the server's DLQ (the admin API, all pages)."""
    ids, token = set(), None
    while True:
        query = "?limit=1000" + (f"&nextToken={urllib.parse.quote(token)}" if token else "")
        page = server.admin("GET", "/admin/dlq" + query)
        ids.update(entry["eventId"] for entry in page["deadLetters"])
        token = page.get("nextToken")
        if not token:
            return ids


def wait_for_every_accepted_event(publisher, receiver, server, timeout):
    """Waits (bounded) until every accepted EventId was delivered or dead-lettered; returns the figures."""
    accepted_ids = set(publisher.accepted.values())
    started = time.monotonic()
    deadline = started + timeout
    dlq, dlq_checked = set(), 0.0
    while True:
        missing = accepted_ids - receiver.delivered_event_ids() - dlq
        if not missing or time.monotonic() >= deadline:
            break
        if time.monotonic() - dlq_checked >= 2:
            dlq, dlq_checked = dead_letter_event_ids(server), time.monotonic()
            continue
        time.sleep(0.1)
    dlq = dead_letter_event_ids(server)
    missing = accepted_ids - receiver.delivered_event_ids() - dlq
    return figures(publisher, receiver, dlq, missing, time.monotonic() - started)


def figures(publisher, receiver, dlq, missing, waited):
    with receiver.lock:
        delivered = dict(receiver.delivered)
        seq_of = dict(receiver.seq)
        deliveries = receiver.deliveries
        mixed = {wid: sorted(ids) for wid, ids in receiver.event_ids.items() if len(ids) > 1}
        renamed = {e: sorted(set(wids)) for e, wids in receiver.webhook_ids.items() if len(set(wids)) > 1}
        problems = list(receiver.problems)
    accepted = publisher.accepted
    seq_of_accepted = {event_id: seq for seq, event_id in accepted.items()}
    delivered_ids = set(delivered.values())
    # An event the receiver got must come from an entry that was accepted (with that EventId) or whose request got
    # no answer (committed, then the server died before answering). An entry refused with an error must not arrive.
    wrong_id, refused_but_delivered, unknown = [], [], []
    for event_id in delivered_ids:
        seq = seq_of.get(event_id)
        if seq in accepted:
            if accepted[seq] != event_id:
                wrong_id.append((seq, accepted[seq], event_id))
        elif seq in publisher.refused:
            refused_but_delivered.append((seq, publisher.refused[seq], event_id))
        elif seq not in publisher.unanswered:
            unknown.append((seq, event_id))
    by_seq = collections.defaultdict(set)
    for event_id in delivered_ids:
        by_seq[seq_of.get(event_id)].add(event_id)
    split = {seq: sorted(ids) for seq, ids in by_seq.items() if len(ids) > 1}
    return {
        "requests": publisher.requests,
        "connection_errors": publisher.connection_errors,
        "accepted": len(accepted),
        "refused": dict(collections.Counter(publisher.refused.values())),
        "unanswered_entries": len(publisher.unanswered),
        "refused_connection_entries": publisher.not_sent,
        "delivered_unique": len(delivered_ids),
        "deliveries": deliveries,
        "duplicates": deliveries - len(delivered_ids),
        "delivered_unanswered": sum(1 for e in delivered_ids if seq_of.get(e) in publisher.unanswered),
        "dlq": len(dlq),
        "lost": len(missing),
        "lost_sample": sorted((seq_of_accepted[m], m) for m in missing)[:10],
        "wrong_event_id": wrong_id[:10],
        "refused_but_delivered": refused_but_delivered[:10],
        "unknown_seq": unknown[:10],
        "entry_delivered_as_two_events": dict(list(split.items())[:10]),
        "webhook_id_with_two_events": dict(list(mixed.items())[:10]),
        "event_with_two_webhook_ids": dict(list(renamed.items())[:10]),
        "receiver_problems": problems[:5],
        "waited_s": round(waited, 1),
    }


def assert_nothing_lost(name, numbers, seed, cycles):
    report = f"{name} (seed {seed}): {json.dumps(numbers)}\ncycles: {json.dumps(cycles)}"
    print(report)
    assert numbers["accepted"] > 0, f"nothing was accepted: {report}"
    assert numbers["lost"] == 0, f"accepted events lost: {report}"
    assert not numbers["receiver_problems"], f"requests the receiver could not verify: {report}"
    assert not numbers["wrong_event_id"], f"an entry arrived with an EventId other than the one it was answered: {report}"
    assert not numbers["refused_but_delivered"], f"entries answered with an error were delivered: {report}"
    assert not numbers["unknown_seq"], f"events arrived that no request sent: {report}"
    assert not numbers["entry_delivered_as_two_events"], f"one entry became two events: {report}"
    assert not numbers["webhook_id_with_two_events"], f"one webhook-id carried two events: {report}"
    assert not numbers["event_with_two_webhook_ids"], f"an event came with two webhook-ids (receivers could not dedupe): {report}"
    assert numbers["dlq"] == 0, f"events were dead-lettered although the retry budget was not used up: {report}"


def kill_and_restart(start, server, data_dir, args, publisher):
    """SIGKILL by PID, then a new server on the same data directory; returns it and the recovery figures."""
    os.kill(server.pid, signal.SIGKILL)
    server.popen.wait(timeout=10)
    assert server.popen.returncode == -signal.SIGKILL, server.popen.returncode
    server.stop()
    began = time.monotonic()
    server = start(*args, env={"PUSHBRIDGE_DATA_DIR": data_dir})
    publisher.point_at(server)
    recovered = metadata(server.wait_for_record(RECOVERED, timeout=5))
    recovered["restart_s"] = round(time.monotonic() - began, 2)
    return server, recovered


def crash_cycles(start, server, data_dir, args, publisher, rng, cycles):
    """`cycles` times: run 0.3–1.5 s, kill -9, restart on the same directory. Rules and targets must come back."""
    history = []
    for cycle in range(cycles):
        run_for = round(rng.uniform(0.3, 1.5), 2)
        time.sleep(run_for)
        server, recovered = kill_and_restart(start, server, data_dir, args, publisher)
        entry = {
            "cycle": cycle,
            "ran_s": run_for,
            "restart_s": recovered["restart_s"],
            "messages": int(recovered["pb.messages"]),
            "waiting_retry": int(recovered["pb.waiting_retry"]),
            "dead_lettered_at_start": int(recovered["pb.dead_lettered_at_start"]),
            "accepted_so_far": len(publisher.accepted),
        }
        history.append(entry)
        print(f"cycle {entry}")
        assert (recovered["pb.rules"], recovered["pb.targets"]) == ("1", "1"), f"the rule or target did not survive: {recovered}"
        assert entry["dead_lettered_at_start"] == 0, f"recovery dead-lettered messages: {recovered}"
    return server, history


def crash_args(admin_args, max_delay_ms):
    if not admin_args:
        pytest.skip("this pushbridge build has no admin API (serve --admin-token), needed to read the DLQ")
    return [
        "--no-default-rule",
        *admin_args,
        "--retry-base-delay-ms", "50",
        "--retry-max-delay-ms", str(max_delay_ms),
        "--max-new-connections-per-ip", "0",
    ]  # fmt: skip


# --- 1 and 2: kill -9 while publishing ---------------------------------------------------------------------------


def test_kill_9_while_publishing_loses_no_accepted_event(start_pushbridge, hooks, admin_args, tmp_path):
    args = crash_args(admin_args, 500)
    seed = seed_for("crash, receiver up")
    rng = random.Random(seed)
    secret = new_secret()
    receiver = hooks(secret)
    data_dir = str(tmp_path / "shared.data")
    server = start_pushbridge(*args, env={"PUSHBRIDGE_DATA_DIR": data_dir})
    # The configuration is made once; every later start must find it in the data directory.
    server.route("durable", SOURCE, [webhook_target(receiver.url, secret)])

    # Paced near what one webhook target delivers (a debug build: some 150 events/s), so the drain stays short.
    publisher = Publisher(seed, pause=0.03)
    publisher.point_at(server)
    publisher.start()
    try:
        server, history = crash_cycles(start_pushbridge, server, data_dir, args, publisher, rng, cycles=20)
        time.sleep(0.5)
    finally:
        publisher.stop()
    numbers = wait_for_every_accepted_event(publisher, receiver, server, timeout=60)
    assert_nothing_lost("crash, receiver up", numbers, seed, history)

    # Delivered messages leave the journal: a clean restart finds none to send again.
    server.stop()
    assert server.popen.returncode == 0, server.tail()
    server = start_pushbridge(*args, env={"PUSHBRIDGE_DATA_DIR": data_dir})
    recovered = metadata(server.wait_for_record(RECOVERED, timeout=5))
    assert recovered["pb.messages"] == "0", f"delivered messages came back after a clean restart: {recovered}"


def test_kill_9_while_the_receiver_is_down_keeps_retries_across_restarts(start_pushbridge, hooks, admin_args, tmp_path):
    # Retries wait at most 1 s (0.5 s on average with full jitter): 185 attempts take longer than this test runs.
    args = crash_args(admin_args, 1000)
    seed = seed_for("crash, receiver down")
    rng = random.Random(seed)
    secret = new_secret()
    receiver = hooks(secret, listening=False)  # connections are refused until it listens
    data_dir = str(tmp_path / "shared.data")
    server = start_pushbridge(*args, env={"PUSHBRIDGE_DATA_DIR": data_dir})
    server.route("durable", SOURCE, [webhook_target(receiver.url, secret)])

    # Paced, so that the retry load (every queued message, about twice a second) stays modest.
    publisher = Publisher(seed, pause=0.05)
    publisher.point_at(server)
    publisher.start()
    try:
        server, history = crash_cycles(start_pushbridge, server, data_dir, args, publisher, rng, cycles=20)
        time.sleep(0.5)
    finally:
        publisher.stop()
    assert receiver.requests == 0
    assert max(cycle["waiting_retry"] for cycle in history) > 0, f"no restart found a message waiting for a retry: {history}"

    receiver.listen()
    numbers = wait_for_every_accepted_event(publisher, receiver, server, timeout=60)
    assert_nothing_lost("crash, receiver down", numbers, seed, history)


# --- 3: a clean restart --------------------------------------------------------------------------------------------


def test_a_clean_restart_keeps_buses_rules_targets_and_queued_retries(start_pushbridge, hooks, tmp_path):
    secret, other_secret = new_secret(), new_secret()
    receiver = hooks(secret, status=503)
    data_dir = str(tmp_path / "shared.data")
    args = ["--no-default-rule", "--retry-base-delay-ms", "1000", "--retry-max-delay-ms", "2000", "--shutdown-grace", "1"]
    server = start_pushbridge(*args, env={"PUSHBRIDGE_DATA_DIR": data_dir})
    events = server.events
    events.create_event_bus(Name="orders", Description="orders of the shop")
    events.put_rule(Name="hooked", EventPattern=json.dumps({"source": [SOURCE]}), Description="to the webhook")
    reply = events.put_targets(
        Rule="hooked",
        Targets=[
            webhook_target(receiver.url, secret, RetryPolicy={"MaximumRetryAttempts": 100, "MaximumEventAgeInSeconds": 3600}),
        ],
    )
    assert reply["FailedEntryCount"] == 0, reply
    events.put_rule(
        Name="placed",
        EventBusName="orders",
        EventPattern=json.dumps({"detail-type": ["Order Placed"], "detail": {"total": [{"numeric": [">", 100]}]}}),
        State="DISABLED",
        Description="big orders",
    )
    reply = events.put_targets(
        Rule="placed",
        EventBusName="orders",
        Targets=[
            {"Id": "sockets", "Arn": "arn:pushbridge:websocket:us-east-1:000000000000:subscribers/*"},
            webhook_target(
                f"http://127.0.0.1:{free_port()}/orders",
                other_secret,
                target_id="orders-hook",
                InputTransformer={"InputPathsMap": {"total": "$.detail.total"}, "InputTemplate": '{"total": <total>}'},
            ),
        ],
    )
    assert reply["FailedEntryCount"] == 0, reply
    events.put_rule(Name="scratch", EventPattern=json.dumps({"source": ["nobody"]}))
    events.delete_rule(Name="scratch")  # a deleted rule stays deleted

    event_ids = [server.put_event(SOURCE, "Entity Updated", {"seq": n}) for n in range(3)]
    wait_until(lambda: set(receiver.webhook_ids) >= set(event_ids), 15, message="a first (503) attempt of each event")

    def configuration(s):
        return {
            "buses": sorted((b["Name"], b.get("Description")) for b in s.events.list_event_buses()["EventBuses"]),
            "default rules": s.events.list_rules()["Rules"],
            "orders rules": s.events.list_rules(EventBusName="orders")["Rules"],
            "hooked": s.events.describe_rule(Name="hooked"),
            "placed": s.events.describe_rule(Name="placed", EventBusName="orders"),
            "hooked targets": s.events.list_targets_by_rule(Rule="hooked")["Targets"],
            "placed targets": s.events.list_targets_by_rule(Rule="placed", EventBusName="orders")["Targets"],
        }

    before = configuration(server)
    for answer in before.values():
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    assert [r["Name"] for r in before["default rules"]] == ["hooked"], before

    server.stop()
    assert server.popen.returncode == 0, server.tail()
    server = start_pushbridge(*args, env={"PUSHBRIDGE_DATA_DIR": data_dir})
    recovered = metadata(server.wait_for_record(RECOVERED, timeout=5))
    after = configuration(server)
    for answer in after.values():
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    assert after == before, f"the configuration changed across a clean restart:\nbefore {before}\nafter  {after}"
    assert ("orders", "orders of the shop") in after["buses"], after["buses"]
    assert (recovered["pb.buses"], recovered["pb.rules"], recovered["pb.targets"]) == ("1", "2", "3"), recovered
    assert (recovered["pb.messages"], recovered["pb.waiting_retry"]) == ("3", "3"), recovered

    receiver.status = 200
    wait_until(lambda: receiver.delivered_event_ids() >= set(event_ids), 15, message="the kept retries to be delivered")
    with receiver.lock:
        attempts = {event_id: list(receiver.webhook_ids[event_id]) for event_id in event_ids}
        problems = list(receiver.problems)
    assert not problems, problems  # signed with the secret kept in the data directory
    for event_id, webhook_ids in attempts.items():
        assert len(webhook_ids) >= 2 and len(set(webhook_ids)) == 1, f"webhook-id changed across the restart: {event_id} {webhook_ids}"


# --- 4: one server per directory, and a corrupt database ---------------------------------------------------------


def run_serve(binary, data_dir, home, timeout=30):
    """`pushbridge serve` that is expected to exit at once; returns the finished process."""
    argv = [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--no-default-rule"]
    env = clean_environment({"HOME": str(home), "PUSHBRIDGE_DATA_DIR": str(data_dir)})
    try:
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as timeout_error:
        raise AssertionError(f"pushbridge serve on {data_dir} kept running: {timeout_error.stderr}") from None


def assert_clean_refusal(finished, *fragments):
    output = f"exit {finished.returncode}\nstderr: {finished.stderr}\nstdout: {finished.stdout[-2000:]}"
    assert finished.returncode == 1, output
    assert not any(marker in finished.stderr + finished.stdout for marker in CRASH_MARKERS), f"a crash, not a message: {output}"
    lines = [line for line in finished.stderr.splitlines() if line.startswith("pushbridge: cannot start: ")]
    assert len(lines) == 1, output
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} missing: {output}"
    return lines[0]


def test_a_second_server_on_the_same_data_directory_exits_and_the_first_keeps_serving(start_pushbridge, pushbridge_binary, tmp_path):
    data_dir = tmp_path / "shared.data"
    first = start_pushbridge("--no-default-rule", env={"PUSHBRIDGE_DATA_DIR": str(data_dir)})
    first.events.put_rule(Name="kept", EventPattern=json.dumps({"source": [SOURCE]}))

    second = run_serve(pushbridge_binary, data_dir, tmp_path)
    assert_clean_refusal(
        second,
        f"pushbridge: cannot start: {data_dir}: another PushBridge server (pid {first.pid}) is using this data directory",
    )
    assert first.alive(), first.tail()
    assert [r["Name"] for r in first.events.list_rules()["Rules"]] == ["kept"]
    first.put_event(SOURCE, "Still Serving", {"n": 1})
    first.events.put_rule(Name="after", EventPattern=json.dumps({"source": [SOURCE]}))

    # The refused start took nothing: once the first stops cleanly, a new one opens the directory with both rules.
    first.stop()
    assert first.popen.returncode == 0, first.tail()
    third = start_pushbridge("--no-default-rule", env={"PUSHBRIDGE_DATA_DIR": str(data_dir)})
    assert sorted(r["Name"] for r in third.events.list_rules()["Rules"]) == ["after", "kept"]


def test_a_corrupt_database_stops_the_start_with_the_file_named(start_pushbridge, pushbridge_binary, tmp_path):
    garbage_dir = tmp_path / "garbage.data"
    garbage_dir.mkdir()
    database = garbage_dir / "pushbridge.sqlite"
    garbage = b"this is not a SQLite database\n" * 200 + os.urandom(8192)
    database.write_bytes(garbage)

    finished = run_serve(pushbridge_binary, garbage_dir, tmp_path)
    assert_clean_refusal(finished, f"pushbridge: cannot start: {database}: ", "Move the file aside")
    assert database.read_bytes() == garbage, "the refused start changed the corrupt file"

    # A real database whose header is intact but whose later pages are overwritten: refused too, never served.
    data_dir = tmp_path / "real.data"
    server = start_pushbridge("--no-default-rule", env={"PUSHBRIDGE_DATA_DIR": str(data_dir)})
    for n in range(40):
        server.events.put_rule(Name=f"rule-{n}", EventPattern=json.dumps({"source": [f"s{n}"]}), Description="d" * 400)
    server.stop()
    assert server.popen.returncode == 0, server.tail()
    database = data_dir / "pushbridge.sqlite"
    assert not (data_dir / "pushbridge.sqlite-wal").exists() or (data_dir / "pushbridge.sqlite-wal").stat().st_size == 0
    content = bytearray(database.read_bytes())
    assert len(content) >= 4 * 4096, f"the database is only {len(content)} bytes"
    rng = random.Random(7)
    for page in range(1, len(content) // 4096):
        content[page * 4096 : (page + 1) * 4096] = rng.randbytes(4096)
    database.write_bytes(bytes(content))

    finished = run_serve(pushbridge_binary, data_dir, tmp_path)
    assert_clean_refusal(finished, f"pushbridge: cannot start: {database}: ", "Move the file aside")


# --- 5 and 6: a full disk, a read-only file system ----------------------------------------------------------------


@pytest.fixture
def mounts(_processes):
    """mount(argv..., target) -> mounts, and at teardown stops this test's servers, then unmounts (last first)."""
    mounted = []

    def mount(*argv):
        target = argv[-1]
        os.makedirs(target, exist_ok=True)
        if os.geteuid() != 0:
            pytest.skip(f"mounting needs root (running as uid {os.geteuid()})")
        missing = [tool for tool in ("mount", "umount", "findmnt") if shutil.which(tool) is None]
        if missing:
            pytest.skip(f"{', '.join(missing)} not installed")
        finished = subprocess.run(["mount", *argv], capture_output=True, text=True, timeout=30)
        if finished.returncode != 0:
            pytest.skip(f"`mount {' '.join(argv)}` is not permitted here: {finished.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for process in _processes:
        process.stop()
    for target in reversed(mounted):
        if subprocess.run(["umount", target], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", target], capture_output=True, timeout=30)


def big_entry(seq, size):
    return {"Source": SOURCE, "DetailType": "Durability Probe", "Detail": json.dumps({"seq": seq, "pad": "x" * size})}


def assert_still_serving(server):
    assert server.alive(), server.tail()
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        assert response.status == 200
    # An event no rule matches needs no commit: still accepted.
    reply = server.events.put_events(Entries=[{"Source": "it.unrouted", "DetailType": "Ping", "Detail": "{}"}])
    assert "EventId" in reply["Entries"][0], reply
    assert "durable" in [r["Name"] for r in server.events.list_rules()["Rules"]]


def test_a_full_disk_fails_entries_with_internal_exception_and_recovers_when_space_is_freed(start_pushbridge, hooks, mounts, tmp_path):
    mount_point = mounts("-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(tmp_path / "tiny"))
    # Space an operator can free later, without unmounting under the server.
    ballast = os.path.join(mount_point, "ballast")
    with open(ballast, "wb") as f:
        f.write(b"\0" * 512 * 1024)
    secret = new_secret()
    receiver = hooks(secret, listening=False)  # nothing leaves the journal until it listens
    args = ["--no-default-rule", "--retry-base-delay-ms", "100", "--retry-max-delay-ms", "1000", "--shutdown-grace", "1"]
    env = {"PUSHBRIDGE_DATA_DIR": os.path.join(mount_point, "data")}
    server = start_pushbridge(*args, env=env)
    server.route("durable", SOURCE, [webhook_target(receiver.url, secret)])

    accepted, refused, seq = {}, {}, 0

    def publish(size):
        nonlocal seq
        reply = server.events.put_events(Entries=[big_entry(seq, size)])  # an HTTP error would raise here
        entry = reply["Entries"][0]
        if "EventId" in entry:
            accepted[seq] = entry["EventId"]
        else:
            refused[seq] = entry
        seq += 1
        return entry

    for _ in range(40):
        if "ErrorCode" in publish(150_000):
            break
    assert refused, f"2 MiB never filled up: {len(accepted)} events of 150 kB accepted"
    assert accepted, "the first event was refused already"
    for _ in range(3):
        publish(150_000)
        publish(100)  # a small one may still fit; either way it is answered, never with a 5xx
    for entry in refused.values():
        assert entry["ErrorCode"] == "InternalException", entry
        assert "could not be recorded durably" in entry["ErrorMessage"], entry
    failed = server.records("PutEvents entries could not be recorded; they are answered InternalException and not queued")
    assert failed and "full" in failed[0]["metadata"], failed
    assert_still_serving(server)
    # A configuration change either fails with an error or is kept: acknowledged and then forgotten would be wrong.
    try:
        server.events.put_rule(Name="while-full", EventPattern=json.dumps({"source": ["it.other"]}))
        rule_acknowledged = True
    except server.events.exceptions.ClientError as error:
        rule_acknowledged = False
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500, error.response
    rules = ["durable", "while-full"] if rule_acknowledged else ["durable"]

    # A clean restart while the disk is still full: it starts, and finds every accepted event (none delivered yet).
    server.stop()
    assert server.popen.returncode == 0, server.tail()
    server = start_pushbridge(*args, env=env)
    recovered = metadata(server.wait_for_record(RECOVERED, timeout=5))
    assert int(recovered["pb.messages"]) == len(accepted), f"{len(accepted)} accepted, recovered {recovered}"
    assert sorted(r["Name"] for r in server.events.list_rules()["Rules"]) == rules
    assert "ErrorCode" in publish(150_000), "a big entry was accepted on a full disk"

    os.remove(ballast)  # space comes back
    accepted_before = len(accepted)
    wait_until(lambda: "EventId" in publish(150_000), 10, interval=0.2, message="a big entry to be accepted after space was freed")
    assert len(accepted) > accepted_before
    for entry in refused.values():
        assert entry["ErrorCode"] == "InternalException", entry

    receiver.listen()
    wait_until(lambda: receiver.delivered_event_ids() >= set(accepted.values()), 30, message="every accepted event to arrive")
    with receiver.lock:
        delivered_seqs = {receiver.seq[e] for e in receiver.delivered.values()}
        problems = list(receiver.problems)
    assert not problems, problems
    assert not (delivered_seqs & set(refused)), f"entries answered InternalException were delivered: {sorted(delivered_seqs & set(refused))}"
    assert sorted(r["Name"] for r in server.events.list_rules()["Rules"]) == rules
    print(f"full disk: {len(accepted)} accepted, {len(refused)} refused (InternalException), {len(delivered_seqs)} delivered")


def test_a_read_only_data_directory_stops_the_start(pushbridge_binary, mounts, tmp_path):
    mount_point = mounts("-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(tmp_path / "readonly"))
    finished = run_serve(pushbridge_binary, mount_point, tmp_path)
    assert_clean_refusal(finished, mount_point, "Read-only file system")
    # A data directory to be created inside a read-only one.
    inside = os.path.join(mount_point, "data")
    finished = run_serve(pushbridge_binary, inside, tmp_path)
    assert_clean_refusal(finished, inside, "Read-only file system")


def test_a_file_system_that_turns_read_only_under_the_server_fails_entries_and_keeps_serving(start_pushbridge, hooks, mounts, tmp_path):
    # The kernel refuses `mount -o remount,ro` while the server holds its journal open for writing (EBUSY), so this
    # is how a file system really turns read-only under a process: ext4 with errors=remount-ro, after an error
    # (injected through /sys/fs/ext4/<dev>/trigger_fs_error).
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 is not installed")
    image = tmp_path / "ext4.img"
    with open(image, "wb") as f:
        f.truncate(32 * 1024 * 1024)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        pytest.skip(f"mkfs.ext4 is not available: {made.stderr.strip()}")
    mount_point = mounts("-o", "loop,errors=remount-ro", str(image), str(tmp_path / "ext4"))
    device = subprocess.run(["findmnt", "-n", "-o", "SOURCE", mount_point], capture_output=True, text=True).stdout.strip()
    trigger = f"/sys/fs/ext4/{os.path.basename(device)}/trigger_fs_error"
    if not os.path.exists(trigger):
        pytest.skip(f"{trigger} is missing: this kernel cannot inject an ext4 error")

    secret = new_secret()
    receiver = hooks(secret, status=503)
    server = start_pushbridge("--no-default-rule", "--retry-base-delay-ms", "200", "--retry-max-delay-ms", "1000",
                              env={"PUSHBRIDGE_DATA_DIR": os.path.join(mount_point, "data")})  # fmt: skip
    server.route("durable", SOURCE, [webhook_target(receiver.url, secret)])
    before = server.put_event(SOURCE, "Before", {"seq": 0})

    with open(trigger, "w") as f:
        f.write("durability test\n")
    with pytest.raises(OSError) as raised:
        open(os.path.join(mount_point, "probe"), "w").close()
    assert raised.value.errno == errno.EROFS, raised.value

    for n in range(1, 6):
        reply = server.events.put_events(Entries=[big_entry(n * 10 + k, 100) for k in range(3)])
        assert reply["FailedEntryCount"] == 3, reply
        for entry in reply["Entries"]:
            assert entry.get("ErrorCode") == "InternalException", reply
    assert_still_serving(server)
    # What was accepted before is still being delivered (from memory) while the disk is read-only.
    receiver.status = 200
    wait_until(lambda: before in receiver.delivered_event_ids(), 15, message="the event accepted before the error")
    with receiver.lock:
        delivered_seqs = {receiver.seq[e] for e in receiver.delivered.values()}
    assert delivered_seqs == {0}, f"refused entries were delivered: {delivered_seqs}"
