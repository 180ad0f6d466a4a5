"""The ``statharness cache`` command: build, inspect, verify, clear; one-line user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import small_frame
from pytest_statharness.cli import cache_dir_for, main
from pytest_statharness.dataset.cache import ENV_VAR, check_entry, list_entries


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    (tmp_path / "data").mkdir()
    small_frame(1500, 0).to_parquet(tmp_path / "data" / "a.parquet", index=False)
    small_frame(1200, 1).to_csv(tmp_path / "data" / "b.csv", index=False)
    return tmp_path


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("statharness: error: "), err
    assert "Traceback" not in err
    return err


def test_build_inspect_verify_clear(workdir, capsys) -> None:
    assert main(["cache", "build", "a=data/a.parquet", "b=data/b.csv"]) == 0
    out = capsys.readouterr().out
    assert "a: built (new)" in out and "b: built (new)" in out and "rows=1,500" in out
    cache_dir = cache_dir_for(Path("appdata"))
    keys = [e.name for e in list_entries(cache_dir)]
    assert len(keys) == 2
    assert (Path("appdata") / "cache" / "meta").is_dir()  # sessions reuse the metadata too

    assert main(["cache", "build", "a=data/a.parquet"]) == 0
    assert "a: valid, reused" in capsys.readouterr().out

    assert main(["cache", "inspect"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == [
        "key",
        "rows",
        "size",
        "codec",
        "created",
        "last_used",
        "source",
    ]
    assert all(key in out for key in keys) and "1,500" in out and "a.parquet (parquet)" in out
    assert "2 entries" in out

    assert main(["cache", "inspect", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["entries"]
    assert sorted(e["key"] for e in listed) == sorted(keys)
    assert {e["rows"] for e in listed} == {1500, 1200}

    assert main(["cache", "verify"]) == 0
    assert "2 checked, 0 corrupt" in capsys.readouterr().out

    assert main(["cache", "clear", keys[0][:10]]) == 0
    assert "removed 1 entry" in capsys.readouterr().out
    assert [e.name for e in list_entries(cache_dir)] == keys[1:]

    assert main(["cache", "clear"]) == 0
    assert "removed 1 entry" in capsys.readouterr().out
    assert list_entries(cache_dir) == []
    assert main(["cache", "inspect"]) == 0
    assert "no cache entries" in capsys.readouterr().out


def test_verify_exits_1_on_a_corrupt_entry(workdir, capsys) -> None:
    assert main(["cache", "--home", "h", "build", "a=data/a.parquet", "b=data/b.csv"]) == 0
    capsys.readouterr()
    cache_dir = cache_dir_for(Path("h"))
    bad = list_entries(cache_dir)[0]
    data = bad / "part-00000.arrow"
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    assert main(["cache", "verify", "--home", "h"]) == 1
    out = capsys.readouterr().out
    assert f"CORRUPT  {bad.name}" in out and "sha256" in out and "1 corrupt" in out
    # A later build reports and repairs it.
    assert main(["cache", "build", "--home", "h", "a=data/a.parquet", "b=data/b.csv"]) == 0
    assert "built (corrupt)" in capsys.readouterr().out
    assert check_entry(bad).ok
    assert main(["cache", "verify", "--home", "h"]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["cache"],
        ["cache", "bogus"],
        ["nope"],
        ["cache", "build"],
        ["cache", "build", "x=data/missing.parquet"],
        ["cache", "build", "b@d=data/a.parquet"],
        ["cache", "build", "a=data/a.parquet", "a=data/b.csv"],
        ["cache", "build", "a="],
        ["cache", "clear", "0123456789abcdef"],
        ["cache", "inspect", "--frobnicate"],
    ],
)
def test_user_errors_are_one_line_exit_2(workdir, capsys, argv) -> None:
    assert main(argv) == 2
    _one_line_error(capsys)


def test_build_refused_when_disabled(workdir, capsys, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, "off")
    assert main(["cache", "build", "a=data/a.parquet"]) == 2
    assert "disabled" in _one_line_error(capsys)


def test_build_that_cannot_write_exits_1(workdir, capsys) -> None:
    cache_dir_for(Path("h")).parent.mkdir(parents=True)
    cache_dir_for(Path("h")).write_text("")  # a file where the cache folder should be
    assert main(["cache", "build", "--home", "h", "a=data/a.parquet"]) == 1
    assert "a: not cached (build failed" in capsys.readouterr().out


def test_help_exits_0(capsys) -> None:
    assert main(["cache", "--help"]) == 0
    assert "build" in capsys.readouterr().out


def test_console_script_in_a_subprocess(workdir) -> None:
    env_cmd = [sys.executable, "-m", "pytest_statharness.cli"]
    ok = subprocess.run(
        [*env_cmd, "cache", "build", "a=data/a.parquet"], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "a: built (new)" in ok.stdout
    bad = subprocess.run(
        [*env_cmd, "cache", "build", "a=data/missing.csv"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "missing.csv" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--home", "{home}", "runs", "list"],
        ["runs", "list", "--home", "{home}"],
        ["--home", "{home}", "cache", "inspect"],
        ["cache", "--home", "{home}", "inspect"],
        ["cache", "inspect", "--home", "{home}"],
    ],
)
def test_home_is_read_before_or_after_the_command(tmp_path, capsys, argv) -> None:
    """`statharness --home DIR runs list` failed ('unrecognized arguments'): the option
    is read in any of its places, and the default home only when none is given."""
    home = tmp_path / "elsewhere"
    home.mkdir()
    assert main([a.format(home=home) for a in argv]) == 0
    out = capsys.readouterr().out
    assert str(home) in out and "appdata" not in out


@pytest.mark.parametrize("command", [["runs", "list"], ["status"], ["cache", "inspect"]])
def test_a_file_given_as_home_is_one_line(tmp_path, capsys, command) -> None:
    """`runs list --home FILE` answered 'no runs recorded', as if the file were an empty
    home; `cache inspect --home /dev/null` alike. A file is no home: one line, exit 2."""
    from pytest_statharness.cli import main

    afile = tmp_path / "notes.txt"
    afile.write_text("x\n")
    assert main([*command, "--home", str(afile)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and err.count("\n") == 1


def test_infer_errors_speak_of_infer_not_of_a_pytest_option(tmp_path, capsys, monkeypatch) -> None:
    """`statharness infer x=nosuch.csv` said 'check the path given to --stat-dataset', an
    option the user did not use (rater BA)."""
    monkeypatch.chdir(tmp_path)
    assert main(["infer", "x=nosuch.csv"]) == 2
    err = capsys.readouterr().err
    assert "infer NAME=PATH" in err and "--stat-dataset" not in err
    assert main(["cache", "build", "x=nosuch.csv", "--home", str(tmp_path / "h")]) == 2
    err = capsys.readouterr().err
    assert "cache build NAME=PATH" in err and "--stat-dataset" not in err
