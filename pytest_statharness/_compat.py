"""The few pytest internals the plugin cannot avoid, kept in one place.

Each function says what it reaches into and degrades to doing nothing when pytest
changes underneath it.
"""

from __future__ import annotations

import pytest


def add_junit_suite_property(config: pytest.Config, name: str, value: str) -> None:
    """A ``<property>`` of the ``--junitxml`` test suite (what ``record_testsuite_property``
    does inside a test), added from a hook. No-op without ``--junitxml``."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover - pytest moved it
        return
    xml = config.stash.get(xml_key, None)
    if xml is not None:
        xml.add_global_property(name, value)


def redetermine_rootdir(config: pytest.Config, args: list[str]) -> None:
    """Undo a rootdir chosen from an option's value.

    pytest finds the rootdir and the ini file from the positional arguments *before* it
    loads plugins, so in ``pytest --stat-home /tmp/x`` the value ``/tmp/x`` is taken for a
    path to test: when it exists, the rootdir moves there, the project's ini file is not
    read, relative dataset paths and node ids change. Once plugins are loaded (here, in
    ``pytest_load_initial_conftests``) the options are known: determine the setup again
    from the real positional arguments and, when it differs, put the right one in place,
    including the ini file's ``addopts``.
    """
    import copy

    try:
        from _pytest.config.findpaths import determine_setup
    except ImportError:  # pragma: no cover - pytest moved it
        return
    ns = config.known_args_namespace
    try:
        rootpath, inipath, inicfg, ignored = determine_setup(
            inifile=ns.inifilename,
            override_ini=ns.override_ini,
            args=ns.file_or_dir,
            rootdir_cmd_arg=ns.rootdir or None,
            invocation_dir=config.invocation_params.dir,
        )
    except (pytest.UsageError, AttributeError, TypeError):  # pragma: no cover
        return
    if (rootpath, inipath) == (config.rootpath, config.inipath):
        return
    old_confcutdir = str(config.inipath.parent if config.inipath else config.rootpath)
    config._rootpath = rootpath
    config._inipath = inipath
    config._inicfg = inicfg
    config._ignored_config_files = ignored
    config._inicache.clear()
    config._parser.extra_info["rootdir"] = str(rootpath)
    config._parser.extra_info["inifile"] = str(inipath)
    if ns.confcutdir == old_confcutdir:
        ns.confcutdir = str(inipath.parent if inipath else rootpath)
    addopts = list(config.getini("addopts"))
    if addopts:
        args[:] = addopts + args
        config.pluginmanager.consider_preparse(addopts, exclude_only=False)
        config.known_args_namespace = config._parser.parse_known_args(
            args, namespace=copy.copy(config.option)
        )
        config.known_args_namespace.confcutdir = ns.confcutdir


class TerminalLine:
    """A transient status written over the terminal's current line, then the line put back.

    pytest's terminal writer keeps the text of the line it is writing (dots, a node id);
    ``show`` writes ``\\r`` + status over it with capture suspended (so it shows under the
    default ``--capture=fd``, as pytest's live logging does), ``restore`` writes the line
    back, leaving pytest's own bookkeeping (width of the current line) untouched.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.reporter = config.pluginmanager.get_plugin("terminalreporter")
        self.capture = config.pluginmanager.get_plugin("capturemanager")
        writer = getattr(self.reporter, "_tw", None)
        self.writer = writer if hasattr(writer, "_current_line") else None
        self.shown = False

    @property
    def usable(self) -> bool:
        return self.writer is not None and bool(self.reporter.isatty)

    def _uncaptured(self):
        import contextlib

        if self.capture is None:
            return contextlib.nullcontext()
        return self.capture.global_and_fixture_disabled()

    def show(self, text: str) -> None:
        import shutil

        if not self.usable:
            return
        width = shutil.get_terminal_size((80, 20)).columns - 1
        with self._uncaptured():
            self.writer.write_raw("\r" + text[:width] + "\x1b[K", flush=True)
        self.shown = True

    def restore(self) -> None:
        if not self.shown:
            return
        with self._uncaptured():
            self.writer.write_raw("\r\x1b[K" + self.writer._current_line, flush=True)
        self.shown = False


def worker_exit_code(node, timeout_s: float = 5.0) -> int | None:
    """The exit status of a dead xdist worker, as :class:`subprocess.Popen` gives it
    (negative: the signal that killed it), or None when it cannot be known.

    Reaches into execnet: a popen gateway keeps its ``subprocess.Popen`` at
    ``gateway._io.popen``. xdist reports a dead worker without saying how it died.
    """
    popen = getattr(getattr(getattr(node, "gateway", None), "_io", None), "popen", None)
    if popen is None or not hasattr(popen, "wait"):
        return None
    try:
        return popen.wait(timeout=timeout_s)
    except Exception:  # still alive (it closed its channel only) or already reaped elsewhere
        return getattr(popen, "returncode", None)
