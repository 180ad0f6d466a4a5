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
* **Writes**: while an analysis runs, creating, writing, truncating, renaming, removing or
  changing the mode of a file outside the folders the item may write (its scratch folder,
  ``<home>/scratch/``, and the harness's spill folder) is refused — ``open`` for writing,
  ``os.remove``/``rename``/``mkdir``/``rmdir``/``truncate``/``chmod``/``link``/``symlink``
  and ``shutil.rmtree`` through their audit events; bytecode caches (``__pycache__``) and
  ``os.devnull`` stay writable. Defence in depth, not a sandbox: writes from native code
  are not seen.
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
# file events that change the disk, with the positions of their path arguments
_WRITE_EVENTS = {
    "os.remove": (0,),
    "os.rename": (0, 1),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.link": (0, 1),
    "os.symlink": (1,),
    "shutil.rmtree": (0,),
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class NetworkBlocked(StatHarnessError):
    """An analysis tried to reach the network or start a process while that is not allowed."""


class WriteBlocked(NetworkBlocked, PermissionError):
    """An analysis tried to change a file outside the folders it may write.

    Also a :class:`PermissionError`, so code that handles an unwritable folder (a bytecode
    cache, an optional log file) degrades as it would on a read-only disk."""


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

    __slots__ = ("active", "exempt", "lock", "sticky", "writable")

    def __init__(self) -> None:
        self.active: list[tuple[str, str]] = []
        self.sticky: dict[int, tuple[str, str]] = {}
        self.exempt: set[int] = set()
        self.lock = threading.Lock()
        #: entry (by id) -> real paths of the folders its analysis may write
        self.writable: dict[int, tuple[str, ...]] = {}

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


def _path_text(value) -> str | None:
    if isinstance(value, int) or value is None:
        return None  # a file descriptor: opened (and checked) before
    try:
        value = os.fspath(value)
    except TypeError:
        return None
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    return value


def _may_write(path: str, roots: tuple[str, ...]) -> bool:
    if path == os.devnull or "__pycache__" in path.replace("\\", "/").split("/"):
        return True
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root + os.sep) for root in roots)


def write_refusal(event: str, args, label: str, roots: tuple[str, ...]) -> str | None:
    """Why a file event is refused for ``label`` (None: not a write, or allowed)."""
    if event == "open":
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        paths = (args[0],) if writing and args else ()
    else:
        positions = _WRITE_EVENTS.get(event)
        if positions is None:
            return None
        paths = tuple(args[i] for i in positions if i < len(args))
    for raw in paths:
        path = _path_text(raw)
        if path is not None and not _may_write(path, roots):
            return (
                f"{label} tried to write {os.path.basename(path)!r} outside its scratch folder "
                f"({event}); analyses may write only under the run's scratch folder"
            )
    return None


def _hook(event: str, args) -> None:
    guard = _GUARD.current()
    if guard is None:
        return
    if event == "open" or event in _WRITE_EVENTS:
        reason = write_refusal(event, args, guard[0], _GUARD.writable.get(id(guard), ()))
        if reason is not None:
            raise WriteBlocked(reason)
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
def guarded(label: str, mode: str | None = None, writable=()):
    """Run the body with the guard active for the whole process (every thread).

    ``writable``: the folders the body may change files under (none by default)."""
    install()
    entry = (label, mode or network_mode())
    roots = tuple(os.path.realpath(os.fspath(p)) for p in writable)
    with _GUARD.lock:
        # the thread that runs analysis code is never an engine thread, whoever started it
        # (a Dask worker's task threads are started by its exempt event loop)
        _GUARD.exempt.discard(threading.get_ident())
        _GUARD.active.append(entry)
        _GUARD.writable[id(entry)] = roots
    try:
        yield
    finally:
        with _GUARD.lock:
            _GUARD.writable.pop(id(entry), None)
            # remove this entry (the last one equal to it), whatever nested in between
            for i in range(len(_GUARD.active) - 1, -1, -1):
                if _GUARD.active[i] is entry:
                    del _GUARD.active[i]
                    break


install()
