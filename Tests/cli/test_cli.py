"""End-to-end tests of the `pushbridge` CLI: the built binary as a subprocess against a running server.

Run with Scripts/test-cli [BINARY] (default .build/debug/pushbridge), or:
    PUSHBRIDGE_BIN=.build/debug/pushbridge python3 -m pytest -q Tests/cli
"""

import base64
import json
import os
import signal
import socket
import stat
import subprocess
import tempfile
import time

import pytest

BIN = os.path.abspath(os.environ.get("PUSHBRIDGE_BIN", ".build/debug/pushbridge"))
TIMEOUT = 20  # seconds for any one CLI run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, condition, limit=15.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    def __init__(self, home, *extra):
        self.port = free_port()
        self.home = home
        self.token_file = os.path.join(home, "token")
        self.stderr = open(os.path.join(home, f"serve-{self.port}.err"), "w+")
        # Each server its own data directory: one server at a time may hold one.
        env = dict(os.environ, HOME=home, PUSHBRIDGE_DATA_DIR=os.path.join(home, f"data-{self.port}"))
        env.pop("PUSHBRIDGE_ADMIN_TOKEN", None)
        self.process = subprocess.Popen(
            [BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--admin-token-file", self.token_file, *extra],
            stdout=subprocess.DEVNULL, stderr=self.stderr, env=env)
        wait_until("the server to listen", self.listening)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def listening(self):
        assert self.process.poll() is None, self.log()
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def log(self):
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.stderr.close()


@pytest.fixture(scope="module")
def home():
    with tempfile.TemporaryDirectory(prefix="pushbridge-cli-") as folder:
        yield folder


@pytest.fixture(scope="module")
def server(home):
    server = Server(home, "--retry-base-delay-ms", "600000")
    yield server
    server.stop()


def run(server, *args, env=None, input=None):
    """Runs the CLI; returns (exit code, stdout, stderr)."""
    environment = dict(os.environ, HOME=server.home if server else tempfile.gettempdir())
    for name in ("PUSHBRIDGE_ADMIN_TOKEN", "PUSHBRIDGE_URL", "PUSHBRIDGE_ADMIN_TOKEN_FILE", "NO_COLOR"):
        environment.pop(name, None)
    if server:
        environment["PUSHBRIDGE_URL"] = server.url
        environment["PUSHBRIDGE_ADMIN_TOKEN_FILE"] = server.token_file
    environment.update(env or {})
    result = subprocess.run([BIN, *args], capture_output=True, text=True, env=environment, timeout=TIMEOUT, input=input)
    return result.returncode, result.stdout, result.stderr


def run_json(server, *args):
    code, out, err = run(server, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def dead_letter(server, count=1):
    """Entity Updated events without an entityId: the WebSocket target refuses each, so each is dead-lettered."""
    before = run_json(server, "queues")["dlqDepth"]
    entries = [{"Source": "cli", "DetailType": "Entity Updated", "Detail": json.dumps({"n": i})} for i in range(count)]
    code, out, err = run(server, "put-events", "--entries", "-", input=json.dumps(entries))
    assert code == 0, err
    wait_until("dead letters", lambda: run_json(server, "queues")["dlqDepth"] >= before + count)


class RawWebSocket:
    """A minimal WebSocket client (enough to connect, subscribe and read text frames)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /dev HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: cli-tests\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            assert chunk, "closed during handshake"
            response += chunk
        assert response.startswith(b"HTTP/1.1 101"), response
        self.buffer = response.split(b"\r\n\r\n", 1)[1]

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81, 0x80 | len(payload)]) if len(payload) < 126 else bytes([0x81, 0xFE]) + len(payload).to_bytes(2, "big")
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed"
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self):
        """The next frame as (opcode, payload bytes)."""
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(self._read(2), "big")
        elif length == 127:
            length = int.from_bytes(self._read(8), "big")
        return first & 0x0F, self._read(length)

    def close(self):
        self.sock.close()


# --- help and usage ---------------------------------------------------------------------------------------

COMMANDS = [
    [], ["serve"], ["queues"], ["dlq"], ["dlq", "list"], ["dlq", "show"], ["dlq", "redrive"], ["dlq", "delete"], ["dlq", "purge"],
    ["retries"], ["retries", "list"], ["retries", "now"], ["retries", "cancel"], ["connections"], ["connections", "list"],
    ["connections", "show"], ["connections", "disconnect"], ["subscriptions"], ["put-events"], ["post-to-connection"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "pushbridge")
def test_every_command_has_help_with_examples(command):
    code, out, err = run(None, *command, "--help")
    assert code == 0, err
    assert "USAGE:" in out
    assert "pushbridge" in out and ("Example" in out or command == ["serve"])


def test_usage_errors_exit_1_and_say_what_to_do(server):
    code, out, err = run(server, "dlq", "purge")
    assert code == 1
    assert "--all" in err
    code, out, err = run(server, "subscriptions")
    assert code == 1 and "--entity" in err
    code, out, err = run(server, "retries", "now", "not-an-id")
    assert code == 1 and "bus/rule/targetId/messageId" in err
    code, out, err = run(server, "serve", "--threads", "0")
    assert code == 1 and "--threads (or PUSHBRIDGE_THREADS) must be from 1 to 256, not 0" in err


# Every number from a flag or a variable is range-checked before it becomes a size or a duration: a clear
# start-up error, never a trap (exit code 1, the message names the flag and its range).
@pytest.mark.parametrize(
    "args, env, flag",
    [
        (["--outbound-timeout", "nan"], None, "--outbound-timeout"),
        (["--outbound-timeout", "1e300"], None, "--outbound-timeout"),
        (["--shutdown-grace", "inf"], None, "--shutdown-grace"),
        (["--idle-timeout", "0"], None, "--idle-timeout"),
        (["--max-connection-duration", "9223372036854775807"], None, "--max-connection-duration"),
        (["--retry-base-delay-ms=-1"], None, "--retry-base-delay-ms"),
        (["--max-frame-size", "1"], None, "--max-frame-size"),
        (["--queue-capacity", "0"], None, "--queue-capacity"),
        (["--jwt-secret", "s" * 32, "--jwt-leeway", "9223372036854775807"], None, "--jwt-leeway"),
        ([], {"PUSHBRIDGE_JWKS_REFRESH": "1"}, "--jwks-refresh"),
        ([], {"PUSHBRIDGE_RETRY_MAX_DELAY_MS": "9223372036854775807"}, "--retry-max-delay-ms"),
        (["--authorizer-url", "http://127.0.0.1:9/a", "--authorizer-ttl", "3601"], None, "--authorizer-ttl"),
        (["--authorizer-url", "http://127.0.0.1:9/a", "--authorizer-timeout", "nan"], None, "--authorizer-timeout"),
        (["--authorizer-url", "http://127.0.0.1:9/a"], {"PUSHBRIDGE_AUTHORIZER_TIMEOUT": "31"}, "--authorizer-timeout"),
        (["--subscribe-policy", "url:http://127.0.0.1:9/s", "--subscribe-policy-ttl=-1"], None, "--subscribe-policy-ttl"),
        (["--subscribe-policy", "url:http://127.0.0.1:9/s", "--subscribe-policy-timeout", "0"], None, "--subscribe-policy-timeout"),
        (["--max-connect-rate=-1"], None, "--max-connect-rate"),
        (["--max-frames-per-second", "9223372036854775807"], None, "--max-frames-per-second"),
        (["--frames-burst", "0"], None, "--frames-burst"),
        (["--put-events-rate", "1000001"], None, "--put-events-rate"),
        ([], {"PUSHBRIDGE_PUT_EVENTS_BURST": "99999999999"}, "--put-events-burst"),
        (["--port", "70000"], None, "--port"),
        ([], {"PUSHBRIDGE_PORT": "70000"}, "--port"),
    ],
)
def test_serve_flags_out_of_range_stop_the_start_with_the_range(server, args, env, flag):
    code, out, err = run(server, "serve", *args, env=env)
    assert code == 1, err
    assert flag in err and "must be from" in err, err
    assert "Fatal error" not in err


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--jwks", "/nonexistent/jwks.json"], "--jwks /nonexistent/jwks.json: cannot read the file"),
        (["--jwt-secret-file", "/nonexistent/secret"], "--jwt-secret-file /nonexistent/secret: cannot read the file"),
        (["--jwt-secret", "s3cr3t-value"], "must be at least 32"),
        (["--jwt-secret", "s" * 32, "--jwt-secret-file", "/etc/hostname"], "not both"),
        (["--subscribe-policy", "claim:$.entities"], "configure --jwt-secret"),
        (["--subscribe-policy", "bogus"], "is not a subscribe policy"),
        (["--jwt-secret", "s" * 32, "--jwt-user-claim", "data.userId"], "is not a JSON path"),
        (["--authorizer-url", "http://127.0.0.1:9/a", "--jwt-secret", "s3cr3t-value" * 3], "cannot be combined with --jwt-secret"),
        (["--authorizer-url", "127.0.0.1:9/authorize"], "--authorizer-url: '127.0.0.1:9/authorize' is not an http:// or https:// URL"),
        (["--authorizer-ttl", "60"], "need --authorizer-url"),
        (["--authorizer-url", "http://127.0.0.1:9/a", "--authorizer-identity-source", "header.X"], "is not an identity source"),
        (["--subscribe-policy", "url:not-a-url"], "is not a subscribe policy"),
        (["--subscribe-policy-ttl", "10"], "apply only to --subscribe-policy url:URL"),
    ],
)
def test_authentication_settings_that_cannot_work_stop_the_start(server, args, expected):
    code, out, err = run(server, "serve", "--in-memory", *args)
    assert code == 1 and expected in err, err
    assert "s3cr3t-value" not in err, "a secret was echoed"
    assert "Fatal error" not in err


def test_redrive_rate_out_of_range_is_a_usage_error(server):
    for rate in ["1e300", "nan", "0"]:
        code, out, err = run(server, "dlq", "redrive", "--all", "--rate", rate)
        assert code == 1 and "--rate must be a number from 0.01 to 1000000" in err, err
    code, out, err = run(server, "serve", env={"PUSHBRIDGE_THREADS": "many"})
    assert code == 1 and "PUSHBRIDGE_THREADS=many" in err


# --- auth and reachability --------------------------------------------------------------------------------

def test_token_file_is_private_and_used_by_default(server):
    mode = stat.S_IMODE(os.stat(server.token_file).st_mode)
    assert mode == 0o600
    token = open(server.token_file).read().strip()
    assert len(token) >= 32
    assert server.log().count(token) == 1  # printed once, never logged again
    code, out, err = run(server, "queues")
    assert code == 0, err


def test_wrong_or_missing_token_exits_3(server):
    code, out, err = run(server, "queues", "--token", "wrong")
    assert code == 3
    assert "Unauthorized" in err and "token" in err
    code, out, err = run(server, "queues", env={"PUSHBRIDGE_ADMIN_TOKEN_FILE": "/nonexistent/token"})
    assert code == 3
    assert "PUSHBRIDGE_ADMIN_TOKEN" in err
    token = open(server.token_file).read().strip()
    code, out, err = run(server, "queues", env={"PUSHBRIDGE_ADMIN_TOKEN": token, "PUSHBRIDGE_ADMIN_TOKEN_FILE": "/nonexistent"})
    assert code == 0, err


def test_unreachable_server_exits_2():
    code, out, err = run(None, "queues", "--server", f"http://127.0.0.1:{free_port()}", "--token", "x")
    assert code == 2
    assert "Cannot reach PushBridge" in err and "--server" in err


# --- queues, put-events and the DLQ -----------------------------------------------------------------------

def test_queues_table_and_json(server):
    code, out, err = run(server, "put-events", "--source", "cli", "--detail-type", "Entity Updated", "--detail", '{"entityId":"q1"}')
    assert code == 0, err
    assert "EVENT-ID" in out
    code, out, err = run(server, "queues")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["TARGET", "DEPTH", "READY", "IN-FLIGHT", "RETRYING", "NEXT-RETRY", "DLQ", "DELIVERED", "FAILED", "RETRIED"]
    assert any(row.startswith("default/EntityUpdated/EntityUpdatedSubscribers") for row in rows)
    assert "\x1b[" not in out  # not a terminal: no colours
    queues = run_json(server, "queues")["queues"]
    target = next(q for q in queues if q["target"] == "default/EntityUpdated/EntityUpdatedSubscribers")
    assert target["counters"]["delivered"] >= 1


def test_put_events_reports_failed_entries_with_exit_5(server):
    code, out, err = run(server, "put-events", "--entries", "-", input='[{"Source":"cli","DetailType":"x"}]')
    assert code == 5
    assert "1 of 1 entries failed" in err
    code, out, err = run(server, "put-events", "--entries", "/nonexistent.json")
    assert code == 1 and "Cannot read" in err


def test_put_events_sends_the_ingest_token():
    # A home of its own: a second server would overwrite the module server's admin token file.
    with tempfile.TemporaryDirectory(prefix="pushbridge-cli-ingest-") as home:
        tokens = os.path.join(home, "ingest-tokens")
        with open(tokens, "w") as f:
            f.write("# for the CLI test\ncli-ingest-token-0123456789\n")
        os.chmod(tokens, 0o600)
        server = Server(home, "--ingest-tokens-file", tokens)
        try:
            event = ["put-events", "--source", "cli", "--detail-type", "t", "--detail", "{}"]
            code, out, err = run(server, *event)
            assert code == 3, err
            assert "UnauthorizedException" in err and "--ingest-token" in err
            code, out, err = run(server, *event, "--ingest-token", "wrong")
            assert code == 3 and "Unknown bearer token" in err, err
            code, out, err = run(server, *event, "--ingest-token", "cli-ingest-token-0123456789")
            assert code == 0, err
            code, out, err = run(server, *event, env={"PUSHBRIDGE_INGEST_TOKEN": "cli-ingest-token-0123456789"})
            assert code == 0, err
            assert "cli-ingest-token-0123456789" not in server.log()
        finally:
            server.stop()


def test_dlq_list_show_redrive_delete_purge(server):
    run(server, "dlq", "purge", "--all")
    dead_letter(server, 3)
    code, out, err = run(server, "dlq", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["ID", "TARGET", "ERROR", "RETRIES", "DEAD-LETTERED"]
    assert len(lines) == 4 and all("INVALID_PARAMETER" in line for line in lines[1:])

    listed = run_json(server, "dlq", "list", "--error-code", "INVALID_PARAMETER")
    assert listed["total"] == 3
    ids = [entry["id"] for entry in listed["deadLetters"]]
    assert run_json(server, "dlq", "list", "--error-code", "TIMEOUT")["total"] == 0
    code, out, err = run(server, "dlq", "list", "--limit", "2")
    assert code == 0 and "--next-token" in err

    code, out, err = run(server, "dlq", "show", ids[0])
    assert code == 0, err
    assert "INVALID_PARAMETER" in out and "Attempts (1)" in out and '"detail-type" : "Entity Updated"' in out
    assert f"pushbridge dlq redrive {ids[0]}" in out
    assert run_json(server, "dlq", "show", ids[0])["attributes"]["ERROR_CODE"] == "INVALID_PARAMETER"

    code, out, err = run(server, "dlq", "redrive", ids[0])
    assert code == 0, err
    assert "Redriven 1 of 1" in out
    code, out, err = run(server, "dlq", "show", ids[0])
    assert code == 4 and "No dead letter" in err and "pushbridge dlq list" in err

    code, out, err = run(server, "dlq", "delete", ids[1])
    assert code == 0 and "Deleted" in out
    code, out, err = run(server, "dlq", "delete", ids[1])
    assert code == 4

    wait_until("the redriven event to fail again", lambda: run_json(server, "queues")["dlqDepth"] == 2)
    result = run_json(server, "dlq", "redrive", "--all", "--rate", "100")
    assert result["matched"] == 2 and result["redriven"] == 2 and result["failures"] == []
    wait_until("the redriven events to fail again", lambda: run_json(server, "queues")["dlqDepth"] == 2)

    code, out, err = run(server, "dlq", "purge", "--rule", "EntityUpdated")
    assert code == 0 and "Purged 2 dead letter(s)." in out
    code, out, err = run(server, "dlq", "list")
    assert code == 0 and "empty" in out


def test_redrive_by_filter_in_batches(server):
    run(server, "dlq", "purge", "--all")
    dead_letter(server, 7)
    code, out, err = run(server, "dlq", "redrive", "--target", "EntityUpdatedSubscribers", "--rate", "3")
    assert code == 0, err
    assert "Redriven 7 of 7" in out
    wait_until("the redriven events to fail again", lambda: run_json(server, "queues")["dlqDepth"] == 7)
    run(server, "dlq", "purge", "--all")


# --- retries ----------------------------------------------------------------------------------------------

def test_retries_list_now_cancel(server):
    code, out, err = run(server, "retries", "list")
    assert code == 0
    # A webhook nobody listens on, with a 10-minute backoff: messages wait for their retry.
    put = lambda op, body: subprocess.run(
        ["curl", "-sf", server.url + "/", "-H", "Content-Type: application/x-amz-json-1.1", "-H", f"X-Amz-Target: AWSEvents.{op}", "-d", body],
        capture_output=True, timeout=TIMEOUT).returncode
    assert put("PutRule", json.dumps({"Name": "Hooks", "EventPattern": json.dumps({"source": ["hooks"]})})) == 0
    assert put("PutTargets", json.dumps({"Rule": "Hooks", "Targets": [{"Id": "hook", "Arn": "http://127.0.0.1:9/x"}]})) == 0
    for n in range(2):
        assert run(server, "put-events", "--source", "hooks", "--detail-type", "x", "--detail", "{}")[0] == 0
    wait_until("two retries", lambda: run_json(server, "retries", "list", "--target", "hook")["total"] == 2)
    code, out, err = run(server, "retries", "list", "--target", "hook")
    assert code == 0 and out.splitlines()[0].split()[:4] == ["ID", "EVENT", "ATTEMPTS", "NEXT-ATTEMPT"]
    ids = [r["id"] for r in run_json(server, "retries", "list")["retries"] if r["id"].startswith("default/Hooks/hook/")]
    code, out, err = run(server, "retries", "cancel", ids[0])
    assert code == 0, err
    assert "dead letter" in out
    code, out, err = run(server, "retries", "cancel", ids[0])
    assert code == 4 and "retries list" in err
    code, out, err = run(server, "retries", "now", ids[1])
    assert code == 0 and "Retrying" in out
    assert run_json(server, "dlq", "list", "--target", "hook")["total"] == 1
    run(server, "dlq", "purge", "--all")


# --- connections ------------------------------------------------------------------------------------------

def test_connections_subscriptions_post_and_disconnect(server):
    ws = RawWebSocket(server.port)
    try:
        ws.send('{"action":"subscribe","entityId":"cli-entity"}')
        wait_until("the subscription", lambda: run_json(server, "subscriptions", "--entity", "cli-entity")["count"] == 1)
        connection = run_json(server, "subscriptions", "--entity", "cli-entity")["connections"][0]

        code, out, err = run(server, "connections", "list")
        assert code == 0 and connection in out and "cli-tests" in out
        assert out.splitlines()[0].split()[:3] == ["CONNECTION", "SOURCE-IP", "CONNECTED"]
        code, out, err = run(server, "connections", "show", connection)
        assert code == 0 and "cli-entity" in out
        code, out, err = run(server, "subscriptions", "--connection", connection)
        assert code == 0 and "cli-entity" in out
        assert run_json(server, "connections", "show", connection)["subscriptions"] == ["cli-entity"]

        code, out, err = run(server, "post-to-connection", connection, "hello from the cli")
        assert code == 0 and "Sent 18 bytes" in out
        assert ws.receive() == (0x1, b"hello from the cli")

        code, out, err = run(server, "connections", "disconnect", connection)
        assert code == 0 and "Disconnected" in out
        opcode, payload = ws.receive()
        assert opcode == 0x8 and int.from_bytes(payload[:2], "big") == 1000
        code, out, err = run(server, "connections", "show", connection)
        assert code == 4
        code, out, err = run(server, "post-to-connection", connection, "again")
        assert code == 4 and "gone" in err
    finally:
        ws.close()


# --- shutdown ---------------------------------------------------------------------------------------------

def test_sigterm_drains_closes_sockets_with_1001_and_exits_0(home):
    server = Server(home, "--shutdown-grace", "3")
    ws = RawWebSocket(server.port)
    ws.send('{"action":"subscribe","entityId":"bye"}')
    wait_until("the subscription", lambda: run_json(server, "subscriptions", "--entity", "bye")["count"] == 1)
    server.process.send_signal(signal.SIGTERM)
    opcode, payload = ws.receive()
    code = int.from_bytes(payload[:2], "big")
    assert opcode == 0x8 and code == 1001, f"close code {code}"
    assert server.process.wait(timeout=20) == 0
    log = server.log()
    assert "shutting down gracefully" in log and "Drained" in log
    ws.close()
    server.stderr.close()
