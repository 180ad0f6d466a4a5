"""Confinement: names that become path parts, and paths that must stay under their root.

A dataset name becomes a folder of the snapshot dir (``<snapshots>/<name>/``) and part of
cache and report file names, so it is checked once, here, with one rule for every entry
point (the ``--stat-dataset`` option, :func:`~pytest_statharness.dataset.open_dataset`, the
CLI): letters, digits, ``_``, ``.`` and ``-``; starting with a letter, digit or ``_``
(so never ``.``, ``..`` or a hidden file); at most :data:`MAX_NAME_LENGTH` characters; no
Windows device name (``CON``, ``NUL``, ``COM1``...). Every write under a root then goes
through :func:`confined`, which resolves symbolic links and refuses a path outside it.

Only the standard library is imported: this module loads with the plugin.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from .errors import StatHarnessError

MAX_NAME_LENGTH = 100
NAME_RULE = "use 1 to 100 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(10)] + [f"LPT{i}" for i in range(10)]
)


class ConfinementError(StatHarnessError):
    """A name or a path would reach outside the folder it belongs to."""


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a dataset name (None: it can)."""
    if not isinstance(name, str) or not name:
        return "is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long"
    if not _NAME.match(name) or name.endswith("."):
        return "has a character or a shape that is not allowed"
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        return "is a reserved device name"
    return None


def check_name(name: object, what: str = "dataset name") -> str:
    """Return ``name`` when it is a safe path part; raise :class:`ConfinementError` if not."""
    problem = name_problem(name)
    if problem is not None:
        raise ConfinementError(f"{what} {_show(name)} is not allowed ({problem}): {NAME_RULE}")
    return name  # type: ignore[return-value]


def confined(root: Path, path: Path) -> Path:
    """``path`` when it lies under ``root`` once both are resolved (symbolic links followed).

    Raises :class:`ConfinementError` naming the path relative to nothing secret: only the
    part below or beside the root is shown, never the absolute location.
    """
    root_real = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real == root_real or root_real in real.parents:
        return path
    raise ConfinementError(
        f"refusing to write {Path(path).name!r}: it resolves outside its folder "
        f"{Path(root).name!r} (a name with '..', a separator or a symbolic link out)"
    )


def _show(name: object) -> str:
    """A name as an error message may show it: quoted, control characters escaped, short."""
    text = repr(name)
    return text if len(text) <= 60 else text[:57] + "..."


SCRATCH_FOLDER = "scratch"


#: attempts at making a scratch folder whose parent another worker may remove meanwhile
SCRATCH_ATTEMPTS = 5


def _make_folder(folder: Path) -> None:
    """``folder`` and its parents. Another xdist worker ending its item removes the shared
    ``scratch`` parent when it is empty, which can fall between this worker's making the
    parent and its own folder (an item then failed with FileNotFoundError): try again."""
    for attempt in range(SCRATCH_ATTEMPTS):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return
        except FileNotFoundError:
            if attempt == SCRATCH_ATTEMPTS - 1:
                raise


@contextlib.contextmanager
def scratch_folder(home: Path, item_name: str) -> Iterator[Path]:
    """The one folder an analysis item may write while it runs, removed when it ends.

    Why: the guard (:mod:`.policy.network`) refuses writes outside it, so an analysis that
    needs temporary files gets a place for them: :mod:`tempfile` points here meanwhile
    (``tempfile.mkstemp()`` lands inside). ``<home>/scratch/<pid>-<hash of the item>``.
    """
    import hashlib
    import shutil
    import tempfile

    digest = hashlib.sha256(item_name.encode("utf-8")).hexdigest()[:12]
    folder = Path(home) / SCRATCH_FOLDER / f"{os.getpid()}-{digest}"
    _make_folder(folder)
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()  # only when no other item's folder is left
