"""Atomic file writes: temp file in the same folder, fsync, rename, fsync of the folder.

Every artifact and snapshot goes through here, so a crash or a concurrent session leaves
either the old file or the new one, never half of one. A new file gets the mode an
ordinary ``open(path, "w")`` would give it (0666 less the umask; ``mkstemp`` alone makes
it 0600); a replaced file keeps its mode.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Flush a folder's entry table so a rename inside it survives a power cut."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


_UMASK: int | None = None
TEMP_SUFFIX = ".tmp"
STALE_TEMP_S = 600.0  # a temp file lives milliseconds; ten minutes old, its writer is gone


def current_umask() -> int:
    """The process's umask (read once: reading it means setting it for an instant)."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~current_umask()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=path.parent
    )
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def _writer_pid(name: str) -> int | None:
    """The pid in a temp file's name (``.<target>.<pid>.<random>.tmp``), if any."""
    parts = name.removesuffix(TEMP_SUFFIX).rsplit(".", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_stale_temp_files(root: Path, *, older_than_s: float = STALE_TEMP_S) -> list[Path]:
    """Remove the temp files a killed writer left under ``root``; the removed paths.

    Why: a process killed between ``mkstemp`` and ``os.replace`` leaves ``.<name>.*.tmp``
    beside the file it was writing (snapshots, reports). A temp file is removed when the
    pid in its name is not running on this machine, or when it is older than
    ``older_than_s`` (a pid can be reused, and the folder can be shared by another machine);
    a live writer's fresh temp file is left alone.
    """
    import time

    root = Path(root)
    if not root.is_dir():
        return []
    removed = []
    now = time.time()
    for path in root.rglob(f".*{TEMP_SUFFIX}"):
        try:
            if path.is_symlink() or not path.is_file():
                continue
            pid = _writer_pid(path.name)
            dead = pid is not None and pid != os.getpid() and not _alive(pid)
            if dead or now - path.stat().st_mtime > older_than_s:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # its writer renamed it meanwhile
            continue
    return sorted(removed)
