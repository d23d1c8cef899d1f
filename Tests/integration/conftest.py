"""Fixtures: each test starts the processes it needs on free loopback ports and stops them by PID."""

import os

import pytest

from postgres_support import LoadBalancer, PostgresServer
from receivers import AnsweringReceiver, ScriptedReceiver, SilentReceiver
from support import ADMIN_TOKEN, Moto, PushBridge, serve_options


def pytest_addoption(parser):
    parser.addoption("--pushbridge", default=os.environ.get("PUSHBRIDGE_BIN", ".build/debug/pushbridge"), help="the pushbridge binary to test")


@pytest.fixture(scope="session")
def pushbridge_binary(request):
    path = os.path.abspath(request.config.getoption("--pushbridge"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not an executable pushbridge binary (build it first)")
    return path


@pytest.fixture(scope="session")
def admin_args(pushbridge_binary):
    """The serve options that open the admin API with a known token, or None when this build has no admin API."""
    return ["--admin-token", ADMIN_TOKEN] if "--admin-token" in serve_options(pushbridge_binary) else None


@pytest.fixture
def _processes():
    """Everything a test started, stopped at teardown (last started, first stopped)."""
    started = []
    yield started
    for process in started:
        process.terminate()
    for process in reversed(started):
        process.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the log tail of every process it started."""
    report = yield
    if report.when == "call" and report.failed:
        for process in item.funcargs.get("_processes", []):
            report.sections.append((f"{process.name} pid {process.pid} log (last 60 lines)", process.tail(60)))
    return report


@pytest.fixture
def start_pushbridge(pushbridge_binary, tmp_path, _processes):
    """start_pushbridge(*serve_args, env={...}) -> a running PushBridge."""

    def start(*args, env=None):
        folder = tmp_path / f"pushbridge-{len(_processes)}"
        folder.mkdir()
        server = PushBridge(pushbridge_binary, str(folder / "server.log"), args, env)
        _processes.append(server)
        return server

    return start


@pytest.fixture
def moto(tmp_path, _processes):
    server = Moto(str(tmp_path / "moto.log"))
    _processes.append(server)
    return server


@pytest.fixture
def receivers():
    """receivers(kind, ...) -> a started webhook receiver; all are stopped at teardown."""
    started = []

    def start(kind="scripted", **options):
        receiver = {"scripted": ScriptedReceiver, "silent": SilentReceiver, "answering": AnsweringReceiver}[kind](**options)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL of this test's own (Scripts/postgres), removed at teardown."""
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture
def load_balancer():
    """load_balancer(ports) -> nginx in front of those loopback ports (Scripts/nginx), stopped at teardown."""
    started = []

    def start(ports):
        balancer = LoadBalancer(ports)
        started.append(balancer)
        return balancer

    yield start
    for balancer in started:
        balancer.stop()
