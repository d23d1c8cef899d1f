"""The Events API checks every request against AWS's published model, raw over HTTP (as SDKs of other languages
and hand-made clients send it, without the Python SDK's own checks).

The cases are generated from botocore's `events` model (the data every AWS SDK is generated from), read here
independently of the server's generated tables: for every constraint of every member, at every depth, of the 19
operations PushBridge serves, one request at the boundary (accepted: no SerializationException and no constraint
violation) and one past it (refused with AWS's code and message); each required member left out; each member given
the wrong JSON type (SerializationException). What the model allows may still be refused afterwards for
PushBridge's own reasons (an unknown rule, an invalid pattern, PutEvents' per-entry errors).
"""

import copy
import http.client
import json
import re

import botocore.loaders
import pytest

MODEL = botocore.loaders.Loader().load_service_model("events", "service-2")
SHAPES = MODEL["shapes"]
OPERATIONS = [
    "PutEvents", "PutRule", "DescribeRule", "ListRules", "DeleteRule", "EnableRule", "DisableRule", "PutTargets", "RemoveTargets",
    "ListTargetsByRule", "TestEventPattern", "CreateEventBus", "DescribeEventBus", "ListEventBuses", "UpdateEventBus", "DeleteEventBus",
    "ListTagsForResource", "TagResource", "UntagResource",
]
# Values that satisfy a shape's pattern where a run of one letter does not.
PATTERN_SAMPLES = {
    "EventSourceName": "aws.partner/example.com/a",
    "EndpointId": "a.b",
    "RedshiftSecretManagerArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:a",
}
# Values that break a pattern, tried in order (the first one within the shape's length that the pattern refuses).
PATTERN_BREAKERS = ["a b!", "!", " ", "\u00e9\u00e9", "\x01", "a\nb", "-", "aws.partner", "$$"]


def lower_first(name):
    return name[:1].lower() + name[1:]


def python_pattern(pattern):
    """Java's classes as Python's `re` knows them (only RunCommandTargetKey uses \\p{...})."""
    return pattern.replace("\\p{L}\\p{Z}\\p{N}", "^\\W_\\s") if "\\p{" in pattern else pattern


def satisfies(shape, text):
    length = len(text.encode("utf-16-le")) // 2
    if "min" in shape and length < shape["min"] or "max" in shape and length > shape["max"]:
        return False
    if "pattern" in shape and not re.fullmatch(python_pattern(shape["pattern"]), text, re.S):
        return False
    return "enum" not in shape or text in shape["enum"]


def filler(name, length):
    """A string of `length` that satisfies the shape's pattern, or None."""
    shape = SHAPES[name]
    for candidate in ("a" * length, "1" * length, (PATTERN_SAMPLES.get(name, "") + "a" * length)[:length]):
        probe = dict(shape)
        probe.pop("min", None), probe.pop("max", None)
        if len(candidate) == length and satisfies(probe, candidate):
            return candidate
    return None


def sample(name):
    """A valid value of the shape, with only its required members."""
    shape = SHAPES[name]
    kind = shape["type"]
    if kind == "structure":
        return {member: sample(shape["members"][member]["shape"]) for member in shape.get("required", [])}
    if kind == "list":
        return [sample(shape["member"]["shape"]) for _ in range(max(shape.get("min", 1), 1))]
    if kind == "map":
        return {}
    if kind == "string":
        if "enum" in shape:
            return shape["enum"][0]
        if name in PATTERN_SAMPLES:
            return PATTERN_SAMPLES[name]
        return filler(name, max(shape.get("min", 1), 1))
    if kind in ("integer", "long"):
        return shape.get("min", 1)
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return 0
    raise AssertionError(f"shape {name} of type {kind}")


def wrong_type(kind):
    return {"string": 5, "integer": "5", "long": "5", "boolean": "yes", "timestamp": True, "list": "x", "structure": "x", "map": [1]}[kind]


