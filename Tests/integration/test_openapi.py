"""docs/openapi.yaml: valid OpenAPI 3.1, and true: schemathesis drives a running server from it, and no answer may be
a 5xx or differ from the document, and no request the document forbids may be accepted."""

import json
import os
import subprocess
import sys

from openapi_spec_validator import validate
from websockets.sync.client import connect

from api_docs import Schemas, http_get, load
from support import ADMIN_TOKEN

DOC = load("openapi")
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
])


def test_the_document_is_valid_openapi_3_1():
    assert DOC["openapi"] == "3.1.0"
    validate(DOC)


def test_the_documented_answers_of_a_few_requests(start_pushbridge):
    """A quick, readable check of the same property schemathesis tests at large."""
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)
    schemas = Schemas(DOC, draft="2020-12")
    with connect(f"ws://127.0.0.1:{server.port}/dev", open_timeout=10) as ws:
        ws.send('{"action":"subscribe","entityId":"openapi"}')
        for path, pointer in [
            ("/admin/queues", "/paths/~1admin~1queues/get/responses/200/content/application~1json/schema"),
            ("/admin/connections", "/paths/~1admin~1connections/get/responses/200/content/application~1json/schema"),
            ("/admin/info", "/paths/~1admin~1info/get/responses/200/content/application~1json/schema"),
            ("/admin/dlq?limit=0", "/components/schemas/AdminError"),
            ("/healthz", "/components/schemas/Status"),
        ]:
            status, _, body = http_get(server.url + path, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
            assert status < 500
            assert schemas.errors(pointer, json.loads(body)) == [], path
    status, _, body = http_get(server.url + "/admin/queues")
    assert status == 401


def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(start_pushbridge, tmp_path):
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    # Bounded: a few examples per operation, one worker, every request with a timeout, the whole run killed at 5 min.
    command = [
        schemathesis, "run", f"{server.url}/openapi.json", "--url", server.url,
        "-H", f"Authorization: Bearer {ADMIN_TOKEN}",
        "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
        "--max-examples", os.environ.get("PUSHBRIDGE_SCHEMATHESIS_EXAMPLES", "20"), "--seed", "16",
        "--workers", "1", "--request-timeout", "10", "--generation-database", "none",
        "--no-color", "--report", "junit", "--report-dir", str(tmp_path / "schemathesis"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert server.alive()
