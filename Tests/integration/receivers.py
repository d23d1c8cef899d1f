"""Webhook receivers on loopback: each records every request it reads, with its arrival time."""

import http.server
import json
import threading
import time
from dataclasses import dataclass

from support import wait_until


@dataclass
class Received:
    at: float  # time.monotonic() once the whole request was read
    path: str
    headers: dict  # lower-case names
    body: bytes
    status: int | None  # what the receiver answered (None: no answer)


class Receiver:
    """An HTTP/1.1 (keep-alive) server on 127.0.0.1; subclasses decide how to answer."""

    def __init__(self):
        self.requests = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver._answer(self, Received(time.monotonic(), self.path, headers, body, None))

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _record(self, request):
        with self._lock:
            self.requests.append(request)
            return len(self.requests)

    def _answer(self, handler, request):
        raise NotImplementedError

    @staticmethod
    def _reply(handler, status, body=b"", headers=None):
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def received(self):
        with self._lock:
            return list(self.requests)

    def wait_for(self, count, timeout):
        """Waits until at least `count` requests arrived; returns them all."""
        wait_until(lambda: len(self.received()) >= count, timeout, message=f"{count} request(s) at {self.url}")
        return self.received()

    def stop(self):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


class ScriptedReceiver(Receiver):
    """Answers with `statuses` in turn, then with `then` for every later request.

    A status may be a (status, {header: value}) pair, e.g. (429, {"Retry-After": "1"}).
    """

    def __init__(self, statuses=(), then=200, body=b"ok"):
        self.statuses = list(statuses)
        self.then = then
        self.body = body
        super().__init__()

    def _answer(self, handler, request):
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else self.then
        status, headers = status if isinstance(status, tuple) else (status, {})
        request.status = status
        self._record(request)
        self._reply(handler, status, self.body, headers)


class SilentReceiver(Receiver):
    """Reads each request, then never answers (holds the connection until stopped)."""

    def _answer(self, handler, request):
        self._record(request)
        self._release.wait(timeout=120)
        handler.close_connection = True


class AnsweringReceiver(Receiver):
    """Answers each request with what `answer(request)` returns: a JSON-able value (sent with 200), a (status,
    body) pair whose body is bytes or JSON-able, or None to never answer (holds the connection until stopped)."""

    def __init__(self, answer):
        self.answer = answer
        super().__init__()

    def _answer(self, handler, request):
        self._record(request)
        answer = self.answer(request)
        if answer is None:
            self._release.wait(timeout=120)
            handler.close_connection = True
            return
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        request.status = status
        self._reply(handler, status, body if isinstance(body, bytes) else json.dumps(body).encode())

    def bodies(self):
        """The JSON bodies received so far."""
        return [json.loads(request.body) for request in self.received()]