def members(shape_name, location=(), path=""):
    """(location in the request, AWS's path, member shape name, required) for every member at every depth."""
    shape = SHAPES[shape_name]
    for member, spec in shape.get("members", {}).items():
        member_location = location + (member,)
        member_path = (path + "." if path else "") + lower_first(member)
        required = member in shape.get("required", [])
        yield member_location, member_path, spec["shape"], required
        inner = SHAPES[spec["shape"]]
        if inner["type"] == "structure":
            yield from members(spec["shape"], member_location, member_path)
        elif inner["type"] == "list" and SHAPES[inner["member"]["shape"]]["type"] == "structure":
            yield from members(inner["member"]["shape"], member_location + (0,), member_path + ".1.member")


def place(request, location, value, shape_name):
    """A copy of `request` with `value` at `location`, creating the parents the location passes through."""
    request = copy.deepcopy(request)
    node, shape = request, SHAPES[shape_name]
    for step, key in enumerate(location[:-1]):
        if isinstance(key, int):
            node, shape = node[key], SHAPES[shape["member"]["shape"]]
            continue
        member_shape = shape["members"][key]["shape"]
        if key not in node or node[key] is None:
            node[key] = sample(member_shape)
            if SHAPES[member_shape]["type"] == "list" and not node[key]:
                node[key] = [sample(SHAPES[member_shape]["member"]["shape"])]
        node, shape = node[key], SHAPES[member_shape]
    last = location[-1]
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return request


DELETE = object()
BODY_LIMIT = 1024 * 1024


def violation(path, value, shape, constraint):
    """AWS's words for one violation. A list's value is printed as AWS's Java objects print themselves, so for a
    list only what follows the value is checked."""
    tail = f"at '{path}' failed to satisfy constraint: {constraint}"
    if shape["type"] == "list":
        return tail
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"Value {tail}" if shape.get("sensitive") else f"Value '{text}' {tail}"


