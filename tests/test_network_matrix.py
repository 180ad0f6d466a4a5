"""The network guard, mode by vector: every route out is tried under every mode.

The only listener is on loopback. A vector whose target is not loopback is really tried
only where the guard must refuse it (the hook raises before anything leaves); where the
mode allows it (``on``), the same audit event is raised with :func:`sys.audit` instead, so
the hook's decision is checked without sending anything off the machine. Process vectors
are harmless if they were let through (``true``, a nonexistent program, a child that exits
at once).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

from pytest_statharness.policy.network import NetworkBlocked, guarded

REMOTE = ("192.0.2.1", 9)  # TEST-NET-1: never routed
B, A = "blocked", "allowed"


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(5)
    yield server.getsockname()
    server.close()


def _remote(mode, real, event, *args):
    """Try a non-loopback target: for real where it must be refused, simulated where not."""
    if mode == "on":
        sys.audit(event, *args)
    else:
        real()


def _connect_remote(mode, _):
    sock = socket.socket()
    sock.settimeout(0.5)
    try:
        _remote(mode, lambda: sock.connect(REMOTE), "socket.connect", sock, REMOTE)
    finally:
        sock.close()


def _connect_ex_remote(mode, _):
    sock = socket.socket()
    sock.settimeout(0.5)
    try:
        _remote(mode, lambda: sock.connect_ex(REMOTE), "socket.connect", sock, REMOTE)
    finally:
        sock.close()


def _udp_remote(mode, _):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        _remote(mode, lambda: sock.sendto(b"x", REMOTE), "socket.sendto", sock, REMOTE)
    finally:
        sock.close()


def _bind_any(mode, _):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        _remote(mode, lambda: sock.bind(("0.0.0.0", 0)), "socket.bind", sock, ("0.0.0.0", 0))
    finally:
        sock.close()


def _connect_loopback(mode, address):
    socket.create_connection(address, timeout=2).close()


def _connect_localhost_name(mode, address):
    socket.create_connection(("localhost", address[1]), timeout=2).close()


def _udp_loopback(mode, address):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.sendto(b"x", address)
    finally:
        sock.close()


def _dns_remote(mode, _):
    _remote(
        mode,
        lambda: socket.getaddrinfo("statharness.invalid", 80),
        "socket.getaddrinfo",
        "statharness.invalid",
        80,
        0,
        0,
        0,
    )


def _dns_gethostbyname(mode, _):
    _remote(
        mode,
        lambda: socket.gethostbyname("statharness.invalid"),
        "socket.gethostbyname",
        "statharness.invalid",
    )


def _dns_reverse(mode, _):
    _remote(mode, lambda: socket.gethostbyaddr(REMOTE[0]), "socket.gethostbyaddr", REMOTE[0])


def _dns_localhost(mode, _):
    socket.getaddrinfo("localhost", 80)


def _subprocess(mode, _):
    subprocess.run(["true"], check=False)


def _os_system(mode, _):
    os.system("true")


def _os_exec(mode, _):
    os.execv("/nonexistent/statharness-probe", ["probe"])


def _posix_spawn(mode, _):
    os.posix_spawn("/nonexistent/statharness-probe", ["probe"], {})


def _os_fork(mode, _):
    pid = os.fork()
    if pid == 0:  # pragma: no cover - only if the guard failed
        os._exit(0)
    os.waitpid(pid, 0)


def _pty_fork(mode, _):
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - only if the guard failed
        os._exit(0)
    os.close(fd)
    os.waitpid(pid, 0)


def _fork_exec(mode, _):
    import _posixsubprocess

    _posixsubprocess.fork_exec()  # no arguments: a TypeError if the guard let it through


def _multiprocessing_spawn(mode, _):
    import multiprocessing

    process = multiprocessing.get_context("spawn").Process(target=os.getpid)
    process.start()
    process.join(10)


def _multiprocessing_fork(mode, _):
    import multiprocessing

    process = multiprocessing.get_context("fork").Process(target=os.getpid)
    process.start()
    process.join(10)


def _ctypes(mode, _):
    import ctypes

    ctypes.CDLL(None).getpid()


def _thread_during(mode, address):
    """A thread the analysis starts, connecting while the analysis runs."""
    outcome = []

    def run():
        try:
            _connect_loopback(mode, address)
            outcome.append(A)
        except NetworkBlocked:
            outcome.append(B)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    if outcome == [B]:
        raise NetworkBlocked("in thread")


THREAD_LATE: dict[str, list] = {}


def _thread_after(mode, address):
    """A thread the analysis starts, connecting after the analysis has returned."""
    go = threading.Event()
    outcome = THREAD_LATE.setdefault(mode, [])

    def run():
        go.wait(10)
        try:
            _connect_loopback(mode, address)
            outcome.append(A)
        except NetworkBlocked:
            outcome.append(B)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return go, thread


# -- more routes out: other APIs over the same events, other socket families ---------------
def _create_connection_remote(mode, _):
    _remote(
        mode,
        lambda: socket.create_connection(REMOTE, timeout=0.5).close(),
        "socket.connect",
        None,
        REMOTE,
    )


def _connect_ex_loopback(mode, address):
    sock = socket.socket()
    sock.settimeout(2)
    try:
        sock.connect_ex(address)
    finally:
        sock.close()


def _unix_connect(mode, _):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect("/nonexistent/statharness-probe.sock")  # local by definition
    finally:
        sock.close()


def _udp_sendmsg_remote(mode, _):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        _remote(mode, lambda: sock.sendmsg([b"x"], [], 0, REMOTE), "socket.sendmsg", sock, REMOTE)
    finally:
        sock.close()


def _http_client_loopback(mode, address):
    import http.client

    conn = http.client.HTTPConnection(address[0], address[1], timeout=2)
    try:
        conn.request("GET", "/")
    finally:
        conn.close()


def _urllib_remote(mode, _):
    import urllib.request

    _remote(
        mode,
        lambda: urllib.request.urlopen(f"http://{REMOTE[0]}:{REMOTE[1]}/", timeout=0.5),
        "socket.getaddrinfo",
        REMOTE[0],
        REMOTE[1],
        0,
        socket.SOCK_STREAM,
        0,
        0,
    )


def _dns_gethostbyname_ex(mode, _):
    _remote(
        mode,
        lambda: socket.gethostbyname_ex("statharness.invalid"),
        "socket.gethostbyname",
        "statharness.invalid",
    )


def _dns_getnameinfo(mode, _):
    _remote(
        mode,
        lambda: socket.getnameinfo((REMOTE[0], 80), 0),
        "socket.getnameinfo",
        (REMOTE[0], 80),
        0,
    )


def _thread_pool_loopback(mode, address):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: socket.create_connection(address, timeout=2).close()).result()


def _os_popen(mode, _):
    os.popen("true").close()


def _subprocess_check_output(mode, _):
    subprocess.check_output(["true"])


def _os_spawnv(mode, _):
    os.spawnv(os.P_WAIT, "/nonexistent/statharness-probe", ["probe"])


def _os_posix_spawnp(mode, _):
    os.posix_spawnp("statharness-probe-nonexistent", ["probe"], {})


def _ctypes_symbol(mode, _):
    import ctypes

    ctypes.pythonapi["Py_GetVersion"]  # a fresh symbol lookup (dlsym) each time: the vector


VECTORS = {
    # name: (function, expected in off, localhost, on)
    "connect_remote": (_connect_remote, (B, B, A)),
    "connect_ex_remote": (_connect_ex_remote, (B, B, A)),
    "udp_sendto_remote": (_udp_remote, (B, B, A)),
    "bind_all_interfaces": (_bind_any, (B, B, A)),
    "connect_loopback": (_connect_loopback, (B, A, A)),
    "connect_localhost_name": (_connect_localhost_name, (B, A, A)),
    "udp_sendto_loopback": (_udp_loopback, (B, A, A)),
    "dns_getaddrinfo_remote": (_dns_remote, (B, B, A)),
    "dns_gethostbyname_remote": (_dns_gethostbyname, (B, B, A)),
    "dns_reverse_remote": (_dns_reverse, (B, B, A)),
    "dns_localhost": (_dns_localhost, (B, A, A)),
    "thread_during_analysis": (_thread_during, (B, A, A)),
    "subprocess": (_subprocess, (B, B, B)),
    "os_system": (_os_system, (B, B, B)),
    "os_exec": (_os_exec, (B, B, B)),
    "os_posix_spawn": (_posix_spawn, (B, B, B)),
    "os_fork": (_os_fork, (B, B, B)),
    "pty_fork": (_pty_fork, (B, B, B)),
    "posixsubprocess_fork_exec": (_fork_exec, (B, B, B)),
    "multiprocessing_spawn": (_multiprocessing_spawn, (B, B, B)),
    "multiprocessing_fork": (_multiprocessing_fork, (B, B, B)),
    "ctypes_libc": (_ctypes, (B, B, B)),
    "create_connection_remote": (_create_connection_remote, (B, B, A)),
    "connect_ex_loopback": (_connect_ex_loopback, (B, A, A)),
    "unix_socket_connect": (_unix_connect, (B, A, A)),
    "udp_sendmsg_remote": (_udp_sendmsg_remote, (B, B, A)),
    "http_client_loopback": (_http_client_loopback, (B, A, A)),
    "urllib_remote": (_urllib_remote, (B, B, A)),
    "dns_gethostbyname_ex_remote": (_dns_gethostbyname_ex, (B, B, A)),
    "dns_getnameinfo_remote": (_dns_getnameinfo, (B, B, A)),
    "thread_pool_loopback": (_thread_pool_loopback, (B, A, A)),
    "os_popen": (_os_popen, (B, B, B)),
    "subprocess_check_output": (_subprocess_check_output, (B, B, B)),
    "os_spawnv": (_os_spawnv, (B, B, B)),
    "os_posix_spawnp": (_os_posix_spawnp, (B, B, B)),
    "ctypes_symbol_lookup": (_ctypes_symbol, (B, B, B)),
}
MODES = ("off", "localhost", "on")


def _attempt(function, mode, address) -> str:
    try:
        with guarded("analysis 'probe'", mode):
            function(mode, address)
    except NetworkBlocked:
        return B
    except (OSError, TypeError):
        return A  # the guard let it through; the call itself failed
    return A


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vector", list(VECTORS))
def test_matrix(vector, mode, listener) -> None:
    function, expected = VECTORS[vector]
    assert _attempt(function, mode, listener) == expected[MODES.index(mode)]
    # and the guard is scoped: outside it, loopback works again
    socket.create_connection(listener, timeout=2).close()


@pytest.mark.parametrize("mode", MODES)
def test_thread_started_by_an_analysis_stays_guarded(mode, listener) -> None:
    with guarded("analysis 'probe'", mode):
        go, thread = _thread_after(mode, listener)
    go.set()
    thread.join(10)
    assert THREAD_LATE[mode] == [(B, A, A)[MODES.index(mode)]]


class _FakeDataset:
    name, fingerprint, row_count, columns = "d", "sha256:0", 1, ()


@pytest.mark.parametrize("mode", MODES)
def test_plan_runs_under_the_guard(mode, listener, monkeypatch) -> None:
    from pytest_statharness.engine import plan_for

    class Dialer:
        id = "dialer"

        def plan(self, view, budget):
            socket.create_connection(listener, timeout=2).close()
            return None

    monkeypatch.setenv("STAT_HARNESS_NETWORK_MODE", mode)
    try:
        plan_for(Dialer(), _FakeDataset(), None)
        outcome = A
    except NetworkBlocked:
        outcome = B
    assert outcome == (B, A, A)[MODES.index(mode)]


@pytest.mark.parametrize("mode", MODES)
def test_comparison_plan_runs_under_the_guard(mode, listener, monkeypatch) -> None:
    from pytest_statharness.engine import plan_comparison_for

    class Dialer:
        id = "dialer"

        def plan_comparison(self, a, b, budget):
            socket.create_connection(listener, timeout=2).close()
            return None

    monkeypatch.setenv("STAT_HARNESS_NETWORK_MODE", mode)
    try:
        plan_comparison_for(Dialer(), _FakeDataset(), _FakeDataset(), None)
        outcome = A
    except NetworkBlocked:
        outcome = B
    assert outcome == (B, A, A)[MODES.index(mode)]


def test_matrix_size() -> None:
    blocked = {m: sum(v[1][i] == B for v in VECTORS.values()) for i, m in enumerate(MODES)}
    assert len(VECTORS) >= 36
    assert blocked == {"off": 36, "localhost": 27, "on": 15}
