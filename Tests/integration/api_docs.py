"""The API descriptions in docs/, the official schemas they are checked against, and their JSON Schemas."""

import json
import os
import pathlib
import urllib.request

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The project's shared folder beside the clone (as on CI); absent on a bare clone.
SHARED_ASYNCAPI_SCHEMA = ROOT.parent / "shared" / "reference" / "asyncapi" / "asyncapi-3.0.0-schema.json"


def load(name):
    """docs/<name>.yaml parsed."""
    return yaml.safe_load((DOCS / f"{name}.yaml").read_text(encoding="utf-8"))


def official_asyncapi_schema():
    """The official AsyncAPI 3.0.0 JSON Schema from ../shared (or $PUSHBRIDGE_ASYNCAPI_SCHEMA); skips when absent."""
    path = pathlib.Path(os.environ.get("PUSHBRIDGE_ASYNCAPI_SCHEMA") or SHARED_ASYNCAPI_SCHEMA)
    if not path.is_file():
        pytest.skip(
            f"SKIPPED: the official AsyncAPI 3.0.0 schema is not at {path} "
            "(put the project's shared folder beside the clone or set PUSHBRIDGE_ASYNCAPI_SCHEMA)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def resolve(doc, node):
    """Follows local `$ref`s (`#/a/b`) until a node that is not a reference."""
    for _ in range(32):
        if not (isinstance(node, dict) and "$ref" in node):
            return node
        target = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    raise AssertionError(f"reference chain too long at {node}")


class Schemas:
    """Validators for JSON Schemas inside a description, with its `#/...` references resolved in it."""

    URI = "urn:pushbridge:description"

    def __init__(self, doc, draft="7"):
        specification, self._validator = (DRAFT7, Draft7Validator) if draft == "7" else (DRAFT202012, Draft202012Validator)
        self._registry = Registry().with_resource(self.URI, Resource.from_contents(doc, default_specification=specification))

    def validator(self, pointer):
        """A validator for the schema at JSON pointer `pointer` (e.g. `/components/schemas/errorFrame`)."""
        return self._validator({"$ref": f"{self.URI}#{pointer}"}, registry=self._registry)

    def errors(self, pointer, value):
        return [error.message for error in self.validator(pointer).iter_errors(value)]


def http_get(url, headers=None, timeout=10):
    """(status, headers, body bytes) of a GET; HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
