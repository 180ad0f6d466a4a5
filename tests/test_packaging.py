"""The package as a user installs it: wheel contents, version, idle and broken providers.

``.ci/run`` runs this suite against the installed wheel with ``--expect-installed`` and
``--wheel dist/<wheel>``; a developer's editable run builds its own wheel (marked slow).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import pytest_statharness
from pytest_statharness.registry import BUILTIN_DISTRIBUTION, Registry

ROOT = Path(__file__).resolve().parent.parent
# source folder -> installed package name (analyses/ installs under a distinct name)
PACKAGE_FOLDERS = {"pytest_statharness": "pytest_statharness", "analyses": "statharness_analyses"}


def _source_files() -> tuple[set[str], set[str]]:
    """(every package of the source tree, every data file), by their names in a wheel."""
    packages, data = set(), set()
    for folder, package in PACKAGE_FOLDERS.items():
        base = ROOT / folder
        for path in base.rglob("*"):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            relative = path.relative_to(base)
            wheel_name = "/".join((package, *relative.parts))
            if path.suffix == ".py":
                packages.add("/".join((package, *relative.parent.parts)))
            elif path.suffix not in {".pyc", ".pyo"}:
                data.add(wheel_name)
    return packages, data


@pytest.fixture(scope="module")
def wheel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = request.config.getoption("--wheel")
    if given:
        path = Path(given)
        assert path.is_file(), f"--wheel {given}: no such file"
        return path
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("*.whl"))


@pytest.mark.slow
def test_wheel_holds_every_subpackage_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages, data = _source_files()
    assert packages >= {"pytest_statharness/dataset/sources", "statharness_analyses"}
    missing = sorted(p for p in packages if f"{p}/__init__.py" not in names)
    assert missing == [], f"packages missing from {wheel.name}: {missing}"
    missing_data = sorted(data - names)
    assert missing_data == [], f"data files missing from {wheel.name}: {missing_data}"
    # no generic top-level 'analyses' module, no tests or fixtures shipped as packages
    tops = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {"pytest_statharness", "statharness_analyses"}
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "statharness = pytest_statharness.plugin" in text
    for line in text.split("[statharness.analyses]", 1)[1].splitlines():
        if "=" in line:
            module = line.split("=", 1)[1].strip().split(":")[0].replace(".", "/")
            # a module, or a package (a family whose __init__ registers its analyses)
            assert f"{module}.py" in names or f"{module}/__init__.py" in names, line


def test_modules_come_from_the_installed_package(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--expect-installed"):
        pytest.skip("checked by CI's installed-wheel run (--expect-installed)")
    import statharness_analyses  # noqa: F401

    site = {Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}
    ours = {
        name: Path(module.__file__).resolve()
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in PACKAGE_FOLDERS.values() and getattr(module, "__file__", None)
    }
    assert len(ours) > 20
    outside = {n: str(p) for n, p in ours.items() if not any(s in p.parents for s in site)}
    assert outside == {}, "imported from outside site-packages"


def test_version_is_single_sourced(pytester: pytest.Pytester) -> None:
    assert pytest_statharness.__version__ == version("pytest-statharness")
    script = Path(sys.executable).with_name("statharness")  # the installed console script
    assert script.exists()
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert (
        out.stdout.strip() == f"statharness {pytest_statharness.__version__} (pytest-statharness)"
    )
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest_subprocess()
    result.stdout.fnmatch_lines([f"plugins:*statharness-{pytest_statharness.__version__}*"])


def _install_fake_distribution(site: Path, dist: str, module: str, body: str) -> None:
    """A third-party provider as pip would leave it: a module and its .dist-info."""
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[statharness.analyses]\n{module} = {module}\n")


ROW_COUNTER = """
    from pytest_statharness import Analysis, ColumnKind

    class RowCounter(Analysis):
        id = "thirdparty_rows"
        family = "quality"
        title = "rows, counted by a third party"
        requires = (ColumnKind.NUMERIC,)
        method = "count"
        reference = "none (test)"

        def init(self, ctx):
            return 0

        def update(self, state, chunk, ctx):
            return state + chunk.num_rows

        def merge(self, a, b, ctx):
            return a + b

        def findings(self, ctx):
            return []

    def statharness_analyses():
        return [RowCounter()]
"""


@pytest.fixture
def third_party_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    _install_fake_distribution(site, "thirdparty-stats", "thirdparty_stats", ROW_COUNTER)
    _install_fake_distribution(
        site, "broken-stats", "broken_stats", "import no_such_module_anywhere\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


def _registry_ids(args: str, cwd: Path) -> list[str]:
    code = f"from pytest_statharness.registry import Registry; print(Registry.{args}.ids())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return eval(out.stdout)  # a printed list of str


@pytest.mark.slow
def test_a_third_party_provider_does_not_change_the_suites_view(third_party_site) -> None:
    builtin = Registry.builtin().ids()
    assert "thirdparty_rows" not in builtin
    # the provider is really installed and visible to an unrestricted registry ...
    assert _registry_ids("build(disabled=['broken-stats'])", third_party_site) == sorted(
        [*builtin, "thirdparty_rows"]
    )
    # ... and the explicit provider list the tests use keeps it out
    assert (
        _registry_ids(f"build(providers=[{BUILTIN_DISTRIBUTION!r}])", third_party_site) == builtin
    )


@pytest.mark.slow
def test_broken_provider_idle_session_is_untouched(
    pytester: pytest.Pytester, third_party_site
) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_idle():
            loaded = [m for m in sys.modules if m.split('.')[0] in
                      ('statharness_analyses', 'thirdparty_stats', 'broken_stats', 'numpy')]
            assert loaded == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)


@pytest.mark.slow
def test_broken_provider_is_one_line_exit_4(
    pytester: pytest.Pytester, third_party_site, parquet_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STAT_HARNESS_PROVIDERS")
    args = ("--stat-dataset", "sales=data/sales.parquet", "--co", "-q")
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if "broken" in line]
    assert len(errors) == 1, result.stderr.str()
    assert "'broken_stats = broken_stats'" in errors[0]
    assert "broken-stats 1.0" in errors[0]
    assert "--stat-disable=broken-stats" in errors[0]
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    # turned off as the message says, the session runs, the good third party included
    result = pytester.runpytest_subprocess(*args, "--stat-disable=broken-stats")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*thirdparty_rows[[]sales[]]*"])
