"""Tags, KMS, dead-letter and log settings of event buses and a rule's RoleArn, through boto3 and the AWS CLI.

PushBridge has no use for them; it keeps them (across restarts on a data directory, and between the nodes of a
cluster) so that infrastructure tools that set them read back what they wrote. Every member an answer carries is
checked against the output shape of botocore's `events` model, so nothing is answered that AWS would not.
"""

import json
import os
import subprocess

import botocore.exceptions
import botocore.loaders
import pytest
from botocore import xform_name

from support import REGION, clean_environment, wait_until
from test_cluster import start_node

MODEL = botocore.loaders.Loader().load_service_model("events", "service-2")
SHAPES = MODEL["shapes"]
DLQ = "arn:aws:sqs:us-east-1:000000000000:orders-dlq"
ROLE = "arn:aws:iam::000000000000:role/events"
BUS_ARN = "arn:aws:events:us-east-1:000000000000:event-bus/orders"
RULE_ARN = "arn:aws:events:us-east-1:000000000000:rule/orders/Shipped"
DEFAULT_ARN = "arn:aws:events:us-east-1:000000000000:event-bus/default"


def unknown_members(value, shape_name, path):
    """Members of `value` (at every depth) that the model's shape `shape_name` does not have."""
    shape = SHAPES[shape_name]
    found = []
    if shape["type"] == "structure":
        for key, member in value.items():
            if key not in shape["members"]:
                found.append(f"{path}.{key}")
            else:
                found += unknown_members(member, shape["members"][key]["shape"], f"{path}.{key}")
    elif shape["type"] == "list":
        for index, element in enumerate(value):
            found += unknown_members(element, shape["member"]["shape"], f"{path}[{index}]")
    return found


def answer(events, operation, **request):
    """Calls `operation` with boto3 and checks the raw answer against the operation's output shape."""
    reply = getattr(events, xform_name(operation))(**request)
    body = {key: value for key, value in reply.items() if key != "ResponseMetadata"}
    output = MODEL["operations"][operation].get("output")
    if output:
        assert not unknown_members(body, output["shape"], operation), f"{operation} answered members AWS's model lacks: {body}"
    else:
        assert body == {}, body
    return body


def tags(events, arn):
    return {tag["Key"]: tag["Value"] for tag in answer(events, "ListTagsForResource", ResourceARN=arn)["Tags"]}


def configure(events):
    answer(
        events, "CreateEventBus", Name="orders", Description="Orders", KmsKeyIdentifier="alias/orders",
        DeadLetterConfig={"Arn": DLQ}, LogConfig={"IncludeDetail": "FULL", "Level": "TRACE"},
        Tags=[{"Key": "team", "Value": "shop"}, {"Key": "env", "Value": "prod"}],
    )
    answer(
        events, "PutRule", Name="Shipped", EventBusName="orders", EventPattern=json.dumps({"source": ["shop"]}), RoleArn=ROLE,
        Tags=[{"Key": "owner", "Value": "ops"}],
    )
    answer(events, "TagResource", ResourceARN=RULE_ARN, Tags=[{"Key": "owner", "Value": "platform"}, {"Key": "cost", "Value": "7"}])
    answer(events, "UntagResource", ResourceARN=BUS_ARN, TagKeys=["env"])
    answer(events, "TagResource", ResourceARN=DEFAULT_ARN, Tags=[{"Key": "stage", "Value": "it"}])


def check_configured(events):
    bus = answer(events, "DescribeEventBus", Name="orders")
    assert bus["Description"] == "Orders" and bus["KmsKeyIdentifier"] == "alias/orders"
    assert bus["DeadLetterConfig"] == {"Arn": DLQ}
    assert bus["LogConfig"] == {"IncludeDetail": "FULL", "Level": "TRACE"}
    listed = answer(events, "ListEventBuses", NamePrefix="orders")["EventBuses"]
    assert [b["Name"] for b in listed] == ["orders"] and "KmsKeyIdentifier" not in listed[0]
    rule = answer(events, "DescribeRule", Name="Shipped", EventBusName="orders")
    assert rule["RoleArn"] == ROLE
    assert answer(events, "ListRules", EventBusName="orders")["Rules"][0]["RoleArn"] == ROLE
    assert tags(events, BUS_ARN) == {"team": "shop"}
    assert tags(events, RULE_ARN) == {"owner": "platform", "cost": "7"}
    assert tags(events, DEFAULT_ARN) == {"stage": "it"}


