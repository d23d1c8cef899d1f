"""Scheduled rules (`ScheduleExpression`) through boto3 and the AWS CLI: AWS's refusals, Describe and List, kept
across a restart; a real firing to a webhook (AWS's Scheduled Event, to the rule's own targets only); and in a
two-node cluster on PostgreSQL, each firing sent by exactly one node."""

import datetime
import json
import re
import time
import urllib.request

import botocore.exceptions
import pytest

from support import wait_until
from test_cluster import rule_targets, start_node
from test_events_tags import aws_cli
from test_webhooks import new_secret, webhook_target

EVERY_MINUTE = "cron(* * * * ? *)"
# A firing is due within a minute of the rule's creation; the rest is delivery and a loaded machine.
FIRST_FIRING = 90


def refusal(call):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def firings(server):
    """pushbridge_schedule_firings_total by outcome, from /metrics."""
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r'^pushbridge_schedule_firings_total\{outcome="(\w+)"\} (\S+)$', text, re.M)}


def test_schedule_expressions_are_validated_kept_and_described(start_pushbridge, tmp_path):
    data_dir = str(tmp_path / "data")
    server = start_pushbridge(env={"PUSHBRIDGE_DATA_DIR": data_dir})
    events = server.events
    arn = events.put_rule(Name="nightly", ScheduleExpression="cron(0 2 ? * MON-FRI *)", Description="d")["RuleArn"]
    assert arn == "arn:aws:events:us-east-1:000000000000:rule/nightly"
    described = events.describe_rule(Name="nightly")
    assert described["ScheduleExpression"] == "cron(0 2 ? * MON-FRI *)" and "EventPattern" not in described
    pattern = json.dumps({"source": ["shop"]})
    events.put_rule(Name="both", ScheduleExpression="rate(5 minutes)", EventPattern=pattern)
    listed = {rule["Name"]: rule for rule in events.list_rules()["Rules"]}
    assert listed["both"]["ScheduleExpression"] == "rate(5 minutes)" and listed["both"]["EventPattern"] == pattern

    for bad in ["rate(1 minutes)", "rate(0 minutes)", "rate(5 seconds)", "cron(0 12 * * * *)", "cron(0 12 * * ?)", "every 5 minutes"]:
        assert refusal(lambda: events.put_rule(Name="bad", ScheduleExpression=bad)) == (
            "ValidationException", "Parameter ScheduleExpression is not valid."
        ), bad
    events.create_event_bus(Name="orders")
    assert refusal(lambda: events.put_rule(Name="x", EventBusName="orders", ScheduleExpression="rate(1 hour)")) == (
        "ValidationException", "ScheduleExpression is supported only on the default event bus."
    )
    assert refusal(lambda: events.put_rule(Name="none")) == (
        "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."
    )
    assert {"bad", "x", "none"}.isdisjoint(rule["Name"] for rule in events.list_rules()["Rules"])

    aws_cli(server, "events", "put-rule", "--name", "cli", "--schedule-expression", "rate(1 day)")
    assert aws_cli(server, "events", "describe-rule", "--name", "cli")["ScheduleExpression"] == "rate(1 day)"
    server.stop()

    again = start_pushbridge(env={"PUSHBRIDGE_DATA_DIR": data_dir})
    assert again.events.describe_rule(Name="nightly")["ScheduleExpression"] == "cron(0 2 ? * MON-FRI *)"
    assert again.events.describe_rule(Name="cli")["ScheduleExpression"] == "rate(1 day)"
    # PutRule with a pattern and no schedule makes it an ordinary rule again, as in AWS.
    again.events.put_rule(Name="both", EventPattern=pattern)
    assert "ScheduleExpression" not in again.events.describe_rule(Name="both")


def test_a_scheduled_rule_sends_aws_scheduled_event_to_its_own_targets(start_pushbridge, receivers):
    receiver, watcher = receivers(), receivers()
    server = start_pushbridge()
    arn = server.events.put_rule(Name="tick", ScheduleExpression=EVERY_MINUTE)["RuleArn"]
    reply = server.events.put_targets(Rule="tick", Targets=[webhook_target(receiver.url, new_secret())])
    assert reply["FailedEntryCount"] == 0, reply
    # A rule that would match the scheduled event if it were put on the bus: it must not get it.
    server.route("watcher", "aws.events", [webhook_target(watcher.url, new_secret())])

    first = receiver.wait_for(1, timeout=FIRST_FIRING)[0]
    event = json.loads(first.body)
    assert (event["source"], event["detail-type"], event["detail"], event["resources"]) == ("aws.events", "Scheduled Event", {}, [arn])
    assert (event["account"], event["region"], event["version"]) == ("000000000000", "us-east-1", "0")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", event["time"]), event["time"]
    time.sleep(1)
    assert len(receiver.received()) == 1 and watcher.received() == []
    assert firings(server).get("fired") == 1


def test_each_firing_is_sent_by_one_node_of_a_cluster(start_pushbridge, postgres, receivers):
    receiver = receivers()
    a = start_node(start_pushbridge, postgres)
    b = start_node(start_pushbridge, postgres)
    a.events.put_rule(Name="tick", ScheduleExpression=EVERY_MINUTE)
    reply = a.events.put_targets(Rule="tick", Targets=[webhook_target(receiver.url, new_secret())])
    assert reply["FailedEntryCount"] == 0, reply
    deadline = time.monotonic() + 15
    while not rule_targets(b, "tick"):
        assert time.monotonic() < deadline, "node b never learned the rule"
        time.sleep(0.1)
    assert b.events.describe_rule(Name="tick")["ScheduleExpression"] == EVERY_MINUTE
    both_know = time.time()

    def firing_times():
        return [json.loads(request.body)["time"] for request in receiver.received()]

    def after_both_knew(stamp):
        return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() > both_know

    wait_until(lambda: any(after_both_knew(t) for t in firing_times()), FIRST_FIRING, message="a firing after both nodes knew the rule")
    # Give the node that lost the claim time to (wrongly) send it too.
    time.sleep(3)
    times = firing_times()
    assert len(times) == len(set(times)), f"a firing was sent twice: {times}"
    counted = [firings(a), firings(b)]
    assert sum(c.get("fired", 0) for c in counted) == len(set(times)), counted
    assert sum(c.get("other_node", 0) for c in counted) >= 1, counted
