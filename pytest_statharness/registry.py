"""The one registry of analyses: entry points plus session plugins, nothing listed by name.

Built the way pluggy's ``eggsample`` example builds its manager: add the specs, load the
entry-point group, register extra plugins (conftests, ``-p`` plugins), ``check_pending``,
then call the hook once and validate what came back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from . import hookspecs
from .analysis import Analysis
from .column_kinds import ColumnKind
from .errors import AnalysisDefinitionError, ProviderLoadError

BUILTIN_DISTRIBUTION = "pytest-statharness"
"""The distribution whose entry points are the built-in analyses (``analyses/``)."""

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


def normalize_name(name: str) -> str:
    """Distribution and entry-point names compared as PyPI does (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).strip().lower()


@dataclass(frozen=True)
class Provider:
    """One entry point of the ``statharness.analyses`` group and the distribution shipping it."""

    name: str  # the entry point's name
    value: str  # "module" or "module:attr"
    distribution: str
    version: str

    def selected_by(self, providers: Iterable[str], disabled: Iterable[str]) -> bool:
        """In the allow-list (empty: all) and not turned off; either by entry point or
        distribution name."""
        names = {normalize_name(self.name), normalize_name(self.distribution)}
        allowed = {normalize_name(p) for p in providers}
        if allowed and not names & allowed:
            return False
        return not names & {normalize_name(d) for d in disabled}

    def describe(self) -> str:
        return (
            f"analysis provider {self.name!r} (entry point '{self.name} = {self.value}' "
            f"of distribution {self.distribution} {self.version})"
        )


def installed_providers() -> list[tuple[Provider, object]]:
    """Every installed entry point of the group, once, sorted by (distribution, name).

    The entry point objects are not loaded here: nothing is imported until a provider is
    selected, so an installed-but-broken package costs nothing unless it is used.
    """
    from importlib.metadata import distributions

    found: dict[str, tuple[Provider, object]] = {}
    for dist in distributions():
        dist_name = dist.metadata["Name"] or "unknown"
        for ep in dist.entry_points:
            if ep.group != hookspecs.ENTRY_POINT_GROUP or ep.name in found:
                continue  # a distribution seen twice on sys.path counts once
            found[ep.name] = (Provider(ep.name, ep.value, dist_name, dist.version or "?"), ep)
    return sorted(found.values(), key=lambda pair: (pair[0].distribution, pair[0].name))


def load_providers(
    pm: pluggy.PluginManager, providers: Iterable[str] = (), disabled: Iterable[str] = ()
) -> list[Provider]:
    """Import and register the selected providers; a broken one is one clear error."""
    providers, disabled = tuple(providers), tuple(disabled)
    installed = installed_providers()
    _check_names(installed, providers, "--stat-providers")
    _check_names(installed, disabled, "--stat-disable")
    loaded = []
    for provider, entry_point in installed:
        if not provider.selected_by(providers, disabled) or pm.has_plugin(provider.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:  # any import-time failure of third-party code
            raise ProviderLoadError(
                f"{provider.describe()} failed to import: {type(exc).__name__}: {exc}. "
                f"Fix or uninstall {provider.distribution}, or turn it off with "
                f"--stat-disable={provider.distribution}"
            ) from None
        try:
            pm.register(plugin, name=provider.name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise ProviderLoadError(
                f"{provider.describe()} cannot be registered: {exc}. "
                f"Turn it off with --stat-disable={provider.distribution}"
            ) from None
        loaded.append(provider)
    return loaded


def _check_names(installed, names: tuple[str, ...], option: str) -> None:
    """A name that no installed provider has is a typo: an allow-list of only typos ran
    nothing (pytest's exit 5, no word of why)."""
    known = {normalize_name(n) for p, _ in installed for n in (p.name, p.distribution)}
    unknown = [n for n in names if normalize_name(n) not in known]
    if unknown:
        shown = ", ".join(sorted({p.name for p, _ in installed}))
        raise ProviderLoadError(
            f"{option}: no installed analysis provider is named "
            f"{', '.join(repr(n) for n in unknown)}; installed: {shown} (or their "
            "distributions' names; `statharness providers` lists them)"
        )


def plugin_manager(
    extra_plugins: Iterable[object] = (),
    *,
    entry_points: bool = True,
    providers: Iterable[str] = (),
    disabled: Iterable[str] = (),
):
    """The ``statharness`` manager: selected entry points, then the session's own plugins.

    ``providers`` is an allow-list of entry point or distribution names (empty: every
    installed one); ``disabled`` turns providers off. Tests pass
    ``providers=(BUILTIN_DISTRIBUTION,)`` so that whatever else is installed cannot change
    what they see.
    """
    pm = _Manager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if entry_points:
        pm.providers = load_providers(pm, providers, disabled)
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
    def build(
        cls,
        extra_plugins: Iterable[object] = (),
        *,
        entry_points: bool = True,
        providers: Iterable[str] = (),
        disabled: Iterable[str] = (),
    ) -> Registry:
        pm = plugin_manager(
            extra_plugins, entry_points=entry_points, providers=providers, disabled=disabled
        )
        return cls.from_manager(pm)

    @classmethod
    def builtin(cls) -> Registry:
        """Only the analyses this package ships, whatever else is installed."""
        return cls.build(providers=(BUILTIN_DISTRIBUTION,))

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

    def markers(self) -> dict[str, str]:
        """The pytest markers the analyses declare: one per family, plus those of the
        ``statharness_markers`` hook."""
        out = {f: f"analyses of the {f} family (statharness)" for f in self.families()}
        pm = getattr(self, "pm", None)
        if pm is not None:
            for declared in pm.hook.statharness_markers():
                for name, meaning in (declared or {}).items():
                    out.setdefault(str(name), str(meaning))
        return dict(sorted(out.items()))
