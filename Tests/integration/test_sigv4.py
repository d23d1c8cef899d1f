"""Inbound authentication with real AWS clients: --aws-credentials-file (SigV4 on the Events API and @connections)
and --ingest-tokens-file (bearer tokens on POST /events), driven by the AWS CLI and boto3/botocore."""

import datetime
import json
import os
import subprocess
import urllib.error
import urllib.request
from unittest import mock

import boto3
import botocore.auth
import botocore.exceptions
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from websockets.sync.client import connect

from support import REGION, clean_environment

PROFILES = {
    "publisher": ("AKIDPUBLISHEREXAMPLE", "publisher/secret+EXAMPLEKEY"),
    "operator": ("AKIDOPERATOREXAMPLE", "operator/secret+EXAMPLEKEY"),
}
TOKEN = "it-ingest-token-5f1d0c2a9b"
ENTRY = {"Source": "it.sigv4", "DetailType": "Entity Updated", "Detail": json.dumps({"entityId": "sigv4"})}
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
    "and signing method. Consult the service documentation for details."
)


def write_credentials(path, profiles):
    with open(path, "w") as f:
        for name, (key_id, secret) in profiles.items():
            f.write(f"[{name}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n\n")
    os.chmod(path, 0o600)
    return str(path)


@pytest.fixture
def server(start_pushbridge, tmp_path):
    """A PushBridge that accepts the two profiles' key pairs and one ingest token."""
    credentials = write_credentials(tmp_path / "credentials", PROFILES)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# publishers that use curl\n{TOKEN}\n")
    os.chmod(tokens, 0o600)
    return start_pushbridge("--aws-credentials-file", credentials, "--ingest-tokens-file", str(tokens))


def boto(service, endpoint_url, key_id, secret, **config):
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10, **config),
    )


