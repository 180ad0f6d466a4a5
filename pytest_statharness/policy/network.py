"""The network guard: analyses run with the network off unless the user says otherwise.

``STAT_HARNESS_NETWORK_MODE=off|localhost|on`` (default ``off``; an invalid value fails
closed to ``off`` with a warning; the legacy ``STAT_HARNESS_ALLOW_NETWORK=1`` means
``on``). Enforced with a :func:`sys.addaudithook` hook, which sees ``socket.connect``
(and ``sendto``) from any socket module and the process-starting events
(``subprocess.Popen``, ``os.system``, ``os.exec``, ``os.posix_spawn``, ``os.fork``) — it
cannot be sidestepped by importing another socket library. The hook is installed once per
process and acts only while an analysis runs (:func:`guarded`).
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
_PROCESS_EVENTS = {
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.fork",
    "os.spawn",
}
_NET_EVENTS = {"socket.connect", "socket.sendto", "socket.sendmsg"}


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


def _is_loopback(address) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    elif isinstance(address, str | bytes):  # AF_UNIX path: local by definition
        return True
    else:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_state = threading.local()
_installed = False


def _hook(event: str, args) -> None:
    label = getattr(_state, "label", None)
    if label is None:
        return
    mode = _state.mode
    if event in _PROCESS_EVENTS:
        raise NetworkBlocked(
            f"{label} tried to start a process ({event}); analyses may not start processes"
        )
    if event in _NET_EVENTS and mode != "on":
        address = args[1] if len(args) > 1 else None
        if mode == "localhost" and _is_loopback(address):
            return
        raise NetworkBlocked(
            f"{label} tried to connect to {address!r} with {MODE_ENV}={mode}; "
            f"set {MODE_ENV}=localhost (loopback only) or on to allow it"
        )


@contextlib.contextmanager
def guarded(label: str, mode: str | None = None):
    """Run the body with the guard active for this thread."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    previous = getattr(_state, "label", None), getattr(_state, "mode", None)
    _state.label, _state.mode = label, (mode or network_mode())
    try:
        yield
    finally:
        _state.label, _state.mode = previous
