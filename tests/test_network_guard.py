"""The network guard blocks connections and process starts by analyses."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from pytest_statharness.policy.network import NetworkBlocked, guarded, network_mode


def test_modes_from_environment() -> None:
    assert network_mode({}) == "off"
    assert network_mode({"STAT_HARNESS_ALLOW_NETWORK": "1"}) == "on"
    assert network_mode({"STAT_HARNESS_NETWORK_MODE": "localhost"}) == "localhost"
    with pytest.warns(UserWarning, match="the network stays off"):
        assert network_mode({"STAT_HARNESS_NETWORK_MODE": "sometimes"}) == "off"


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()
    server.close()


def test_off_blocks_even_loopback(listener) -> None:
    with (
        guarded("analysis 'x'", "off"),
        pytest.raises(NetworkBlocked, match="STAT_HARNESS_NETWORK_MODE=off"),
    ):
        socket.create_connection(listener, timeout=1)


def test_localhost_allows_loopback_only(listener) -> None:
    with guarded("analysis 'x'", "localhost"):
        socket.create_connection(listener, timeout=1).close()
        with pytest.raises(NetworkBlocked, match="loopback only"):
            socket.socket().connect(("192.0.2.1", 9))


def test_processes_are_blocked_and_guard_is_scoped(listener) -> None:
    with (
        guarded("analysis 'x'", "on"),
        pytest.raises(NetworkBlocked, match="may not start processes"),
    ):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    subprocess.run([sys.executable, "-c", "pass"], check=True)  # outside the guard
    socket.create_connection(listener, timeout=1).close()


def test_analysis_connecting_fails_its_item(pytester: pytest.Pytester, parquet_path) -> None:
    pytester.makeconftest(
        """
import socket
from pytest_statharness import Analysis, ColumnKind


class Phone(Analysis):
    id = "phone_home"
    family = "quality"
    title = "tries the network"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        socket.socket().connect(("192.0.2.1", 80))
        return state

    def merge(self, a, b, ctx):
        return a


def statharness_analyses():
    return [Phone()]
"""
    )
    result = pytester.runpytest("--stat-dataset", "sales=data/sales.parquet", "-k", "phone_home")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*analysis 'phone_home' tried to connect to ('192.0.2.1', 80)*"])


def test_built_in_analyses_declare_the_modules_they_load_lazily() -> None:
    """An analysis module using a lazy scipy proxy names the module in its class's
    ``imports``: the harness imports it before the guarded run (older scipy versions start
    a process while importing, which the guard refuses inside the run)."""
    import sys

    from statharness_analyses._shared.lazy_scipy import LazyModule

    from pytest_statharness.registry import Registry

    for analysis in Registry.builtin():
        module = sys.modules[type(analysis).__module__]
        lazy = {v._name for v in vars(module).values() if isinstance(v, LazyModule)}
        assert lazy <= set(analysis.imports), (analysis.id, lazy, analysis.imports)
