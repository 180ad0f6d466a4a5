"""The network guard: analyses run with the network off unless the user says otherwise.

``STAT_HARNESS_NETWORK_MODE=off|localhost|on`` (default ``off``; an invalid value fails
closed to ``off`` with a warning; the legacy ``STAT_HARNESS_ALLOW_NETWORK=1`` means
``on``). What is enforced, and where (docs/security.md has the full matrix):

* **Connections and lookups**: a :func:`sys.addaudithook` hook sees ``socket.connect``,
  ``sendto``, ``sendmsg`` and ``bind`` from any socket module, and every name lookup
  (``socket.getaddrinfo``, ``gethostbyname[_ex]``, ``gethostbyaddr``, ``getnameinfo``).
  In ``off`` all of them are refused, loopback included; in ``localhost`` only 127.0.0.0/8,
  ``::1``, ``localhost`` and Unix sockets; ``on`` allows them.
* **Processes**, in every mode: ``subprocess``, ``os.system``/``exec*``/``spawn*``/
  ``posix_spawn*``/``fork``/``forkpty`` (so ``pty`` and ``multiprocessing``'s fork) through
  their audit events, and ``_posixsubprocess.fork_exec`` (``multiprocessing``'s spawn and
  forkserver), which has no audit event, through a wrapper installed when this module loads.
* **Native code**: loading a library or looking a symbol up with ``ctypes`` is refused while
  an analysis runs (a call through a function pointer taken *before* cannot be seen).
* **Scope**: the state is process-wide, not per thread: while an analysis runs, every
  thread is guarded, and a thread started during an analysis stays guarded after it ends.
  The one exception is a thread the harness itself owns for the distributed engine (the
  Dask client's and the local cluster's event loops, a Dask worker's event loop; see
  :func:`exempt_thread`), and the threads those start: they carry the engine's own
  traffic and never run analysis code.

An in-process guard stops accidents and ordinary library calls; code determined to get out
(a socket opened before the analysis started, a native extension calling libc, writing to
this module's state) is stopped only by the operating system: run untrusted analyses in a
network namespace without interfaces (``unshare --net``, a container with
``--network none``) — see docs/security.md.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import sys
import threading
import warnings

from ..errors import StatHarnessError, StatHarnessWarning

MODE_ENV = "STAT_HARNESS_NETWORK_MODE"
LEGACY_ENV = "STAT_HARNESS_ALLOW_NETWORK"
MODES = ("off", "localhost", "on")
_PROCESS_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.fork",
        "os.forkpty",
        "os.spawn",
        "_posixsubprocess.fork_exec",
        "pty.spawn",
    }
)
_NET_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"})
_DNS_EVENTS = frozenset(
    {
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
    }
)
_NATIVE_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle"})
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class NetworkBlocked(StatHarnessError):
    """An analysis tried to reach the network or start a process while that is not allowed."""


def network_mode(env=None) -> str:
    env = os.environ if env is None else env
    raw = env.get(MODE_ENV)
    if raw is None:
        return "on" if env.get(LEGACY_ENV, "").strip() == "1" else "off"
    mode = raw.strip().lower()
    if mode not in MODES:
        warnings.warn(
            f"{MODE_ENV}={raw!r} is not one of {', '.join(MODES)}; the network stays off",
            StatHarnessWarning,
            stacklevel=2,
        )
        return "off"
    return mode


def _is_local_host(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip().rstrip(".").lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_loopback(address) -> bool:
    if isinstance(address, tuple) and address:
        return _is_local_host(address[0])
    if isinstance(address, str | bytes):  # AF_UNIX path: local by definition
        return True
    return False


class _Guard:
    """The process-wide guard state; one instance, :data:`_GUARD`.

    ``active`` is a stack of (label, mode) of the analyses running now (nested guards);
    ``sticky`` maps the ident of a thread started while a guard was active to that guard,
    so the thread stays guarded after the analysis returns; ``exempt`` holds the idents
    of the harness's own engine threads (never guarded).
    """

    __slots__ = ("active", "exempt", "lock", "sticky")

    def __init__(self) -> None:
        self.active: list[tuple[str, str]] = []
        self.sticky: dict[int, tuple[str, str]] = {}
        self.exempt: set[int] = set()
        self.lock = threading.Lock()

    def current(self) -> tuple[str, str] | None:
        if self.exempt and threading.get_ident() in self.exempt:
            return None
        if self.active:
            return self.active[-1]
        if self.sticky:
            return self.sticky.get(threading.get_ident())
        return None


# One state per process, even if this module is imported twice (pytester's in-process runs
# drop and re-import modules; the audit hook installed by the first copy must see the
# guards the second copy enters).
_GUARD = getattr(sys, "_statharness_guard_state", None) or _Guard()
sys._statharness_guard_state = _GUARD  # type: ignore[attr-defined]


def decide(event: str, args, label: str, mode: str) -> str | None:
    """Why ``event`` with ``args`` is refused for ``label`` in ``mode`` (None: allowed)."""
    if event in _PROCESS_EVENTS:
        return f"{label} tried to start a process ({event}); analyses may not start processes"
    if event in _NATIVE_EVENTS:
        return (
            f"{label} tried to load native code with ctypes ({event}); analyses may not "
            "(native code can reach the network and start processes unseen)"
        )
    if mode == "on":
        return None
    if event in _NET_EVENTS:
        address = args[1] if len(args) > 1 else None
        if _is_loopback(address) and (mode == "localhost" or event == "socket.bind"):
            return None  # binding a loopback port sends nothing anywhere
        return _net(label, address, mode)
    if event in _DNS_EVENTS:
        host = args[0] if args else None
        if isinstance(host, tuple):  # getnameinfo((host, port), flags)
            host = host[0] if host else None
        if mode == "localhost" and _is_local_host(host):
            return None
        return _dns(label, host, mode)
    return None


def _net(label: str, address, mode: str) -> str:
    return (
        f"{label} tried to connect to {address!r} with {MODE_ENV}={mode}; "
        f"set {MODE_ENV}=localhost (loopback only) or on to allow it"
    )


def _dns(label: str, host, mode: str) -> str:
    return (
        f"{label} tried to look up the host name {host!r} with {MODE_ENV}={mode}; "
        f"set {MODE_ENV}=localhost (loopback only) or on to allow it"
    )


def _hook(event: str, args) -> None:
    guard = _GUARD.current()
    if guard is None:
        return
    reason = decide(event, args, *guard)
    if reason is not None:
        raise NetworkBlocked(reason)


def _wrap_fork_exec(module) -> None:
    original = getattr(module, "fork_exec", None)
    if original is None or getattr(original, "_statharness_guarded", False):
        return

    def fork_exec(*args, **kwargs):
        _hook("_posixsubprocess.fork_exec", args)
        return original(*args, **kwargs)

    fork_exec._statharness_guarded = True  # type: ignore[attr-defined]
    module.fork_exec = fork_exec


def _wrap_thread_start(module, name: str) -> None:
    original = getattr(module, name, None)
    if original is None or getattr(original, "_statharness_guarded", False):
        return

    def start(function, *args, **kwargs):
        if _GUARD.exempt and threading.get_ident() in _GUARD.exempt:

            def run_exempt(*a, **k):  # a thread of an engine thread is the engine's too
                ident = threading.get_ident()
                with _GUARD.lock:
                    _GUARD.exempt.add(ident)
                try:
                    return function(*a, **k)
                finally:
                    with _GUARD.lock:
                        _GUARD.exempt.discard(ident)

            return original(run_exempt, *args, **kwargs)
        guard = _GUARD.current()
        if guard is None:
            return original(function, *args, **kwargs)

        def run(*a, **k):
            ident = threading.get_ident()
            with _GUARD.lock:
                _GUARD.sticky[ident] = guard
            try:
                return function(*a, **k)
            finally:
                with _GUARD.lock:
                    _GUARD.sticky.pop(ident, None)

        return original(run, *args, **kwargs)

    start._statharness_guarded = True  # type: ignore[attr-defined]
    setattr(module, name, start)


def install() -> None:
    """Install the audit hook and the wrappers (once per process; idempotent)."""
    if getattr(sys, "_statharness_guard_installed", False):
        return
    sys.addaudithook(_hook)
    try:
        import _posixsubprocess
    except ImportError:  # pragma: no cover - not POSIX
        pass
    else:
        _wrap_fork_exec(_posixsubprocess)
    import _thread

    for name in ("start_new_thread", "start_joinable_thread"):
        _wrap_thread_start(_thread, name)
    for name in ("_start_new_thread", "_start_joinable_thread"):
        _wrap_thread_start(threading, name)
    sys._statharness_guard_installed = True  # type: ignore[attr-defined]


def exempt_thread(ident: int | None = None) -> None:
    """Never guard the thread ``ident`` (default: the calling one), nor the threads it
    starts from now on.

    For the distributed engine only: it is called, on their own event loop, by the Dask
    client and local cluster the harness starts and by a Dask worker before it runs a
    task, because their traffic (connections to the scheduler and workers, a restarted
    worker process) is the harness's, not an analysis's. Analysis code never runs on
    those threads; a task's own thread stays guarded.
    """
    install()
    with _GUARD.lock:
        _GUARD.exempt.add(threading.get_ident() if ident is None else ident)


@contextlib.contextmanager
def guarded(label: str, mode: str | None = None):
    """Run the body with the guard active for the whole process (every thread)."""
    install()
    entry = (label, mode or network_mode())
    with _GUARD.lock:
        # the thread that runs analysis code is never an engine thread, whoever started it
        # (a Dask worker's task threads are started by its exempt event loop)
        _GUARD.exempt.discard(threading.get_ident())
        _GUARD.active.append(entry)
    try:
        yield
    finally:
        with _GUARD.lock:
            # remove this entry (the last one equal to it), whatever nested in between
            for i in range(len(_GUARD.active) - 1, -1, -1):
                if _GUARD.active[i] is entry:
                    del _GUARD.active[i]
                    break


install()