def aws_cli(server, *args):
    env = clean_environment({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_MAX_ATTEMPTS": "1",
    })
    result = subprocess.run(["aws", "--endpoint-url", server.url, "--output", "json", *args], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_tags_and_settings_are_kept_answered_in_aws_shapes_and_survive_a_restart(start_pushbridge, tmp_path):
    data_dir = str(tmp_path / "data")
    server = start_pushbridge(env={"PUSHBRIDGE_DATA_DIR": data_dir})
    configure(server.events)
    check_configured(server.events)
    # UpdateEventBus and its answer, then back to the settings the restart must show.
    updated = answer(server.events, "UpdateEventBus", Name="orders", Description="Orders", LogConfig={"Level": "ERROR"})
    assert updated["LogConfig"] == {"Level": "ERROR"} and "KmsKeyIdentifier" not in updated
    answer(
        server.events, "UpdateEventBus", Name="orders", Description="Orders", KmsKeyIdentifier="alias/orders",
        DeadLetterConfig={"Arn": DLQ}, LogConfig={"IncludeDetail": "FULL", "Level": "TRACE"},
    )
    server.stop()

    again = start_pushbridge(env={"PUSHBRIDGE_DATA_DIR": data_dir})
    check_configured(again.events)
    # The AWS CLI reads the same.
    listed = aws_cli(again, "events", "list-tags-for-resource", "--resource-arn", RULE_ARN)
    assert {tag["Key"]: tag["Value"] for tag in listed["Tags"]} == {"owner": "platform", "cost": "7"}
    aws_cli(again, "events", "tag-resource", "--resource-arn", BUS_ARN, "--tags", "Key=cli,Value=yes")
    assert tags(again.events, BUS_ARN) == {"team": "shop", "cli": "yes"}
    described = aws_cli(again, "events", "describe-event-bus", "--name", "orders")
    assert described["KmsKeyIdentifier"] == "alias/orders" and described["DeadLetterConfig"] == {"Arn": DLQ}

    # A deleted rule's tags go with it; a rule made again under its name has none.
    answer(again.events, "DeleteRule", Name="Shipped", EventBusName="orders")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        again.events.list_tags_for_resource(ResourceARN=RULE_ARN)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    answer(again.events, "PutRule", Name="Shipped", EventBusName="orders", EventPattern=json.dumps({"source": ["shop"]}))
    assert tags(again.events, RULE_ARN) == {}


def test_tagging_errors_are_aws_errors(start_pushbridge):
    server = start_pushbridge("--in-memory")
    events = server.events
    answer(events, "CreateEventBus", Name="orders")
    for call in (
        lambda: events.list_tags_for_resource(ResourceARN="arn:aws:events:us-east-1:000000000000:event-bus/absent"),
        lambda: events.tag_resource(ResourceARN="arn:aws:events:us-east-1:000000000000:rule/absent", Tags=[{"Key": "k", "Value": "v"}]),
        lambda: events.untag_resource(ResourceARN="arn:aws:sqs:us-east-1:000000000000:q", TagKeys=["k"]),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    answer(events, "TagResource", ResourceARN=BUS_ARN, Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(50)])
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        events.tag_resource(ResourceARN=BUS_ARN, Tags=[{"Key": "one-more", "Value": "v"}])
    assert raised.value.response["Error"]["Code"] == "LimitExceededException"
    assert len(tags(events, BUS_ARN)) == 50
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        events.tag_resource(ResourceARN=BUS_ARN, Tags=[{"Key": "aws:reserved", "Value": "v"}])
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_a_tag_change_on_one_cluster_node_is_seen_on_another(start_pushbridge, postgres):
    a = start_node(start_pushbridge, postgres)
    b = start_node(start_pushbridge, postgres)
    answer(a.events, "CreateEventBus", Name="orders", KmsKeyIdentifier="alias/orders", Tags=[{"Key": "team", "Value": "shop"}])
    wait_until(lambda: b.events.list_event_buses(NamePrefix="orders")["EventBuses"], 10, message="the bus on node b")
    assert tags(b.events, BUS_ARN) == {"team": "shop"}
    answer(a.events, "TagResource", ResourceARN=BUS_ARN, Tags=[{"Key": "team", "Value": "billing"}])
    answer(a.events, "UpdateEventBus", Name="orders", LogConfig={"Level": "INFO"})
    wait_until(lambda: tags(b.events, BUS_ARN) == {"team": "billing"}, 10, message="the new tag on node b")
    wait_until(lambda: b.events.describe_event_bus(Name="orders").get("LogConfig") == {"Level": "INFO"}, 10, message="the update on node b")
    answer(a.events, "PutRule", Name="Shipped", EventBusName="orders", EventPattern=json.dumps({"source": ["shop"]}), RoleArn=ROLE)
    answer(a.events, "TagResource", ResourceARN=RULE_ARN, Tags=[{"Key": "owner", "Value": "ops"}])
    wait_until(lambda: b.events.list_rules(EventBusName="orders")["Rules"], 10, message="the rule on node b")
    wait_until(lambda: tags(b.events, RULE_ARN) == {"owner": "ops"}, 10, message="the rule's tag on node b")
    assert b.events.describe_rule(Name="Shipped", EventBusName="orders")["RoleArn"] == ROLE