def aws_cli(server, tmp_path, profiles, profile, *args):
    """The AWS CLI with its own credentials file holding `profiles`, as `--profile profile`."""
    credentials = write_credentials(tmp_path / f"cli-credentials-{profile}", profiles)
    env = clean_environment({
        "AWS_SHARED_CREDENTIALS_FILE": credentials,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1",
    })
    argv = ["aws", "--profile", profile, "--endpoint-url", server.url, "--output", "json", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


def learn_connection_id(ws):
    """As on AWS: an unknown action gets a Forbidden frame that carries the connection id."""
    ws.send(json.dumps({"action": "x"}))
    frame = json.loads(ws.recv(timeout=10))
    assert frame.get("message") == "Forbidden", frame
    return frame["connectionId"]


def http(method, url, body=b"", headers=None):
    """(status, headers, parsed JSON body or None) without raising on 4xx."""
    request = urllib.request.Request(url, data=body if method != "GET" else None, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, reply_headers, text = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, text = error.code, error.headers, error.read()
    return status, reply_headers, (json.loads(text) if text else None)


def signing_time(offset):
    """What botocore.auth.get_current_datetime returns (naive UTC), moved by `offset`."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + offset


# --- the AWS CLI --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_sigv4_aws_cli_with_each_profile(server, tmp_path, profile):
    put = aws_cli(server, tmp_path, PROFILES, profile, "events", "put-events", "--entries", json.dumps([ENTRY]))
    assert put.returncode == 0, put.stderr
    assert json.loads(put.stdout)["FailedEntryCount"] == 0

    rule = f"sigv4-{profile}"
    created = aws_cli(server, tmp_path, PROFILES, profile, "events", "put-rule", "--name", rule, "--event-pattern", '{"source":["it.sigv4"]}')
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["RuleArn"].endswith(f":rule/{rule}")

    listed = aws_cli(server, tmp_path, PROFILES, profile, "events", "list-rules", "--name-prefix", rule)
    assert listed.returncode == 0, listed.stderr
    assert [r["Name"] for r in json.loads(listed.stdout)["Rules"]] == [rule]


def test_sigv4_aws_cli_wrong_secret_and_unknown_key(server, tmp_path):
    key_id, _ = PROFILES["publisher"]
    wrong = aws_cli(server, tmp_path, {"publisher": (key_id, "not-the-secret")}, "publisher", "events", "put-events", "--entries", json.dumps([ENTRY]))
    assert wrong.returncode != 0
    assert f"An error occurred (InvalidSignatureException) when calling the PutEvents operation: {SIGNATURE_MISMATCH}" in wrong.stderr

    unknown = aws_cli(server, tmp_path, {"stranger": ("AKIDSTRANGEREXAMPLE", "x")}, "stranger", "events", "list-rules")
    assert unknown.returncode != 0
    assert (
        "An error occurred (UnrecognizedClientException) when calling the ListRules operation: "
        "The security token included in the request is invalid." in unknown.stderr
    )
    assert json.loads(aws_cli(server, tmp_path, PROFILES, "operator", "events", "list-rules").stdout)["Rules"] is not None


# --- boto3 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_sigv4_boto3_events_with_each_profile(server, profile):
    events = boto("events", server.url, *PROFILES[profile])
    assert events.put_events(Entries=[ENTRY])["FailedEntryCount"] == 0
    events.put_rule(Name=f"boto-{profile}", EventPattern=json.dumps({"source": ["it.sigv4"]}))
    assert [r["Name"] for r in events.list_rules(NamePrefix=f"boto-{profile}")["Rules"]] == [f"boto-{profile}"]


@pytest.mark.parametrize(
    "key_id, secret, code, message",
    [
        (PROFILES["publisher"][0], "not-the-secret", "InvalidSignatureException", SIGNATURE_MISMATCH),
        ("AKIDSTRANGEREXAMPLE", PROFILES["publisher"][1], "UnrecognizedClientException", "The security token included in the request is invalid."),
    ],
)
def test_sigv4_boto3_events_refusals(server, key_id, secret, code, message):
    events = boto("events", server.url, key_id, secret)
    for call in (lambda: events.put_events(Entries=[ENTRY]), lambda: events.list_rules()):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert caught.value.response["Error"] == {"Code": code, "Message": message}
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sigv4_unsigned_requests_are_refused(server):
    events = boto3.client("events", endpoint_url=server.url, region_name=REGION, config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        events.put_events(Entries=[ENTRY])
    assert caught.value.response["Error"] == {"Code": "MissingAuthenticationTokenException", "Message": "Request is missing Authentication Token"}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sigv4_clock_skew_of_six_minutes_is_refused(server):
    events = boto("events", server.url, *PROFILES["publisher"])
    for offset, prefix in [(datetime.timedelta(minutes=-6), "Signature expired: "), (datetime.timedelta(minutes=6), "Signature not yet current: ")]:
        with mock.patch("botocore.auth.get_current_datetime", return_value=signing_time(offset)):
            with pytest.raises(botocore.exceptions.ClientError) as caught:
                events.put_events(Entries=[ENTRY])
        error = caught.value.response["Error"]
        assert error["Code"] == "InvalidSignatureException"
        assert error["Message"].startswith(prefix) and error["Message"].endswith(" 5 min.)"), error["Message"]
    # Four minutes off is within the allowed skew.
    with mock.patch("botocore.auth.get_current_datetime", return_value=signing_time(datetime.timedelta(minutes=-4))):
        assert events.put_events(Entries=[ENTRY])["FailedEntryCount"] == 0


# --- @connections ----------------------------------------------------------------------------------------------


def test_sigv4_post_to_connection_right_and_wrong_keys(server):
    with connect(f"ws://127.0.0.1:{server.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
        connection_id = learn_connection_id(ws)
        management = boto("apigatewaymanagementapi", f"{server.url}/dev", *PROFILES["operator"])
        management.post_to_connection(ConnectionId=connection_id, Data=b"signed hello")
        assert ws.recv(timeout=10) == "signed hello"
        assert management.get_connection(ConnectionId=connection_id)["Identity"]["SourceIp"] == "127.0.0.1"

        for key_id, secret in [(PROFILES["operator"][0], "not-the-secret"), ("AKIDSTRANGEREXAMPLE", "x")]:
            intruder = boto("apigatewaymanagementapi", f"{server.url}/dev", key_id, secret)
            with pytest.raises(intruder.exceptions.ForbiddenException) as caught:
                intruder.post_to_connection(ConnectionId=connection_id, Data=b"forged")
            assert caught.value.response["Error"]["Message"] == "Forbidden"
            assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        unsigned = boto3.client(
            "apigatewaymanagementapi", endpoint_url=f"{server.url}/dev", region_name=REGION, config=Config(signature_version=UNSIGNED)
        )
        with pytest.raises(unsigned.exceptions.ForbiddenException):
            unsigned.delete_connection(ConnectionId=connection_id)
        management.delete_connection(ConnectionId=connection_id)


def test_sigv4_presigned_urls_accepted_until_they_expire(server):
    with connect(f"ws://127.0.0.1:{server.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
        connection_id = learn_connection_id(ws)
        management = boto("apigatewaymanagementapi", f"{server.url}/dev", *PROFILES["publisher"])
        url = management.generate_presigned_url("get_connection", Params={"ConnectionId": connection_id}, ExpiresIn=300)
        assert "X-Amz-Signature=" in url
        status, _, body = http("GET", url)
        assert status == 200, body
        assert body["identity"]["sourceIp"] == "127.0.0.1"

        # Signed two hours ago for one hour: expired.
        with mock.patch("botocore.auth.get_current_datetime", return_value=signing_time(datetime.timedelta(hours=-2))):
            stale = management.generate_presigned_url("get_connection", Params={"ConnectionId": connection_id}, ExpiresIn=3600)
        status, headers, body = http("GET", stale)
        assert (status, headers["x-amzn-ErrorType"], body) == (403, "ForbiddenException", {"message": "Forbidden"})


def test_sigv4_hand_made_presigned_events_request(server):
    """botocore's SigV4QueryAuth on the Events API: the signature is accepted (the empty body then fails as JSON),
    until it expires."""
    def presigned(offset, expires):
        request = AWSRequest(
            method="POST", url=server.url + "/", data=b"",
            headers={"X-Amz-Target": "AWSEvents.ListRules", "Content-Type": "application/x-amz-json-1.1"},
        )
        auth = botocore.auth.SigV4QueryAuth(Credentials(*PROFILES["operator"]), "events", REGION, expires=expires)
        with mock.patch("botocore.auth.get_current_datetime", return_value=signing_time(offset)):
            auth.add_auth(request)
        return request.url, dict(request.headers)

    url, headers = presigned(datetime.timedelta(0), 60)
    status, reply_headers, body = http("POST", url, b"", headers)
    assert (status, reply_headers["x-amzn-ErrorType"]) == (400, "SerializationException"), body

    url, headers = presigned(datetime.timedelta(minutes=-10), 60)
    status, _, body = http("POST", url, b"", headers)
    assert (status, body["__type"]) == (400, "InvalidSignatureException")
    assert body["message"].startswith("Signature expired: ") and body["message"].endswith(" + 60 sec.)"), body


# --- POST /events with a bearer token --------------------------------------------------------------------------


def test_sigv4_plain_ingest_with_and_without_bearer_token(server):
    body = json.dumps({"Entries": [ENTRY]}).encode()
    status, _, reply = http("POST", server.url + "/events", body, {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and reply["FailedEntryCount"] == 0, reply

    status, headers, reply = http("POST", server.url + "/events", body, {"Content-Type": "application/json"})
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer realm="pushbridge-ingest"'
    assert reply["__type"] == "UnauthorizedException" and "Bearer" in reply["message"]

    status, headers, reply = http("POST", server.url + "/events", body, {"Content-Type": "application/json", "Authorization": "Bearer wrong"})
    assert status == 401 and reply["__type"] == "UnauthorizedException"
    assert 'error="invalid_token"' in headers["WWW-Authenticate"]

    # curl, as the README shows it.
    curl = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", server.url + "/events", "-H", "Content-Type: application/json",
         "-H", f"Authorization: Bearer {TOKEN}", "-d", body.decode()],
        capture_output=True, text=True, timeout=30,
    )
    assert curl.stdout == "200", curl.stderr


# --- PushBridge's own SigV4 client against PushBridge's verifier ------------------------------------------------


def test_sigv4_api_gateway_target_signs_for_a_gateway_that_checks(start_pushbridge, tmp_path):
    """A rule's API Gateway target, signed with the sender's AWS_ACCESS_KEY_ID, reaches a gateway that verifies it."""
    gateway = start_pushbridge("--no-default-rule", "--aws-credentials-file", write_credentials(tmp_path / "gateway-credentials", PROFILES))
    key_id, secret = PROFILES["publisher"]
    env = {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": REGION,
           "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": f"{gateway.url}/dev"}
    with connect(f"ws://127.0.0.1:{gateway.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
        connection_id = learn_connection_id(ws)
        sender = start_pushbridge("--no-default-rule", env=env)
        sender.route("to-gateway", "it.sigv4", [{
            "Id": "apigw", "Arn": f"arn:aws:execute-api:{REGION}:123456789012:abc123/dev",
            "HttpParameters": {"PathParameterValues": ["$.detail.connectionId"]},
        }])
        event_id = sender.put_event("it.sigv4", "Entity Updated", {"connectionId": connection_id})
        assert json.loads(ws.recv(timeout=20))["id"] == event_id


def test_sigv4_unsigned_request_is_refused_before_its_body_is_read(server):
    """A request refused by its head is answered at once: the server does not wait for (or buffer) its body."""
    import socket

    for path, content_type, code in [("/", "application/x-amz-json-1.1", "MissingAuthenticationTokenException"),
                                     ("/events", "application/json", "UnauthorizedException")]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                    "X-Amz-Target: AWSEvents.PutEvents\r\nContent-Length: 900000\r\n\r\n")
            sock.sendall(head.encode() + b'{"Entries": [')  # the rest of the body never comes
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)  # socket.timeout (5 s) fails the test: the server waited for the body
                assert chunk, "the server closed the connection without an answer"
                answer += chunk
            head, body = answer.split(b"\r\n\r\n", 1)
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")))
            while len(body) < length:
                chunk = sock.recv(65536)
                assert chunk, "the answer's body was cut short"
                body += chunk
        assert head.split(b" ")[1] in (b"400", b"401"), head
        assert json.loads(body)["__type"] == code, body
    assert server.alive()


# --- pushbridge's own client commands ---------------------------------------------------------------------------


def run_cli(pushbridge_binary, server, *args, env=None):
    environment = clean_environment({"AWS_CONFIG_FILE": os.devnull, **(env or {})})
    return subprocess.run([pushbridge_binary, *args, "--server", server.url], env=environment, capture_output=True, text=True, timeout=60)


def test_sigv4_cli_put_events_and_post_to_connection_sign_with_a_profile(server, pushbridge_binary, tmp_path):
    credentials = write_credentials(tmp_path / "cli-credentials", PROFILES)
    detail = ["--source", "it.cli", "--detail-type", "Entity Updated", "--detail", '{"entityId":"cli"}']

    unsigned = run_cli(pushbridge_binary, server, "put-events", *detail)
    assert unsigned.returncode == 3, unsigned
    assert "UnauthorizedException" in unsigned.stderr and "--ingest-token" in unsigned.stderr

    forged = write_credentials(tmp_path / "forged-credentials", {"publisher": (PROFILES["publisher"][0], "not-the-secret")})
    wrong = run_cli(pushbridge_binary, server, "put-events", "--profile", "publisher", *detail, env={"AWS_SHARED_CREDENTIALS_FILE": forged})
    assert wrong.returncode == 3, wrong
    assert "InvalidSignatureException" in wrong.stderr and "--aws-credentials-file" in wrong.stderr, wrong.stderr

    signed = run_cli(pushbridge_binary, server, "put-events", "--profile", "publisher", "--json", *detail,
                     env={"AWS_SHARED_CREDENTIALS_FILE": credentials})
    assert signed.returncode == 0, signed.stderr
    assert json.loads(signed.stdout)["FailedEntryCount"] == 0

    missing = run_cli(pushbridge_binary, server, "put-events", "--profile", "nobody", *detail, env={"AWS_SHARED_CREDENTIALS_FILE": credentials})
    assert missing.returncode == 1 and "no such profile" in missing.stderr and "publisher" in missing.stderr, missing.stderr

    with connect(f"ws://127.0.0.1:{server.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
        connection_id = learn_connection_id(ws)
        keys = {"AWS_ACCESS_KEY_ID": PROFILES["operator"][0], "AWS_SECRET_ACCESS_KEY": PROFILES["operator"][1]}
        sent = run_cli(pushbridge_binary, server, "post-to-connection", connection_id, "hello from a signed cli", env=keys)
        assert sent.returncode == 0, sent.stderr
        assert ws.recv(timeout=10) == "hello from a signed cli"

        wrong = run_cli(pushbridge_binary, server, "post-to-connection", connection_id, "forged",
                        env={**keys, "AWS_SECRET_ACCESS_KEY": "not-the-secret"})
        assert wrong.returncode == 3 and "403" in wrong.stderr and "--aws-credentials-file" in wrong.stderr, wrong.stderr
        other_region = run_cli(pushbridge_binary, server, "post-to-connection", "--region", "eu-west-1", connection_id, "x", env=keys)
        assert other_region.returncode == 3, other_region.stderr
