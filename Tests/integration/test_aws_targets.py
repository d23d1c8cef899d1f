"""AWS target kinds, signed with SigV4: moto server as SQS and EventBridge, a second PushBridge as API Gateway."""

import json
import time

from websockets.sync.client import connect

from support import DUMMY_CREDENTIALS, REGION, wait_until

DETAIL = {"entityId": "e-42", "message": "ünïcode & \"quotes\" / slashes", "count": 12345678901234, "nested": {"list": [1, 2.5, None, True]}}


def aws_env(**endpoints):
    """Server environment: dummy credentials, the region, and AWS_ENDPOINT_URL* overrides."""
    env = {
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
        "AWS_REGION": REGION,
    }
    env.update({f"AWS_ENDPOINT_URL{'_' + name if name else ''}": url for name, url in endpoints.items()})
    return env


def create_queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive_one(sqs, queue_url, timeout):
    """The first message to arrive in the queue within `timeout` seconds."""
    def poll():
        return sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1).get("Messages")

    return wait_until(poll, timeout, interval=0, message=f"a message in {queue_url}")[0]


def test_sqs_target_receives_the_event_json_intact(start_pushbridge, moto):
    sqs = moto.client("sqs")
    queue_url, queue_arn = create_queue(sqs, "pushbridge-forwarded")
    server = start_pushbridge("--no-default-rule", env=aws_env(**{"": moto.url}))
    server.route("to-sqs", "it.aws", [{"Id": "queue", "Arn": queue_arn}])

    event_id = server.put_event("it.aws", "Entity Updated", DETAIL)
    body = json.loads(receive_one(sqs, queue_url, timeout=20)["Body"])

    assert body["id"] == event_id
    assert (body["source"], body["detail-type"], body["detail"]) == ("it.aws", "Entity Updated", DETAIL)
    assert body["region"] == REGION and body["resources"] == []


def test_eventbridge_bus_target_forwards_through_a_moto_rule(start_pushbridge, moto):
    events, sqs = moto.client("events"), moto.client("sqs")
    bus_arn = events.create_event_bus(Name="pushbridge-target-bus")["EventBusArn"]
    queue_url, queue_arn = create_queue(sqs, "from-target-bus")
    events.put_rule(Name="catch", EventBusName="pushbridge-target-bus", EventPattern=json.dumps({"source": ["it.aws"]}))
    events.put_targets(Rule="catch", EventBusName="pushbridge-target-bus", Targets=[{"Id": "queue", "Arn": queue_arn}])
    server = start_pushbridge("--no-default-rule", env=aws_env(EVENTBRIDGE=moto.url))
    server.route("to-bus", "it.aws", [{"Id": "bus", "Arn": bus_arn}])

    server.put_event("it.aws", "Entity Updated", DETAIL)
    body = json.loads(receive_one(sqs, queue_url, timeout=20)["Body"])

    assert (body["source"], body["detail-type"], body["detail"]) == ("it.aws", "Entity Updated", DETAIL)


def learn_connection_id(ws):
    """Like on AWS: an unknown action gets a Forbidden frame that carries the connection id."""
    ws.send(json.dumps({"action": "x"}))
    frame = json.loads(ws.recv(timeout=10))
    assert frame.get("message") == "Forbidden", frame
    return frame["connectionId"]


def api_gateway_target(stage="dev"):
    return {
        "Id": "apigw",
        "Arn": f"arn:aws:execute-api:{REGION}:000000000000:api/{stage}",
        "HttpParameters": {"PathParameterValues": ["$.detail.connectionId"]},
    }


