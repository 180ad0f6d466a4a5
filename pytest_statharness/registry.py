"""The one registry of analyses: entry points plus session plugins, nothing listed by name.

Built the way pluggy's ``eggsample`` example builds its manager: add the specs, load the
entry-point group, register extra plugins (conftests, ``-p`` plugins), ``check_pending``,
then call the hook once and validate what came back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pluggy

from . import hookspecs
from .analysis import Analysis
from .column_kinds import ColumnKind
from .errors import AnalysisDefinitionError

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = ("id", "family", "title", "method", "reference")


class _Manager(pluggy.PluginManager):
    """Accepts plain ``statharness_*`` functions as hook implementations (like pytest does
    for ``pytest_*``), so a conftest needs no decorator."""

    def parse_hookimpl_opts(self, plugin, name):
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith(f"{hookspecs.PROJECT}_"):
            method = getattr(plugin, name, None)
            if callable(method):
                return {}
        return opts


def plugin_manager(extra_plugins: Iterable[object] = (), *, entry_points: bool = True):
    pm = _Manager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if entry_points:
        pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    for plugin in extra_plugins:
        if not pm.is_registered(plugin):
            pm.register(plugin)
    pm.check_pending()
    return pm


def _validate(analysis: Analysis, origin: str) -> None:
    for attr in _REQUIRED:
        value = getattr(analysis, attr, None)
        if not isinstance(value, str) or not value.strip():
            raise AnalysisDefinitionError(
                f"analysis from {origin} has no {attr!r} (set the class attribute {attr} = '...')"
            )
    if not _ID.match(analysis.id):
        raise AnalysisDefinitionError(
            f"analysis id {analysis.id!r} from {origin} must be lower_snake_case"
        )
    if not _ID.match(analysis.family):
        raise AnalysisDefinitionError(
            f"analysis {analysis.id!r}: family {analysis.family!r} must be lower_snake_case"
        )
    for kind in analysis.requires:
        if not isinstance(kind, ColumnKind):
            raise AnalysisDefinitionError(
                f"analysis {analysis.id!r}: requires must hold ColumnKind values, got {kind!r}"
            )
    if not isinstance(analysis.passes, int) or analysis.passes < 1:
        raise AnalysisDefinitionError(f"analysis {analysis.id!r}: passes must be an int >= 1")
    if not analysis.exact and not analysis.error_bound:
        raise AnalysisDefinitionError(
            f"analysis {analysis.id!r} is not exact but states no error_bound"
        )


class Registry:
    """The analyses of a session, sorted by id (the same order on every xdist worker)."""

    def __init__(self, analyses: dict[str, Analysis]) -> None:
        self._analyses = dict(sorted(analyses.items()))

    @classmethod
    def build(cls, extra_plugins: Iterable[object] = (), *, entry_points: bool = True) -> Registry:
        pm = plugin_manager(extra_plugins, entry_points=entry_points)
        return cls.from_manager(pm)

    @classmethod
    def from_manager(cls, pm: pluggy.PluginManager) -> Registry:
        found: dict[str, Analysis] = {}
        origins: dict[str, str] = {}
        for impl in pm.hook.statharness_analyses.get_hookimpls():
            origin = pm.get_name(impl.plugin) or repr(impl.plugin)
            for item in impl.function() or ():
                analysis = item() if isinstance(item, type) else item
                if not isinstance(analysis, Analysis):
                    raise AnalysisDefinitionError(
                        f"{origin} returned {item!r} from statharness_analyses; "
                        "return instances of pytest_statharness.Analysis"
                    )
                _validate(analysis, origin)
                if analysis.id in found:
                    raise AnalysisDefinitionError(
                        f"analysis id {analysis.id!r} is registered twice: by {origins[analysis.id]} "
                        f"and by {origin}; rename one of them"
                    )
                found[analysis.id] = analysis
                origins[analysis.id] = origin
        registry = cls(found)
        registry.origins = origins
        registry.pm = pm
        return registry

    def __iter__(self):
        return iter(self._analyses.values())

    def __len__(self) -> int:
        return len(self._analyses)

    def __contains__(self, analysis_id: str) -> bool:
        return analysis_id in self._analyses

    def get(self, analysis_id: str) -> Analysis:
        return self._analyses[analysis_id]

    def ids(self) -> list[str]:
        return list(self._analyses)

    def families(self) -> list[str]:
        return sorted({a.family for a in self})
