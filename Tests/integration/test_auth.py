"""$connect authentication with JWTs made by PyJWT, subscribe policy, user notifications, safe defaults."""

import base64
import hashlib
import hmac
import http.server
import json
import subprocess
import threading
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from support import ADMIN_TOKEN, clean_environment, free_port, wait_until

SECRET = "integration tests' HMAC secret, well over 32 bytes"
TIMEOUT = 10


def hs256(claims=None, key=SECRET, algorithm="HS256", headers=None, lifetime=600):
    payload = {"sub": "user-1", "exp": int(time.time()) + lifetime, **(claims or {})}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ws_url(server, path="/dev"):
    return f"ws://127.0.0.1:{server.port}{path}"


def refused(url, **options):
    """Opens a socket expecting the handshake to be refused; returns (status, body)."""
    with pytest.raises(InvalidStatus) as info:
        with connect(url, open_timeout=TIMEOUT, **options):
            pass
    return info.value.response.status_code, info.value.response.body


def connection_id(ws):
    ws.send('{"action":"whoami"}')
    return json.loads(ws.recv(timeout=TIMEOUT))["connectionId"]


def run_cli(server, *args):
    result = subprocess.run(
        [server.popen.args[0], *args, "--server", server.url, "--token", ADMIN_TOKEN],
        capture_output=True, text=True, timeout=30, env=clean_environment(),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class KeyPair:
    """A signing key of one algorithm, its public JWK (as PyJWT writes it) and tokens signed by PyJWT."""

    def __init__(self, algorithm, kid):
        self.algorithm = algorithm
        self.kid = kid
        if algorithm == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        elif algorithm == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.jwk = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = ed25519.Ed25519PrivateKey.generate()
            self.jwk = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        self.jwk.update(kid=kid, use="sig")

    def token(self, claims=None, kid=None):
        payload = {"sub": "user-1", "exp": int(time.time()) + 600, **(claims or {})}
        return jwt.encode(payload, self.private, algorithm=self.algorithm, headers={"kid": kid or self.kid})

    def public_pem(self):
        return self.private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class JWKSServer:
    """Serves a JWKS document on a loopback port and counts the fetches."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.fetches = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.fetches += 1
                body = json.dumps({"keys": [key.jwk for key in outer.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server():
    servers = []

    def start(keys):
        server = JWKSServer(keys)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_hs256_in_the_samples_three_places_connects_and_operators_see_the_user(start_pushbridge, admin_args):
    server = start_pushbridge("--jwt-secret", SECRET, "--jwt-user-claim", "$.data.userId", "--subscribe-policy", "any", *admin_args)
    token = hs256({"data": {"userId": "myuserid", "firstName": "Allen"}})
    assert SECRET not in server.log_text(), "the secret was logged"

    # Part two's header form: the answer selects `websocket`.
    with connect(ws_url(server), subprotocols=["websocket", token], open_timeout=TIMEOUT) as ws:
        assert ws.subprotocol == "websocket"
        cid = connection_id(ws)
        shown = server.admin("GET", f"/admin/connections/{cid}")
        assert shown["userId"] == "myuserid"
        assert shown["claims"]["data"]["firstName"] == "Allen"
        listed = run_cli(server, "connections", "list")
        assert "myuserid" in listed
        details = run_cli(server, "connections", "show", cid)
        assert "myuserid" in details and '"firstName":"Allen"' in details
    with connect(ws_url(server), additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=TIMEOUT) as ws:
        assert ws.subprotocol is None
        connection_id(ws)
    with connect(ws_url(server, f"/dev?access_token={token}"), open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    assert token not in server.log_text(), "a token was logged"


def test_missing_token_is_401_and_every_bad_token_403(start_pushbridge):
    server = start_pushbridge("--jwt-secret", SECRET, "--jwt-issuer", "https://issuer.example", "--jwt-audience", "pushbridge")
    good = {"iss": "https://issuer.example", "aud": "pushbridge"}
    with connect(ws_url(server, f"/dev?access_token={hs256(good)}"), open_timeout=TIMEOUT) as ws:
        connection_id(ws)

    assert refused(ws_url(server)) == (401, b'{"message":"Unauthorized"}')
    assert refused(ws_url(server), subprotocols=["websocket"])[0] == 401
    bad = {
        "expired": hs256(good, lifetime=-120),
        "not yet valid": hs256({**good, "nbf": int(time.time()) + 300}),
        "wrong audience": hs256({**good, "aud": "someone-else"}),
        "wrong issuer": hs256({**good, "iss": "https://evil.example"}),
        "wrong key": hs256(good, key="another secret, also long enough to be used"),
        "alg none": jwt.encode({"sub": "u", "exp": int(time.time()) + 600, **good}, None, algorithm="none"),
        "no exp": jwt.encode({"sub": "u", **good}, SECRET, algorithm="HS256"),
        "garbage": "not.a.token",
    }
    for name, token in bad.items():
        assert refused(ws_url(server, f"/dev?access_token={token}")) == (403, b'{"message":"Forbidden"}'), name
    # Within the leeway (30 s) an expired token still connects.
    with connect(ws_url(server), subprotocols=["websocket", hs256(good, lifetime=-10)], open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    assert server.records("Connect refused", "expired"), "the reason was not logged"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_asymmetric_tokens_from_a_jwks_file(start_pushbridge, tmp_path, algorithm):
    key = KeyPair(algorithm, f"{algorithm.lower()}-1")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [key.jwk, {"kty": "oct", "kid": "sym", "k": "c2VjcmV0"}]}))
    server = start_pushbridge("--jwks", str(path))
    with connect(ws_url(server), subprotocols=["websocket", key.token()], open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    other = KeyPair(algorithm, key.kid)  # same kid, another key
    assert refused(ws_url(server, f"/dev?access_token={other.token()}"))[0] == 403


def test_jwks_url_is_fetched_an_unknown_kid_fetches_again_and_confusion_is_refused(start_pushbridge, jwks_server):
    first = KeyPair("RS256", "rsa-1")
    issuer = jwks_server([first])
    server = start_pushbridge("--jwks", issuer.url)
    with connect(ws_url(server), subprotocols=["websocket", first.token()], open_timeout=TIMEOUT) as ws:
        connection_id(ws)

    # The issuer rotates in a new key: a token with its kid makes PushBridge fetch the JWKS again.
    second = KeyPair("ES256", "ec-2")
    issuer.keys.append(second)
    before = issuer.fetches
    with connect(ws_url(server), subprotocols=["websocket", second.token()], open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    assert issuer.fetches == before + 1

    # Made-up kids do not turn every connect into a fetch: at most one per interval.
    before = issuer.fetches
    for _ in range(5):
        assert refused(ws_url(server, f"/dev?access_token={first.token(kid=str(uuid.uuid4()))}"))[0] == 403
    assert issuer.fetches <= before + 1

    # Algorithm confusion: HS256 "signed" with the RSA public key as the secret, naming the RSA key's kid.
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    payload = b64url(json.dumps({"sub": "attacker", "exp": int(time.time()) + 600}).encode())
    signature = b64url(hmac.new(first.public_pem(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert refused(ws_url(server, f"/dev?access_token={header}.{payload}.{signature}"))[0] == 403


def test_jwks_url_is_fetched_again_every_interval_so_a_removed_key_stops_working(start_pushbridge, jwks_server):
    revoked, kept = KeyPair("RS256", "rsa-old"), KeyPair("ES256", "ec-kept")
    issuer = jwks_server([revoked, kept])
    server = start_pushbridge("--jwks", issuer.url, "--jwks-refresh", "10")
    wait_until(lambda: issuer.fetches >= 1, TIMEOUT, message="the first JWKS fetch")
    with connect(ws_url(server), subprotocols=["websocket", revoked.token()], open_timeout=TIMEOUT) as ws:
        connection_id(ws)

    # The issuer drops a key: a token naming its (known) kid fetches nothing, the next periodic fetch forgets it.
    issuer.keys.remove(revoked)
    fetched = issuer.fetches
    wait_until(lambda: issuer.fetches > fetched, 20, message="the periodic JWKS fetch")
    assert refused(ws_url(server, f"/dev?access_token={revoked.token()}"))[0] == 403
    with connect(ws_url(server), subprotocols=["websocket", kept.token()], open_timeout=TIMEOUT) as ws:
        connection_id(ws)


def test_subscribe_policy_from_the_entities_claim(start_pushbridge):
    server = start_pushbridge("--jwt-secret", SECRET)  # default policy with JWTs: claim:$.entities
    token = hs256({"entities": ["order-*", "myEntityId"]})
    with connect(ws_url(server), subprotocols=["websocket", token], open_timeout=TIMEOUT) as ws:
        ws.send(json.dumps({"action": "subscribe", "entityId": "invoice-7"}))
        denied = json.loads(ws.recv(timeout=TIMEOUT))
        assert denied["message"] == "Forbidden: this connection may not subscribe to invoice-7"
        assert denied["connectionId"] and denied["requestId"]
        ws.send(json.dumps({"action": "subscribe", "entityId": "order-7"}))
        connection_id(ws)  # the subscribe above was handled
        server.put_event("it.auth", "Entity Updated", {"entityId": "invoice-7", "message": "no"})
        server.put_event("it.auth", "Entity Updated", {"entityId": "order-7", "message": "yes"})
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"type": "Entity Updated", "entityId": "order-7", "message": "yes"}


def test_a_user_notification_reaches_every_socket_of_that_user_only(start_pushbridge):
    server = start_pushbridge("--jwt-secret", SECRET, "--jwt-user-claim", "$.data.userId")
    alice = hs256({"data": {"userId": "alice"}})
    bob = hs256({"data": {"userId": "bob"}})
    with connect(ws_url(server), subprotocols=["websocket", alice], open_timeout=TIMEOUT) as first, \
            connect(ws_url(server, "/"), additional_headers={"Authorization": f"Bearer {alice}"}, open_timeout=TIMEOUT) as second, \
            connect(ws_url(server, f"/dev?access_token={bob}"), open_timeout=TIMEOUT) as other:
        for ws in (first, second, other):
            connection_id(ws)
        server.put_event("it.auth", "Send User Push Notification", {"userId": "alice", "message": "Order shipped", "callback": "https://example.com/1"})
        expected = {"type": "User Push Notification", "message": "Order shipped", "callback": "https://example.com/1"}
        assert json.loads(first.recv(timeout=TIMEOUT)) == expected
        assert json.loads(second.recv(timeout=TIMEOUT)) == expected
        # Bob's next frame is his own notification, so Alice's never reached him.
        server.put_event("it.auth", "Send User Push Notification", {"userId": "bob", "message": "hi bob"})
        assert json.loads(other.recv(timeout=TIMEOUT)) == {"type": "User Push Notification", "message": "hi bob"}


def test_a_non_loopback_bind_without_authentication_refuses_to_start(pushbridge_binary, tmp_path):
    port = free_port()
    argv = [pushbridge_binary, "serve", "--host", "0.0.0.0", "--port", str(port), "--in-memory"]
    env = clean_environment({"HOME": str(tmp_path)})
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    assert "refusing to listen on 0.0.0.0 without authentication" in result.stderr
    assert "--jwt-secret" in result.stderr and "--jwks" in result.stderr and "--insecure-no-auth" in result.stderr
    assert "Fatal error" not in result.stderr
    with pytest.raises(OSError):  # nothing was left listening
        import socket

        socket.create_connection(("127.0.0.1", port), timeout=1).close()

    # Told explicitly, it starts (and is stopped by its PID).
    process = subprocess.Popen([*argv, "--insecure-no-auth"], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: process.poll() is not None or _listening(port), 30, message="the insecure server to listen")
        assert process.poll() is None, process.stderr.read()
    finally:
        process.terminate()
        process.wait(timeout=20)


def _listening(port):
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_origins_are_checked_on_upgrades_and_the_admin_api(start_pushbridge, admin_args):
    server = start_pushbridge("--allowed-origins", "https://app.example.com", *admin_args)
    assert refused(ws_url(server), origin="https://evil.example")[0] == 403
    with connect(ws_url(server), origin="https://app.example.com", open_timeout=TIMEOUT) as ws:
        connection_id(ws)
    with connect(ws_url(server), open_timeout=TIMEOUT) as ws:  # no Origin: not a browser
        connection_id(ws)

    import urllib.error
    import urllib.request

    request = urllib.request.Request(server.url + "/admin/queues", headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Origin": "https://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=TIMEOUT)
    assert info.value.code == 403
    form = urllib.request.Request(server.url + "/admin/dlq/purge", data=b"all=true", method="POST",
                                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(form, timeout=TIMEOUT)
    assert info.value.code == 415
    run_cli(server, "queues")  # the CLI still works (it sends no Origin, and JSON bodies)
    run_cli(server, "dlq", "purge", "--all")