def test_api_gateway_target_posts_to_a_websocket_on_a_second_pushbridge(start_pushbridge):
    gateway = start_pushbridge("--no-default-rule")  # "AWS": its @connections API is the Management API
    with connect(f"ws://127.0.0.1:{gateway.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
        connection_id = learn_connection_id(ws)
        sender = start_pushbridge("--no-default-rule", env=aws_env(APIGATEWAYMANAGEMENTAPI=f"{gateway.url}/dev"))
        sender.route("to-apigw", "it.aws", [api_gateway_target()])

        detail = {"connectionId": connection_id, **DETAIL}
        event_id = sender.put_event("it.aws", "Entity Updated", detail)
        pushed = json.loads(ws.recv(timeout=20))

    assert pushed["id"] == event_id
    assert (pushed["source"], pushed["detail-type"], pushed["detail"]) == ("it.aws", "Entity Updated", detail)


def test_api_gateway_410_for_an_unknown_connection_counts_as_delivered(start_pushbridge, admin_args):
    gateway = start_pushbridge("--no-default-rule")
    with connect(f"ws://127.0.0.1:{gateway.port}/dev", subprotocols=["websocket"], open_timeout=10) as ws:
        live_id = learn_connection_id(ws)
        sender = start_pushbridge(
            "--no-default-rule", "--retry-base-delay-ms", "200", *(admin_args or []),
            env=aws_env(APIGATEWAYMANAGEMENTAPI=f"{gateway.url}/dev"),
        )
        sender.route("to-apigw", "it.aws", [api_gateway_target()])

        gone_event = sender.put_event("it.aws", "Entity Updated", {"connectionId": "GoneGoneGone123="})
        # A later event to a live connection on the same target shows the queue has moved past the first one.
        sender.put_event("it.aws", "Entity Updated", {"connectionId": live_id})
        assert json.loads(ws.recv(timeout=20))["detail"]["connectionId"] == live_id

    # Any retry of the 410 (ceiling 200 ms) or dead letter would be logged within this window.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert not sender.records("Delivery failed, retry scheduled", f"pb.event.id={gone_event}"), "410 was retried"
        assert not sender.records("Event dead-lettered", f"pb.event.id={gone_event}"), "410 was dead-lettered"
        time.sleep(0.05)
    if admin_args:
        counters = [q["counters"] for q in sender.admin("GET", "/admin/queues")["queues"] if "to-apigw" in q["target"]]
        assert counters and counters[0]["delivered"] == 2 and counters[0]["deadLettered"] == 0, counters
        assert counters[0]["failedAttempts"] == 0, counters


def test_dead_letter_config_queue_gets_the_event_and_eventbridge_attributes(start_pushbridge, moto, receivers):
    sqs = moto.client("sqs")
    dlq_url, dlq_arn = create_queue(sqs, "pushbridge-target-dlq")
    receiver = receivers(then=400, body=b"rejected by the receiver")
    server = start_pushbridge("--no-default-rule", env=aws_env(**{"": moto.url}))
    server.route("with-dlq", "it.dlq", [{"Id": "hook", "Arn": receiver.url, "DeadLetterConfig": {"Arn": dlq_arn}}])

    event_id = server.put_event("it.dlq", "Entity Updated", DETAIL)
    def poll():
        reply = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"], MaxNumberOfMessages=1, WaitTimeSeconds=1)
        return reply.get("Messages")

    message = wait_until(poll, 20, interval=0, message="a dead letter in the DeadLetterConfig queue")[0]
    body = json.loads(message["Body"])
    attributes = {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}

    assert body["id"] == event_id and body["detail"] == DETAIL
    assert attributes["ERROR_CODE"] == "INVALID_PARAMETER"
    assert "HTTP 400" in attributes["ERROR_MESSAGE"]
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert attributes["TARGET_ARN"] == receiver.url
    assert attributes["RULE_ARN"].endswith(":rule/with-dlq")
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes


def test_dead_letter_config_must_be_an_sqs_queue(start_pushbridge, receivers):
    receiver = receivers(then=200)
    server = start_pushbridge("--no-default-rule")
    server.events.put_rule(Name="bad-dlq", EventPattern=json.dumps({"source": ["it.dlq"]}))
    reply = server.events.put_targets(
        Rule="bad-dlq", Targets=[{"Id": "hook", "Arn": receiver.url, "DeadLetterConfig": {"Arn": "arn:aws:sns:us-east-1:1:topic"}}]
    )
    assert reply["FailedEntryCount"] == 1
    assert reply["FailedEntries"][0]["ErrorCode"] == "ValidationException"
    assert "SQS" in reply["FailedEntries"][0]["ErrorMessage"]
