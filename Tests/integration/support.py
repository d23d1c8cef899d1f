"""Processes the integration tests start (PushBridge, moto) and bounded polling."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
from botocore.config import Config

REGION = "us-east-1"
ADMIN_TOKEN = "integration-admin-token"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def wait_until(predicate, timeout, interval=0.05, message="condition"):
    """Polls `predicate` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environment(extra=None):
    """The parent environment without AWS or PushBridge settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PUSHBRIDGE_"))}
    env.update(extra or {})
    return env


def client(service, endpoint_url):
    """A boto3 client for a loopback endpoint, with dummy credentials and no client-side retries."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10),
        **DUMMY_CREDENTIALS,
    )


class Process:
    """A child process whose output goes to a log file; stopped by its PID."""

    def __init__(self, name, args, env, log_path):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.popen = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.popen.pid
        self._terminated = False

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self):
        return self.log_text().splitlines()

    def alive(self):
        return self.popen.poll() is None

    def terminate(self):
        """Asks the process to stop (SIGTERM, once) without waiting; `stop` then waits for it."""
        if self.alive() and not self._terminated:
            os.kill(self.pid, signal.SIGTERM)
            self._terminated = True

    def stop(self, grace=10):
        """SIGTERM, then SIGKILL if it is still running after `grace` seconds."""
        self.terminate()
        if self.alive():
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=grace)
        self._log.close()

    def tail(self, lines=40):
        return "\n".join(self.log_lines()[-lines:])


LISTENING = re.compile(r"Server started and listening on 127\.0\.0\.1:(\d+)")
# swift-log's StreamLogHandler: "<time> <level> <label>: <metadata> [<source>] <message>"
LOG_LINE = re.compile(r"^\S+ (?P<level>\w+) pushbridge: (?P<metadata>.*?) ?\[(?P<source>\w+)\] (?P<message>.*)$")


class PushBridge(Process):
    """`pushbridge serve` on a free loopback port (port 0, read back from its log)."""

    def __init__(self, binary, log_path, args=(), env=None, timeout=30):
        argv = [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "debug", *args]
        # Each server its own data directory (one server at a time may hold one), unless the test names one.
        data_dir = os.path.splitext(log_path)[0] + ".data"
        environment = {"HOME": os.path.dirname(log_path), "PUSHBRIDGE_DATA_DIR": data_dir, **(env or {})}
        super().__init__("pushbridge", argv, clean_environment(environment), log_path)
        try:
            match = wait_until(self._listening, timeout, message="pushbridge to listen")
        except AssertionError:
            self.stop()
            raise AssertionError(f"pushbridge did not start:\n{self.tail()}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        self.events = client("events", self.url)

    def _listening(self):
        if not self.alive():
            raise AssertionError(f"pushbridge exited with {self.popen.returncode}:\n{self.tail()}")
        return LISTENING.search(self.log_text())

    def admin(self, method, path, body=None, token=ADMIN_TOKEN):
        """Calls the admin API with the bearer token (start the server with --admin-token TOKEN)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def log_records(self):
        """Parsed log lines: dicts with level, metadata (raw text), source, message."""
        return [m.groupdict() for m in map(LOG_LINE.match, self.log_lines()) if m]

    def records(self, message, *fragments):
        """Log records with this message whose metadata contains every fragment."""
        return [r for r in self.log_records() if r["message"] == message and all(f in r["metadata"] for f in fragments)]

    def wait_for_record(self, message, *fragments, timeout=15):
        return wait_until(lambda: self.records(message, *fragments), timeout, message=f"log record {message!r} with {fragments}")[0]

    # --- Events API shortcuts -------------------------------------------------------------------

    def route(self, rule, source, targets):
        """A rule matching `source` on the default bus, with `targets` (PutTargets shapes)."""
        self.events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))
        reply = self.events.put_targets(Rule=rule, Targets=targets)
        assert reply["FailedEntryCount"] == 0, reply

    def put_event(self, source, detail_type, detail):
        reply = self.events.put_events(Entries=[{"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}])
        assert reply["FailedEntryCount"] == 0, reply
        return reply["Entries"][0]["EventId"]


def serve_options(binary):
    """The options `pushbridge serve --help` lists, e.g. to learn whether this build has the admin API."""
    text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    return set(re.findall(r"--[a-z][a-z0-9-]+", text))


class Moto(Process):
    """moto's server on a free loopback port, as every AWS service at once."""

    def __init__(self, log_path, timeout=60):
        port = free_port()
        argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        super().__init__("moto", argv, clean_environment(), log_path)
        self.url = f"http://127.0.0.1:{port}"
        try:
            wait_until(self._ready, timeout, interval=0.2, message="moto to answer")
        except AssertionError:
            self.stop()
            raise AssertionError(f"moto did not start:\n{self.tail()}")

    def _ready(self):
        if not self.alive():
            raise AssertionError(f"moto exited with {self.popen.returncode}:\n{self.tail()}")
        try:
            with urllib.request.urlopen(self.url + "/moto-api/", timeout=2):
                return True
        except OSError:
            return False

    def client(self, service):
        return client(service, self.url)