def cases(operation):
    """(description, request, expected) with expected None (accepted) or (code, violation text or None)."""
    input_shape = MODEL["operations"][operation]["input"]["shape"]
    base = sample(input_shape)
    yield "the minimal request", base, None
    for location, path, name, required in members(input_shape):
        shape = SHAPES[name]
        kind = shape["type"]
        if required:
            yield f"{path} left out", place(base, location, DELETE, input_shape), ("ValidationException", f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
        yield f"{path} of the wrong type", place(base, location, wrong_type(kind), input_shape), ("SerializationException", None)
        if kind == "string":
            for bound, step, words in (("max", 1, "less than or equal to"), ("min", -1, "greater than or equal to")):
                if bound not in shape or "enum" in shape:
                    continue
                good = filler(name, shape[bound])
                if good is not None:
                    yield f"{path} of length {bound} {shape[bound]}", place(base, location, good, input_shape), None
                if shape[bound] + step < 0:
                    continue
                bad = filler(name, shape[bound] + step) or "a" * (shape[bound] + step)
                expected = violation(path, bad, shape, f"Member must have length {words} {shape[bound]}")
                yield f"{path} of length {shape[bound] + step}", place(base, location, bad, input_shape), ("ValidationException", expected)
            if "pattern" in shape:
                low, high = shape.get("min", 0), shape.get("max", 10_000)
                bad = next((b for b in PATTERN_BREAKERS if low <= len(b) <= high and not re.fullmatch(python_pattern(shape["pattern"]), b, re.S)), None)
                if bad is not None:
                    expected = violation(path, bad, shape, f"Member must satisfy regular expression pattern: {shape['pattern']}")
                    yield f"{path} breaking its pattern", place(base, location, bad, input_shape), ("ValidationException", expected)
            if "enum" in shape:
                for value in shape["enum"]:
                    yield f"{path} = {value}", place(base, location, value, input_shape), None
                expected = violation(path, "NOT_A_VALUE", shape, f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]")
                yield f"{path} outside its enum", place(base, location, "NOT_A_VALUE", input_shape), ("ValidationException", expected)
        if kind in ("integer", "long"):
            for bound, step, words in (("max", 1, "less than or equal to"), ("min", -1, "greater than or equal to")):
                if bound in shape:
                    yield f"{path} = {shape[bound]}", place(base, location, shape[bound], input_shape), None
                    bad = shape[bound] + step
                    expected = violation(path, bad, shape, f"Member must have value {words} {shape[bound]}")
                    yield f"{path} = {bad}", place(base, location, bad, input_shape), ("ValidationException", expected)
        if kind == "list":
            element = SHAPES[shape["member"]["shape"]]
            for bound, step, words in (("max", 1, "less than or equal to"), ("min", -1, "greater than or equal to")):
                if bound not in shape or shape[bound] + step < 0:
                    continue
                one = sample(shape["member"]["shape"])
                if element["type"] == "structure" and "Id" in element.get("members", {}):
                    good = [dict(one, Id=f"id{index}") for index in range(shape[bound])]
                    bad = [dict(one, Id=f"id{index}") for index in range(shape[bound] + step)]
                else:
                    good, bad = [one] * shape[bound], [one] * (shape[bound] + step)
                if shape[bound] > 0 or bound == "min":
                    yield f"{path} of {shape[bound]} members", place(base, location, good, input_shape), None
                expected = violation(path, bad, shape, f"Member must have length {words} {shape[bound]}")
                yield f"{path} of {len(bad)} members", place(base, location, bad, input_shape), ("ValidationException", expected)
        if kind == "map":
            key_shape, value_shape = SHAPES[shape["key"]["shape"]], SHAPES[shape["value"]["shape"]]
            good_key, good_value = sample(shape["key"]["shape"]), sample(shape["value"]["shape"])
            yield f"{path} with one entry", place(base, location, {good_key: good_value}, input_shape), None
            if "pattern" in key_shape:
                yield f"{path} with a bad key", place(base, location, {"a b!\x01": good_value}, input_shape), ("ValidationException", "Map keys must satisfy constraint")
            if "pattern" in value_shape:
                yield f"{path} with a bad value", place(base, location, {good_key: "\x01"}, input_shape), ("ValidationException", "Map value must satisfy constraint")
            if "max" in shape:
                many = {f"k{index}": good_value for index in range(shape["max"] + 1)}
                yield f"{path} of {shape['max'] + 1} entries", place(base, location, many, input_shape), ("ValidationException", f"Member must have length less than or equal to {shape['max']}")


def call(connection, operation, body):
    payload = json.dumps(body)
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSEvents.{operation}"}
    connection.request("POST", "/", body=payload.encode(), headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    return response.status, (json.loads(text) if text else {})


def model_violation(status, answer):
    """The refusal of a request as malformed, or None when the request got past AWS's model checks."""
    kind = answer.get("__type", "")
    if status == 400 and (kind == "SerializationException" or kind == "ValidationException" and "failed to satisfy constraint" in answer.get("message", "")):
        return answer
    return None


def check(status, answer, expected):
    """None when the answer is what `expected` describes, else why not."""
    if expected is None:
        refusal = model_violation(status, answer)
        return None if refusal is None else f"refused: {refusal}"
    code, text = expected
    if status != 400 or answer.get("__type") != code:
        return f"got {status} {answer}, expected {code}"
    message = answer.get("message", "")
    if text is not None and text not in message:
        return f"message {message!r} lacks {text!r}"
    if code == "ValidationException":
        count = message.count("failed to satisfy constraint")
        prefix = f"{count} validation error{'s' if count != 1 else ''} detected: "
        if not message.startswith(prefix) or message.count("; Value") != count - 1:
            return f"message {message!r} does not count its {count} violations as AWS does"
    return None


@pytest.fixture(scope="module")
def server(pushbridge_binary, tmp_path_factory):
    from support import PushBridge

    folder = tmp_path_factory.mktemp("validation")
    process = PushBridge(pushbridge_binary, str(folder / "server.log"), ["--in-memory"])
    yield process
    process.terminate()
    process.stop()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_constraint_of_the_model_at_its_boundary_and_past_it(server, operation):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    failures, accepted, refused = [], 0, 0
    skipped = 0
    for description, request, expected in cases(operation):
        if len(json.dumps(request)) > BODY_LIMIT:
            skipped += 1  # past the server's request size limit, refused before the model is looked at
            continue
        status, answer = call(connection, operation, request)
        problem = check(status, answer, expected)
        if problem:
            failures.append(f"{operation}: {description}: {problem}\n    request: {json.dumps(request)[:300]}")
        elif expected is None:
            accepted += 1
        else:
            refused += 1
    connection.close()
    print(f"{operation}: {accepted} boundary requests accepted, {refused} violations refused as AWS refuses them, {skipped} over the body limit")
    assert not failures, "\n".join(failures[:20]) + (f"\n… and {len(failures) - 20} more" if len(failures) > 20 else "")
    assert accepted > 0 and (refused > 0 or not MODEL["shapes"][MODEL["operations"][operation]["input"]["shape"]].get("members"))


def test_two_violations_are_counted_and_joined_as_aws_does(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    status, answer = call(connection, "ListRules", {"NamePrefix": "bad name", "Limit": 101})
    connection.close()
    assert status == 400 and answer["__type"] == "ValidationException"
    assert answer["message"] == (
        "2 validation errors detected: Value 'bad name' at 'namePrefix' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [\\.\\-_A-Za-z0-9]+; Value '101' at 'limit' failed to satisfy constraint: Member "
        "must have value less than or equal to 100"
    )


def test_a_target_kind_pushbridge_cannot_deliver_to_is_refused_after_the_model_checks(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    status, answer = call(connection, "PutRule", {"Name": "ecs", "EventPattern": json.dumps({"source": ["a"]})})
    assert status == 200, answer
    target = {"Id": "t1", "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c", "EcsParameters": {"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/t"}}
    status, answer = call(connection, "PutTargets", {"Rule": "ecs", "Targets": [target]})
    assert status == 400 and answer["__type"] == "ValidationException"
    assert "Target t1 has EcsParameters: PushBridge does not deliver to ECS tasks." in answer["message"]
    # A model violation inside the structure is reported first, as AWS checks the model before anything else.
    target["EcsParameters"]["TaskCount"] = 0
    status, answer = call(connection, "PutTargets", {"Rule": "ecs", "Targets": [target]})
    assert answer["message"].startswith("1 validation error detected: Value '0' at 'targets.1.member.ecsParameters.taskCount'"), answer
    status, answer = call(connection, "ListTargetsByRule", {"Rule": "ecs"})
    assert status == 200 and answer["Targets"] == [], "nothing is stored"
    connection.close()


def test_the_cloudtrail_state_aws_accepts_is_kept_and_routes(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    status, answer = call(connection, "PutRule", {"Name": "trail", "EventPattern": json.dumps({"source": ["a"]}), "State": state})
    assert status == 200, answer
    status, answer = call(connection, "DescribeRule", {"Name": "trail"})
    assert answer["State"] == state
    connection.close()


def test_the_committed_tables_are_generated_from_this_model():
    import os
    import subprocess
    import sys

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    result = subprocess.run([sys.executable, os.path.join(root, "Scripts", "generate-events-model"), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_a_value_built_to_make_a_pattern_backtrack_is_answered_and_the_server_keeps_serving(server):
    # AWS's HeaderValue pattern nests quantifiers over overlapping classes: a backtracking engine takes minutes on
    # 41 characters of this. PushBridge's matcher is linear; the answer is the pattern violation.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    call(connection, "PutRule", {"Name": "hostile", "EventPattern": json.dumps({"source": ["a"]})})
    value = "a " * 200 + "\x01"
    target = {"Id": "t", "Arn": "https://example.com/hook", "HttpParameters": {"HeaderParameters": {"X-A": value}}}
    status, answer = call(connection, "PutTargets", {"Rule": "hostile", "Targets": [target]})
    assert status == 400 and answer["__type"] == "ValidationException", answer
    assert "Map value must satisfy constraint" in answer["message"]
    status, answer = call(connection, "PutEvents", {"Entries": [{"Source": "a", "DetailType": "b", "Detail": "{}"}], "EndpointId": "a" * 500_000})
    assert status == 400 and "at 'endpointId'" in answer["message"], answer
    status, _ = call(connection, "ListRules", {})
    assert status == 200
    connection.close()
