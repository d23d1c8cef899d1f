"""TLS on the one port (--tls-cert, --tls-key): a private CA made here, real clients (websockets over wss://, boto3
and the AWS CLI over https://, the pushbridge CLI), plain HTTP and silent clients on the TLS port, TLS versions,
and certificates reloaded on SIGHUP, broken reloads included."""

import datetime
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from websockets.sync.client import connect

from support import ADMIN_TOKEN, DUMMY_CREDENTIALS, REGION, clean_environment, wait_until

TIMEOUT = 10
READY = "TLS on: https:// and wss:// only; SIGHUP reloads the certificate and key"
RELOADED = "TLS certificate reloaded: new connections use it"
RELOAD_FAILED = "TLS certificate reload failed, still serving the previous one: "


# --- a private CA and its certificates ---------------------------------------------------------------------------

def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


class CA:
    """A certificate authority that signs server certificates for localhost and 127.0.0.1."""

    def __init__(self, folder):
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PushBridge integration CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.path = str(folder / "ca.pem")
        with open(self.path, "wb") as f:
            f.write(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, serial, name="server"):
        """Writes NAME.pem (the certificate, then the CA: a chain) and NAME.key; returns their paths."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(self.certificate.subject).public_key(key.public_key()).serial_number(serial)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        chain = certificate.public_bytes(serialization.Encoding.PEM) + self.certificate.public_bytes(serialization.Encoding.PEM)
        return _write(self.folder / f"{name}.pem", chain), _write(self.folder / f"{name}.key", _pem(key))


def _write(path, data):
    """Replaces the file in one step (as a certificate renewal should), returns its path."""
    temporary = f"{path}.tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)
    return str(path)


@pytest.fixture
def ca(tmp_path):
    return CA(tmp_path)


@pytest.fixture
def tls_server(start_pushbridge, ca, admin_args):
    """A server with a certificate of serial 0x1001 from `ca`, ready for SIGHUP."""

    def start(*args):
        cert, key = ca.issue(0x1001)
        server = start_pushbridge("--tls-cert", cert, "--tls-key", key, *(admin_args or []), *args)
        server.cert, server.key = cert, key
        server.https = f"https://127.0.0.1:{server.port}"
        wait_until(lambda: READY in server.log_text(), TIMEOUT, message="the TLS reload service")
        return server

    return start


def trusting(ca, **versions):
    """A client context that trusts `ca` (None: only the system's CAs)."""
    context = ssl.create_default_context(cafile=ca.path if ca else None)
    for name, value in versions.items():
        setattr(context, name, value)
    return context


def served_serial(server, ca):
    """The serial of the certificate a new connection is served."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as raw:
        with trusting(ca).wrap_socket(raw, server_hostname="localhost") as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


def events_client(server, ca):
    return boto3.client(
        "events", endpoint_url=server.https, region_name=REGION, verify=ca.path,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10), **DUMMY_CREDENTIALS,
    )


def put_entity_update(client, entity, message):
    detail = json.dumps({"entityId": entity, "message": message})
    reply = client.put_events(Entries=[{"Source": "it.tls", "DetailType": "Entity Updated", "Detail": detail}])
    assert reply["FailedEntryCount"] == 0, reply


def subscribe(ws, entity):
    ws.send(json.dumps({"action": "subscribe", "entityId": entity}))
    ws.send('{"action":"whoami"}')
    return json.loads(ws.recv(timeout=TIMEOUT))["connectionId"]


def https_get(url, ca, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=TIMEOUT, context=trusting(ca)) as response:
        return response.status, response.read()


def raw_exchange(port, data, wait=TIMEOUT):
    """Sends `data` on a plain TCP connection; returns (everything read until the server closed, seconds it took)."""
    started = time.monotonic()
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        if data:
            sock.sendall(data)
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    return received, time.monotonic() - started


# --- every API over TLS ------------------------------------------------------------------------------------------

def test_wss_and_https_serve_every_api_to_clients_trusting_the_private_ca(tls_server, ca, tmp_path):
    server = tls_server()
    events = events_client(server, ca)
    with connect(f"wss://127.0.0.1:{server.port}/dev", ssl=trusting(ca), open_timeout=TIMEOUT) as ws:
        connection_id = subscribe(ws, "order-7")
        # boto3: PutEvents (the event-loop fast path) over https, checked against the CA.
        put_entity_update(events, "order-7", "from boto3")
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"type": "Entity Updated", "entityId": "order-7", "message": "from boto3"}

        # The AWS CLI with --ca-bundle.
        entries = json.dumps([{"Source": "it.tls", "DetailType": "Entity Updated", "Detail": json.dumps({"entityId": "order-7", "message": "from the CLI"})}])
        env = clean_environment({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                                 "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_MAX_ATTEMPTS": "1"})
        argv = [sys.executable, "-m", "awscli", "events", "put-events", "--endpoint-url", server.https, "--ca-bundle", ca.path,
                "--output", "json", "--entries", entries]
        cli = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0 and json.loads(cli.stdout)["FailedEntryCount"] == 0, cli.stderr
        assert json.loads(ws.recv(timeout=TIMEOUT))["message"] == "from the CLI"

        # @connections over https: PostToConnection reaches the socket, GetConnection describes it.
        management = boto3.client("apigatewaymanagementapi", endpoint_url=f"{server.https}/dev", region_name=REGION, verify=ca.path,
                                  **DUMMY_CREDENTIALS)
        management.post_to_connection(ConnectionId=connection_id, Data=b"over https")
        assert ws.recv(timeout=TIMEOUT) == "over https"
        assert management.get_connection(ConnectionId=connection_id)["Identity"]["SourceIp"] == "127.0.0.1"

        # /metrics, and the admin API with its token.
        status, body = https_get(f"{server.https}/metrics", ca)
        assert status == 200 and b"# TYPE" in body
        status, body = https_get(f"{server.https}/admin/connections", ca, token=ADMIN_TOKEN)
        assert status == 200 and connection_id.encode() in body

        # The pushbridge CLI (libcurl) with --ca-file, and without it: refused with what to do.
        cli = [server.popen.args[0], "connections", "list", "--server", server.https, "--token", ADMIN_TOKEN]
        environment = clean_environment({"HOME": str(tmp_path)})
        listed = subprocess.run([*cli, "--ca-file", ca.path], capture_output=True, text=True, timeout=30, env=environment)
        assert listed.returncode == 0 and connection_id in listed.stdout, listed.stderr
        listed = subprocess.run(cli, capture_output=True, text=True, timeout=30, env={**environment, "PUSHBRIDGE_CA_FILE": ca.path})
        assert listed.returncode == 0 and connection_id in listed.stdout, listed.stderr
        untrusted = subprocess.run(cli, capture_output=True, text=True, timeout=30, env=environment)
        assert untrusted.returncode == 2, untrusted.stderr
        assert "No TLS connection to PushBridge" in untrusted.stderr and "--ca-file" in untrusted.stderr
        absent = str(tmp_path / "absent-ca.pem")
        unreadable = subprocess.run([*cli, "--ca-file", absent], capture_output=True, text=True, timeout=30, env=environment)
        assert unreadable.returncode == 1 and f"--ca-file {absent}: cannot read the file" in unreadable.stderr, unreadable.stderr

    # A client that does not trust the CA is refused by its own check: the server's certificate is the one served.
    with pytest.raises(urllib.error.URLError) as refused:
        https_get(f"{server.https}/metrics", None)
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError), refused.value


def test_plain_http_to_the_tls_port_gets_a_400_that_says_so_and_the_server_keeps_serving(tls_server, ca):
    server = tls_server()
    answer, _ = raw_exchange(server.port, b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer
    assert answer.endswith(b"This port serves TLS only: use https:// (or wss:// for WebSockets).\n"), answer
    # Neither TLS nor HTTP: closed without an answer.
    answer, _ = raw_exchange(server.port, b"\x00\x01\x02 not a handshake" * 8)
    assert answer == b"" or answer.startswith(b"\x15"), answer  # nothing, or a TLS alert record
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/readyz", timeout=TIMEOUT).read()
    assert server.alive()
    assert https_get(f"{server.https}/readyz", ca)[0] == 200


def tls_exchange(server, ca, request):
    """Sends raw bytes over a TLS connection; returns what came back before the server closed."""
    received = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as raw:
        with trusting(ca).wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(request)
            try:
                while chunk := tls.recv(4096):
                    received += chunk
            except (ConnectionResetError, ssl.SSLError):
                pass
    return received


def test_refusals_behind_tls_are_answered_over_tls(tls_server, ca):
    server = tls_server("--max-connections", "1")
    # With the one connection taken by a socket, the next gets ConnectionAdmission's 503.
    with connect(f"wss://127.0.0.1:{server.port}/dev", ssl=trusting(ca), open_timeout=TIMEOUT) as ws:
        subscribe(ws, "order-1")
        answer = tls_exchange(server, ca, b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 503 Service Unavailable"), answer
        assert b"connection limit" in answer
    # The socket's place is free once its close is seen; then a request NIO cannot parse gets its 400 (the first
    # request of a connection, answered before any router).
    wait_until(lambda: https_ok(server, ca), TIMEOUT, message="a free connection after the socket closed")
    wait_until(
        lambda: tls_exchange(server, ca, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n").startswith(b"HTTP/1.1 400 "),
        TIMEOUT, interval=0.2, message="a 400 for a malformed request (once the previous connection's place is free)",
    )


def https_ok(server, ca):
    try:
        return https_get(f"{server.https}/readyz", ca)[0] == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def test_a_handshake_that_never_finishes_is_closed_by_the_header_timeout(tls_server, ca):
    server = tls_server("--header-timeout", "1")
    # Silent after connecting, then a ClientHello's first bytes and nothing more (slowloris on the handshake).
    for opening in [b"", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"]:
        answer, elapsed = raw_exchange(server.port, opening, wait=TIMEOUT)
        assert elapsed < 5, f"still open after {elapsed:.1f}s"
        assert elapsed >= 0.8, f"closed after {elapsed:.1f}s, before the header timeout"
        assert not answer.startswith(b"HTTP/"), answer
    # A real client in time is served.
    assert https_get(f"{server.https}/readyz", ca)[0] == 200


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_1_2_is_the_oldest_version_served(tls_server, ca):
    server = tls_server()
    # SECLEVEL=0 lets this client offer TLS 1.1, so only the server can be what refuses it.
    old = trusting(ca, minimum_version=ssl.TLSVersion.TLSv1, maximum_version=ssl.TLSVersion.TLSv1_1)
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as raw:
        with pytest.raises(ssl.SSLError):
            old.wrap_socket(raw, server_hostname="localhost").close()
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        context = trusting(ca, minimum_version=version, maximum_version=version)
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
    assert server.alive()


# --- SIGHUP ------------------------------------------------------------------------------------------------------

def test_sighup_serves_the_new_certificate_to_new_connections_while_open_ones_stay(tls_server, ca):
    server = tls_server()
    assert served_serial(server, ca) == 0x1001
    with connect(f"wss://127.0.0.1:{server.port}/dev", ssl=trusting(ca), open_timeout=TIMEOUT) as ws:
        subscribe(ws, "order-9")
        ca.issue(0x2002)  # the same paths, new contents
        os.kill(server.pid, signal.SIGHUP)
        wait_until(lambda: RELOADED in server.log_text(), TIMEOUT, message="the reload")
        assert "pb.tls.serial=2002" in next(line for line in server.log_lines() if RELOADED in line)
        assert served_serial(server, ca) == 0x2002
        # The socket opened under the old certificate is still served.
        put_entity_update(events_client(server, ca), "order-9", "after the reload")
        assert json.loads(ws.recv(timeout=TIMEOUT))["message"] == "after the reload"
    assert server.alive()


@pytest.mark.parametrize("breakage", ["garbage certificate", "missing key", "key of another certificate"])
def test_a_reload_that_fails_keeps_the_old_certificate_and_logs_the_file_and_why(tls_server, ca, tmp_path, breakage):
    server = tls_server()
    if breakage == "garbage certificate":
        _write(tmp_path / "server.pem", b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
        expected = f"--tls-cert {server.cert}: holds no PEM certificate"
    elif breakage == "missing key":
        os.remove(server.key)
        expected = f"--tls-key {server.key}: no such file"
    else:
        ca.issue(0x3003, name="other")
        _write(tmp_path / "server.key", open(tmp_path / "other.key", "rb").read())
        expected = f"--tls-key {server.key}: the key does not match the certificate {server.cert}"
    os.kill(server.pid, signal.SIGHUP)
    line = wait_until(lambda: next((line for line in server.log_lines() if RELOAD_FAILED in line), None), TIMEOUT, message="the failure")
    assert " error pushbridge:" in line and expected in line, line
    assert served_serial(server, ca) == 0x1001
    assert https_get(f"{server.https}/readyz", ca)[0] == 200
    assert server.alive()


# --- start-up ----------------------------------------------------------------------------------------------------

def _serve(binary, tmp_path, *args):
    argv = [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--in-memory", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=clean_environment({"HOME": str(tmp_path)}),
                          stdin=subprocess.DEVNULL)


def test_files_that_cannot_be_served_stop_the_start_naming_the_file(pushbridge_binary, ca, tmp_path):
    cert, key = ca.issue(0x4004)
    other_cert, other_key = ca.issue(0x5005, name="other")
    not_pem = _write(tmp_path / "not.pem", b"hello\n")
    cases = [
        (["--tls-cert", str(tmp_path / "absent.pem"), "--tls-key", key], f"pushbridge: cannot start: --tls-cert {tmp_path / 'absent.pem'}: no such file"),
        (["--tls-cert", not_pem, "--tls-key", key], f"pushbridge: cannot start: --tls-cert {not_pem}: holds no PEM certificate"),
        (["--tls-cert", cert, "--tls-key", not_pem], f"pushbridge: cannot start: --tls-key {not_pem}: holds no PEM private key"),
        (["--tls-cert", key, "--tls-key", cert], "are --tls-cert and --tls-key swapped?"),
        (["--tls-cert", cert, "--tls-key", other_key], f"pushbridge: cannot start: --tls-key {other_key}: the key does not match the certificate {cert}"),
        (["--tls-cert", cert], "--tls-cert needs --tls-key as well"),
        (["--tls-key", key], "--tls-key needs --tls-cert as well"),
    ]
    for args, expected in cases:
        finished = _serve(pushbridge_binary, tmp_path, *args)
        assert finished.returncode == 1, (args, finished.stderr)
        assert expected in finished.stderr, (args, finished.stderr)
        assert "Fatal error" not in finished.stderr and "listening" not in finished.stderr, finished.stderr
