"""A corpus of bad and awkward inputs: every case ends cleanly.

Each case writes one dataset into the test's folder and states its outcome:

* ``ok``: the dataset opens and its numbers equal pandas' (row count, and per numeric
  column the count of values, the sum and the min/max), read with the ``reader`` given;
* ``error``: opening raises the harness's own error (never a bare exception) whose
  message is one line, names the file and matches ``match``.

The checks run in-process (the same ``open_dataset`` the session calls: a
:class:`~pytest_statharness.errors.StatHarnessError` there is a one-line usage error, exit
4). A few cases also go through a whole pytest session (``slow``) to see exit 4 and no
traceback.
"""

from __future__ import annotations

import bz2
import gzip
import json
import math
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from pytest_statharness.dataset import open_dataset
from pytest_statharness.errors import StatHarnessError


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], str]  # writes the input, returns the location
    outcome: str  # "ok" or "error"
    match: str = ""  # error: a substring of the message
    reader: Callable[[str], pd.DataFrame] | None = None  # ok: how pandas reads it


CASES: list[Case] = []


def case(id, outcome, match="", reader=None):
    def register(make):
        CASES.append(Case(id, make, outcome, match, reader))
        return make

    return register


def csv_reader(**kwargs):
    # the reference parses decimals correctly rounded, as pyarrow does: pandas < 3's
    # default C parser is an ulp off on values such as 1.2e-299 (pandas 3 rounds correctly
    # and deprecates the option)
    if int(pd.__version__.split(".")[0]) < 3:
        kwargs.setdefault("float_precision", "round_trip")
    return lambda location: pd.read_csv(location, **kwargs)


def text(name: str, content: str | bytes, encoding: str = "utf-8"):
    def make(tmp: Path) -> str:
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return str(path)

    return make


def rows(n: int, fmt: str = "{i},{j}\n", header: str = "a,b\n") -> str:
    return header + "".join(fmt.format(i=i, j=(i * 7) % 13, f=i / 4) for i in range(n))


def add(id, make, outcome, match="", reader=None):
    CASES.append(Case(id, make, outcome, match, reader))


# -- CSV that must read, with pandas' numbers ------------------------------------------
R = csv_reader()
add("csv_plain", text("p.csv", rows(40)), "ok", reader=R)
add("csv_utf8_bom", text("bom.csv", b"\xef\xbb\xbf" + rows(40).encode()), "ok", reader=R)
add("csv_crlf", text("crlf.csv", rows(40).replace("\n", "\r\n")), "ok", reader=R)
add(
    "csv_quoted_newlines",
    text("qn.csv", "a,t\n" + "".join(f'{i},"line one\nline {i}"\n' for i in range(30))),
    "ok",
    reader=R,
)
add(
    "csv_quoted_delimiters",
    text("qd.csv", "a,t\n" + "".join(f'{i},"x, y, {i}"\n' for i in range(30))),
    "ok",
    reader=R,
)
add(
    "csv_escaped_quotes",
    text("eq.csv", "a,t\n" + "".join(f'{i},"say ""hi"" {i}"\n' for i in range(30))),
    "ok",
    reader=R,
)
add(
    "csv_large_field",
    text("big.csv", "a,t\n" + "".join(f"{i},{'x' * 200_000}{i}\n" for i in range(5))),
    "ok",
    reader=R,
)
add("csv_no_final_newline", text("nf.csv", rows(40).rstrip("\n")), "ok", reader=R)
add("csv_trailing_blank_lines", text("tb.csv", rows(40) + "\n\n\n"), "ok", reader=R)
add("csv_one_row", text("one.csv", rows(1)), "ok", reader=R)
add("csv_one_column", text("oc.csv", rows(40, "{i}\n", "a\n")), "ok", reader=R)
add(
    "csv_wide_500_columns",
    text(
        "wide.csv",
        ",".join(f"c{k}" for k in range(500))
        + "\n"
        + "".join(",".join(str(i * k % 11) for k in range(500)) + "\n" for i in range(20)),
    ),
    "ok",
    reader=R,
)
add("csv_all_null_column", text("an.csv", rows(40, "{i},\n")), "ok", reader=R)
add("csv_sparse_nulls", text("sn.csv", rows(40, "{i},\n").replace("5,\n", "5,3\n")), "ok", reader=R)
add(
    "csv_semicolon_decimal_comma",
    text("eu.csv", rows(40, "{i};{i},5\n", "a;b\n")),
    "ok",
    reader=csv_reader(sep=";", decimal=","),
)
add(
    "csv_tab_tsv",
    text("t.tsv", rows(40, "{i}\t{j}\n", "a\tb\n")),
    "ok",
    reader=csv_reader(sep="\t"),
)
add("csv_pipe", text("pipe.csv", rows(40, "{i}|{j}\n", "a|b\n")), "ok", reader=csv_reader(sep="|"))
add("csv_txt_suffix", text("t.txt", rows(40)), "ok", reader=R)
add("csv_floats_exponents", text("ex.csv", rows(40, "{i}e300,{j}e-300\n")), "ok", reader=R)
add("csv_negative_numbers", text("neg.csv", rows(40, "-{i},-{f}\n")), "ok", reader=R)
add("csv_quoted_numbers", text("qnum.csv", rows(40, '"{i}","{j}"\n')), "ok", reader=R)
add(
    "csv_inf_nan_words",
    text("inf.csv", rows(40, "{f},nan\n").replace("2.5,", "inf,")),
    "ok",
    reader=R,
)
add(
    "csv_booleans",
    text("bo.csv", rows(40, "{i},true\n").replace("3,true", "3,false")),
    "ok",
    reader=R,
)
add(
    "csv_iso_dates",
    text("dt.csv", rows(40, "{i},2024-01-{j:02d}\n").replace("-00", "-01")),
    "ok",
    reader=R,
)
add("csv_unicode_header", text("uh.csv", rows(40, header="größe,🙂\n")), "ok", reader=R)
add("csv_header_with_spaces", text("hs.csv", rows(40, header="a col, b col \n")), "ok", reader=R)
add("csv_long_header", text("lh.csv", rows(40, header="h" * 5000 + ",b\n")), "ok", reader=R)
add("csv_numeric_header", text("nh.csv", rows(40, header="1,2\n")), "ok", reader=R)
add("csv_unicode_values", text("uv.csv", rows(40, "{i},naïve ☃ {j}\n")), "ok", reader=R)
add(
    "csv_few_ragged_rows",
    text("fr.csv", rows(300) + "1,2,3\n" + rows(2, header="")),
    "ok",
    reader=csv_reader(on_bad_lines="skip"),
)
add("csv_large_ints", text("li.csv", rows(40, "{i},9223372036854775{j:03d}\n")), "ok", reader=R)
add("csv_int_then_float_later", text("lf.csv", rows(300) + "2.5,1\n"), "ok", reader=R)
add("csv_int_then_text_later", text("lt.csv", rows(300) + "x,1\n"), "ok", reader=R)
add(
    "csv_symlink_to_file",
    lambda tmp: (
        text("real.csv", rows(40))(tmp),
        os.symlink(tmp / "real.csv", tmp / "ln.csv"),
        str(tmp / "ln.csv"),
    )[-1],
    "ok",
    reader=R,
)
add(
    "csv_weird_path_chars",
    lambda tmp: (os.mkdir(tmp / "we ird%20#dir?"), text("we ird%20#dir?/x y%.csv", rows(40))(tmp))[
        -1
    ],
    "ok",
    reader=R,
)

# -- CSV that must be refused in one line ------------------------------------------------
add("csv_empty_file", text("e.csv", ""), "error", "empty")
add("csv_header_only", text("h.csv", "a,b\n"), "error", "no data rows")
add(
    "csv_quote_never_closed",
    text("q.csv", '"a,b\n1,2\n3,4\n'),
    "error",
    "has no complete row: the quote opened on line 1 is never closed",
)
# a header of blank cells only: pandas' names, as for one blank cell (it was refused as
# "column name '' appears more than once", against the user guide)
add(
    "csv_header_of_blank_cells",
    text("bh.csv", ",,\n" + "".join(f"{i},{i % 3},{i * 2}\n" for i in range(40))),
    "ok",
    reader=R,
)
add("csv_blank_lines_only", text("bl.csv", "\n\n\n"), "error", "")
add(
    "csv_duplicate_headers",
    text("dup.csv", rows(20, header="a,a\n")),
    "error",
    "appears more than once",
)
add(
    "csv_mixed_delimiters",
    text("mix.csv", "a,b\n" + "".join(f"{i},{i}\n" if i % 2 else f"{i};{i}\n" for i in range(500))),
    "error",
    "ragged",
)
add("csv_all_ragged", text("ar.csv", "a,b\n1,2,3\n4,5,6\n"), "error", "ragged")
add("csv_many_ragged", text("mr.csv", rows(100) + "1,2,3\n" * 20), "error", "ragged")
# a tiny file losing most of its rows to raggedness is refused too (2 of 3 were dropped)
add("csv_tiny_mostly_ragged", text("tr.csv", "a,b\n1,2\n3,4,5\n6,7,8\n"), "error", "ragged")
add(
    "csv_unterminated_quote",
    text("uq.csv", rows(20) + '5,"never closed\n' + rows(5, header="")),
    "error",
    "never closed",
)
add(
    # the only data row opens a quote: the rest reads as one ragged row, but the quote is
    # the cause (it was refused as "every data row is ragged")
    "csv_unterminated_quote_first_row",
    text("uq1.csv", 'a,b,c\n1,"x,2\n3,4,5\n'),
    "error",
    "never closed",
)
add("csv_utf16_le_bom", text("u16.csv", rows(30), "utf-16"), "error", "UTF-16")
add(
    "csv_utf16_be_bom",
    text("u16be.csv", b"\xfe\xff" + rows(30).encode("utf-16-be")),
    "error",
    "UTF-16",
)
add("csv_utf16_no_bom", text("u16n.csv", rows(30).encode("utf-16-le")), "error", "NUL")
add("csv_utf32", text("u32.csv", rows(30), "utf-32"), "error", "UTF-32")
add("csv_nul_bytes", text("nul.csv", rows(5) + "3,\x00\x00\n" + rows(5, header="")), "error", "NUL")
add(
    "csv_latin1_values",
    text("l1.csv", rows(30, "{i},caf\xe9\n"), "latin-1"),
    "error",
    "not valid UTF-8",
)
add(
    "csv_latin1_header",
    text("l1h.csv", rows(30, header="caf\xe9,b\n"), "latin-1"),
    "error",
    "UTF-8",
)
add(
    "csv_gzip_damaged",
    lambda tmp: (
        (tmp / "z.csv.gz").write_bytes(gzip.compress(rows(30).encode())[:-12]),
        str(tmp / "z.csv.gz"),
    )[-1],
    "error",
    "cannot be",
)
# a sound gzip header over deflate data that are not: zlib's own error is no OSError (it
# ended the session with an INTERNALERROR, rater BF)
add(
    "csv_gzip_corrupt_deflate",
    lambda tmp: (
        (tmp / "d.csv.gz").write_bytes(
            gzip.compress(rows(30).encode())[:10] + bytes(range(7, 200)) + b"\0" * 8
        ),
        str(tmp / "d.csv.gz"),
    )[-1],
    "error",
    "invalid block type",
)
add(
    "csv_gzip_not_gzip",
    lambda tmp: ((tmp / "y.csv.gz").write_text(rows(30)), str(tmp / "y.csv.gz"))[-1],
    "error",
    "Not a gzipped file",
)
# a CSV saved without a suffix is read by its content: UTF-8 text with a delimiter
add("csv_no_suffix_text", text("nosuffix", rows(30)), "ok", reader=R)
add(
    "png_named_csv_noext",
    text("image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
    "error",
    "unknown format",
)


# -- files that are not files ------------------------------------------------------------
def _missing(tmp):
    return str(tmp / "missing.csv")


def _loop(tmp):
    os.symlink(tmp / "l2.csv", tmp / "l1.csv")
    os.symlink(tmp / "l1.csv", tmp / "l2.csv")
    return str(tmp / "l1.csv")


def _dangling(tmp):
    os.symlink(tmp / "nowhere.csv", tmp / "dangling.csv")
    return str(tmp / "dangling.csv")


def _fifo(tmp):
    os.mkfifo(tmp / "pipe.csv")
    return str(tmp / "pipe.csv")


def _fifo_parquet(tmp):
    os.mkfifo(tmp / "pipe.parquet")
    return str(tmp / "pipe.parquet")


def _symlink_to_fifo(tmp):
    os.mkfifo(tmp / "p2")
    os.symlink(tmp / "p2", tmp / "p2.csv")
    return str(tmp / "p2.csv")


add("missing_file", _missing, "error", "does not exist")
add("symlink_loop", _loop, "error", "")
add("dangling_symlink", _dangling, "error", "does not exist")
add("fifo_csv", _fifo, "error", "FIFO")
add("fifo_parquet", _fifo_parquet, "error", "FIFO")
add("symlink_to_fifo", _symlink_to_fifo, "error", "FIFO")
add("char_device", lambda tmp: os.devnull, "error", "device")
add("empty_folder", lambda tmp: (os.mkdir(tmp / "empty"), str(tmp / "empty"))[-1], "error", "")


# -- SQLite --------------------------------------------------------------------------------
def sqlite(name: str, table: str, make_rows, decl: str = "a INTEGER, b REAL", ask=None):
    def make(tmp: Path) -> str:
        path = tmp / name
        conn = sqlite3.connect(path)
        quoted = '"' + table.replace('"', '""') + '"'
        conn.execute(f"CREATE TABLE {quoted} ({decl})")
        conn.executemany(
            f"INSERT INTO {quoted} VALUES ({','.join('?' * len(decl.split(',')))})", make_rows()
        )
        conn.commit()
        conn.close()
        return f"{path}::{ask if ask is not None else table}"

    return make


def sqlite_reader(location: str) -> pd.DataFrame:
    path, _, table = location.rpartition("::")
    conn = sqlite3.connect(f"file:{Path(path).as_uri()[7:]}?mode=ro", uri=True)
    try:
        return pd.read_sql_query(f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"', conn)
    finally:
        conn.close()


ROWS = lambda: [(i, i / 4) for i in range(40)]  # noqa: E731
add("sqlite_plain", sqlite("p.db", "t", ROWS), "ok", reader=sqlite_reader)
add("sqlite_weird_file_name", sqlite("we%20ird?x#y.db", "t", ROWS), "ok", reader=sqlite_reader)
add("sqlite_quoted_table_name", sqlite("q.db", 'we"ird ta;ble', ROWS), "ok", reader=sqlite_reader)
add(
    "sqlite_mixed_int_real",
    sqlite("m.db", "t", lambda: [(i, i if i % 2 else i / 3) for i in range(40)]),
    "ok",
    reader=sqlite_reader,
)
add("sqlite_missing_table", sqlite("mt.db", "t", ROWS, ask="nope"), "error", "has no table")
add(
    "sqlite_no_table_given",
    lambda tmp: sqlite("nt.db", "t", ROWS)(tmp).rpartition("::")[0],
    "error",
    "no table was named",
)
add("sqlite_empty_table", sqlite("et.db", "t", lambda: []), "error", "no data rows")
add(
    "sqlite_garbage_file",
    lambda tmp: text("g.db", b"not a database" * 100)(tmp) + "::t",
    "error",
    "not a readable SQLite",
)
add("sqlite_missing_file", lambda tmp: str(tmp / "absent.db") + "::t", "error", "does not exist")


# -- Parquet and Arrow IPC -----------------------------------------------------------------
def parquet(name: str, table_fn, **kwargs):
    def make(tmp: Path) -> str:
        pq.write_table(table_fn(), tmp / name, **kwargs)
        return str(tmp / name)

    return make


def base_table(n=40):
    return pa.table({"a": pa.array(range(n), pa.int64()), "b": pa.array([i / 4 for i in range(n)])})


def pq_reader(location: str) -> pd.DataFrame:
    return pq.read_table(location).to_pandas()


def ipc_reader(location: str) -> pd.DataFrame:
    return feather.read_table(location).to_pandas()


def _decimal():
    import decimal

    return pa.table(
        {
            "d": pa.array([decimal.Decimal(f"{i}.25") for i in range(40)], pa.decimal128(10, 2)),
            "a": pa.array(range(40)),
        }
    )


add("parquet_plain", parquet("p.parquet", base_table), "ok", reader=pq_reader)
add("parquet_decimal", parquet("d.parquet", _decimal), "ok", reader=pq_reader)
add(
    "parquet_dictionary",
    parquet(
        "dict.parquet",
        lambda: pa.table(
            {
                "c": pa.array([f"k{i % 3}" for i in range(40)]).dictionary_encode(),
                "a": pa.array(range(40)),
            }
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_nested_struct",
    parquet(
        "s.parquet",
        lambda: pa.table(
            {"s": pa.array([{"x": i, "y": "z"} for i in range(40)]), "a": pa.array(range(40))}
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_list_column",
    parquet(
        "l.parquet",
        lambda: pa.table(
            {"l": pa.array([[i, i + 1] for i in range(40)]), "a": pa.array(range(40))}
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_map_column",
    parquet(
        "mp.parquet",
        lambda: pa.table(
            {
                "m": pa.array([[("k", i)] for i in range(40)], pa.map_(pa.string(), pa.int64())),
                "a": pa.array(range(40)),
            }
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_tz_timestamps_ns",
    parquet(
        "tz.parquet",
        lambda: pa.table(
            {
                "t": pa.array(
                    np.arange(40, dtype="int64") * 10**9, pa.timestamp("ns", tz="Europe/Paris")
                ),
                "a": pa.array(range(40)),
            }
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_date32",
    parquet(
        "date.parquet",
        lambda: pa.table(
            {"d": pa.array(np.arange(40, dtype="int32"), pa.date32()), "a": pa.array(range(40))}
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_large_string",
    parquet(
        "ls.parquet",
        lambda: pa.table(
            {
                "s": pa.array([f"v{i}" for i in range(40)], pa.large_string()),
                "a": pa.array(range(40)),
            }
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_binary",
    parquet(
        "bin.parquet",
        lambda: pa.table(
            {"b": pa.array([bytes([i]) for i in range(40)]), "a": pa.array(range(40))}
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_all_null_column",
    parquet("null.parquet", lambda: pa.table({"n": pa.nulls(40), "a": pa.array(range(40))})),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_uint64_large",
    parquet(
        "u64.parquet",
        lambda: pa.table(
            {"u": pa.array([2**63 + i for i in range(40)], pa.uint64()), "a": pa.array(range(40))}
        ),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_int64_extremes",
    parquet(
        "i64.parquet",
        lambda: pa.table({"i": pa.array([2**63 - 1 - i for i in range(40)], pa.int64())}),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_float_specials",
    parquet(
        "fs.parquet",
        lambda: pa.table({"f": pa.array([math.inf, -math.inf, math.nan, 0.0, -0.0] * 8)}),
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_many_row_groups",
    parquet("rg.parquet", lambda: base_table(1000), row_group_size=7),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_snappy",
    parquet("sn.parquet", base_table, compression="snappy"),
    "ok",
    reader=pq_reader,
)
add("parquet_zstd", parquet("zs.parquet", base_table, compression="zstd"), "ok", reader=pq_reader)
add(
    "parquet_unicode_column_names",
    parquet(
        "uc.parquet", lambda: pa.table({"größe 🙂": pa.array(range(40)), "": pa.array(range(40))})
    ),
    "ok",
    reader=pq_reader,
)
add(
    "parquet_duration",
    parquet(
        "du.parquet",
        lambda: pa.table(
            {
                "d": pa.array(np.arange(40, dtype="int64"), pa.duration("s")),
                "a": pa.array(range(40)),
            }
        ),
    ),
    "ok",
    reader=pq_reader,
)
add("parquet_zero_rows", parquet("z.parquet", lambda: base_table(0)), "error", "no data rows")
add("parquet_zero_columns", parquet("zc.parquet", lambda: pa.table({})), "error", "")
add(
    "parquet_duplicate_columns",
    parquet(
        "dc.parquet",
        lambda: pa.Table.from_arrays([pa.array(range(40)), pa.array(range(40))], names=["a", "a"]),
    ),
    "error",
    "appears more than once",
)


def _truncated(name, fraction=0.5, writer=pq.write_table):
    def make(tmp: Path) -> str:
        path = tmp / name
        writer(base_table(500), path)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])
        return str(path)

    return make


add("parquet_truncated_half", _truncated("t.parquet"), "error", "")
add("parquet_truncated_tail", _truncated("tt.parquet", 0.98), "error", "")
add("parquet_header_only", text("h.parquet", b"PAR1"), "error", "")
add(
    "parquet_garbage",
    text("g.parquet", b"PAR1" + os.urandom(0) + b"\x01" * 300 + b"PAR1"),
    "error",
    "",
)
add("parquet_named_csv_content", text("c.parquet", rows(20)), "error", "")


def _partitioned_mismatch(tmp):
    folder = tmp / "part"
    folder.mkdir()
    pq.write_table(base_table(), folder / "a.parquet")
    pq.write_table(pa.table({"z": pa.array(["x"] * 5)}), folder / "b.parquet")
    return str(folder)


def _partitioned_ok(tmp):
    folder = tmp / "ok_part"
    (folder / "k=1").mkdir(parents=True)
    (folder / "k=2").mkdir(parents=True)
    pq.write_table(base_table(), folder / "k=1" / "a.parquet")
    pq.write_table(base_table(), folder / "k=2" / "a.parquet")
    return str(folder)


def _folder_with_a_broken_file(tmp):
    folder = tmp / "junk_part"
    (folder / "deep").mkdir(parents=True)
    pq.write_table(base_table(), folder / "a.parquet")
    (folder / "deep" / "fake.parquet").write_text("junk")
    return str(folder)


add("parquet_folder_schema_mismatch", _partitioned_mismatch, "error", "")
# a folder is said to be one, and the broken file is named inside it (two raters read
# "dataset file 'fake.parquet'" as if they had given that file)
add(
    "parquet_folder_with_a_broken_file",
    _folder_with_a_broken_file,
    "error",
    "dataset folder 'junk_part': read as a partitioned Parquet dataset (a folder), but its "
    "file 'deep/fake.parquet'",
)
add("parquet_folder_ok", _partitioned_ok, "ok", reader=pd.read_parquet)


def ipc(name, table_fn, **kwargs):
    def make(tmp: Path) -> str:
        feather.write_feather(table_fn(), tmp / name, **kwargs)
        return str(tmp / name)

    return make


add("arrow_plain", ipc("p.arrow", base_table), "ok", reader=ipc_reader)
add(
    "arrow_uncompressed",
    ipc("u.feather", base_table, compression="uncompressed"),
    "ok",
    reader=ipc_reader,
)
add("arrow_zero_rows", ipc("z.arrow", lambda: base_table(0)), "error", "no data rows")
add("arrow_truncated", _truncated("t.arrow", 0.5, feather.write_feather), "error", "")
add("arrow_garbage", text("g.arrow", b"ARROW1" + b"\x07" * 200), "error", "")


# -- the checks ------------------------------------------------------------------------------
def _numbers(frame: pd.DataFrame) -> dict:
    out = {"rows": len(frame)}
    for name in frame.columns:
        column = frame[name]
        if (
            pd.api.types.is_bool_dtype(column)
            or not pd.api.types.is_numeric_dtype(column)
            or not column.notna().any()
        ):
            out[str(name)] = int(column.notna().sum())
            continue
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = values[~np.isnan(values)]
        out[str(name)] = (
            int(finite.size),
            math.fsum(finite[np.isfinite(finite)]),
            float(finite.min()) if finite.size else None,
            float(finite.max()) if finite.size else None,
        )
    return out


def _harness_frame(dataset) -> pd.DataFrame:
    batches = list(dataset.iter_batches())
    table = pa.Table.from_batches(batches, schema=dataset.schema)
    return table.to_pandas()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_ends_cleanly(case: Case, tmp_path: Path) -> None:
    location = case.make(tmp_path)
    if case.outcome == "error":
        with pytest.raises(StatHarnessError) as info:
            open_dataset("d", location)
        message = str(info.value)
        assert "\n" not in message and "\r" not in message, message
        assert case.match in message, message
        # the file's name, or the location exactly as given, never another absolute path
        assert str(tmp_path) not in message.replace(location.split("::")[0], ""), message
        return
    dataset = open_dataset("d", location)
    ours = _numbers(_harness_frame(dataset))
    theirs = _numbers(case.reader(location))
    assert ours == theirs
    assert dataset.row_count == theirs["rows"]


def test_corpus_size() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


def test_sqlite_opens_read_only_and_never_creates(tmp_path: Path) -> None:
    location = sqlite("we%20ird?x.db", "t", ROWS)(tmp_path)
    before = sorted(os.listdir(tmp_path))
    dataset = open_dataset("d", location)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        dataset.source._conn.execute("CREATE TABLE x (a)")
    assert sorted(os.listdir(tmp_path)) == before  # no 'we' or 'we%20ird' file created


def test_invalid_utf8_after_the_first_block_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"a,b\n" + b"1,abc\n" * 900_000 + b"2,caf\xe9\n")
    assert path.stat().st_size > (4 << 20)
    with pytest.raises(StatHarnessError, match="column 'b' contains text that is not valid UTF-8"):
        open_dataset("late", str(path))


def test_csv_widening_after_the_first_block(tmp_path: Path) -> None:
    """A float after the first 4 MiB block widens the column instead of failing the file
    (pyarrow >= 26 puts the row number into the conversion error)."""
    path = tmp_path / "late.csv"
    body = "1,2\n" * 1_200_000  # 4.8 MB of integers before the first float
    path.write_text("a,b\n" + body + "12.5,3\n")
    assert path.stat().st_size > (4 << 20)
    dataset = open_dataset("late", str(path))
    assert dataset.row_count == 1_200_001
    assert str(dataset.schema.field("a").type) == "double"
    total = sum(float(np.nansum(b.column("a").to_numpy())) for b in dataset.iter_batches())
    assert total == 1_200_000 + 12.5


@pytest.mark.slow
@pytest.mark.parametrize(
    "case_id",
    [
        "csv_utf16_le_bom",
        "csv_mixed_delimiters",
        "fifo_csv",
        "csv_duplicate_headers",
        "csv_latin1_header",
        "symlink_loop",
        "parquet_truncated_half",
        "sqlite_garbage_file",
    ],
)
def test_session_exits_4_in_one_line(pytester: pytest.Pytester, case_id: str) -> None:
    case = next(c for c in CASES if c.id == case_id)
    location = case.make(pytester.path)
    result = pytester.runpytest_subprocess("--stat-dataset", f"d={location}", timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_values_at_the_float_limit_run_the_whole_gauntlet(pytester: pytest.Pytester) -> None:
    """A column holding 1e308 once in each group beside ordinary amounts, another spanning
    -1e308..1e308, and a column with gaps: every analysis runs (outliers' mixture check
    summed past float64 and crashed with an OverflowError; missing_by_group cut bins over
    a width past float64, with numpy overflow warnings), and no warning leaks."""
    lines = ["amount,wide,group,note"]
    for i in range(200):
        amount = 1e308 if i in (3, 4, 5) else 20.0 + (i * 37) % 50  # one in each group
        wide = {0: 1e308, 1: -1e308}.get(i, i * 1.5)
        note = "" if i % 5 == 0 else f"n{i % 3}"
        lines.append(f"{amount!r},{wide!r},{'ABC'[i % 3]},{note}")
    (pytester.path / "limit.csv").write_text("\n".join(lines) + "\n")
    out = _explore_cleanly(pytester, "limit=limit.csv", "-W", "error::RuntimeWarning")
    assert "failed" not in out.splitlines()[-1]


def _explore_cleanly(pytester: pytest.Pytester, dataset: str, *extra: str) -> str:
    """The output of an explore session over ``dataset`` (NAME=FILE) in a subprocess,
    checked to end with exit status 0 and no traceback."""
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "-m", "statharness", "--stat-explore", "--stat-dataset", dataset,
        *extra, timeout=300,
    )  # fmt: skip
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.OK, out
    assert "Traceback" not in out
    return out


@pytest.mark.parametrize("option", ["--stat-providers", "--stat-disable"])
def test_a_provider_name_nothing_installed_has_is_a_usage_error(
    pytester: pytest.Pytester, option: str
) -> None:
    """`--stat-providers nosuch` ran nothing and exited 5 without a word; a mistyped
    `--stat-disable` turned nothing off. One line naming the typo and what is installed."""
    (pytester.path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "--stat-dataset", "t=t.csv", option, "profle", timeout=120
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    assert f"{option}: no installed analysis provider is named 'profle'" in errors[0]
    assert "profile" in errors[0].split("installed:")[1]


def test_turning_off_every_provider_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """`--stat-disable=pytest-statharness` with a dataset ended in pytest's bare 'no tests
    ran' (exit 5): one line saying no analysis is left and how to keep one."""
    (pytester.path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "--stat-dataset", "t=t.csv",
        "--stat-disable=pytest-statharness", timeout=120,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    assert "no analysis is left to run" in errors[0]
    assert "--stat-disable=pytest-statharness" in errors[0]


def test_explore_without_a_dataset_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """`pytest --stat-explore` with no dataset ended in pytest's bare 'no tests ran'
    (exit 5, rater set 66): one line naming the option to give."""
    result = pytester.runpytest_subprocess("-p", "statharness", "--stat-explore", timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1 and "--stat-dataset NAME=PATH" in errors[0], result.stderr.str()


def test_a_state_db_that_is_no_database_is_one_line(pytester: pytest.Pytester, capsys) -> None:
    """A file named state.db that is no SQLite database (a truncated copy, another file)
    gave a sqlite3 traceback from `statharness runs list`/`status`/`compare` and an
    INTERNALERROR from the session: one line naming the file, exit 2 and exit 4."""
    from pytest_statharness.cli import main

    home = pytester.path / "home"
    home.mkdir()
    (home / "state.db").write_bytes(b"not a database, just text" * 20)
    for argv in (["runs", "list"], ["status"], ["compare", "a", "b"]):
        assert main([*argv, "--home", str(home)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "not a statharness state database" in err[0], err
    (pytester.path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "--stat-home", str(home), "--stat-dataset", "t=t.csv", "-k", "profile"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stdout.str() + result.stderr.str()
    assert "not a statharness state database" in text
    assert "Traceback" not in text and "INTERNALERROR" not in text


@pytest.mark.slow
def test_a_damaged_report_json_is_one_line_for_every_command(
    pytester: pytest.Pytester, capsys
) -> None:
    """A truncated report.json made `runs show`, `compare` and `evidence pack` end in a
    JSONDecodeError traceback; one of valid JSON but another shape ([]) in a TypeError or
    an AttributeError. One line naming the run, exit 2."""
    from pytest_statharness.cli import main

    (pytester.path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    for _ in range(2):
        result = pytester.runpytest_subprocess(
            "-p", "statharness", "--stat-home", "home", "--stat-explore",
            "--stat-dataset", "t=t.csv", "-k", "profile",
        )  # fmt: skip
        assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    home = pytester.path / "home"
    first, second = (home / "runs" / r / "report.json" for r in ("run-000001", "run-000002"))
    first.write_text(first.read_text()[:100])
    second.write_text("[]")
    for argv in (
        ["runs", "show", "1"],
        ["runs", "show", "2", "--json"],
        ["compare", "1", "2"],
        ["compare", "2", "1"],
        ["evidence", "pack", "1"],
        ["evidence", "pack", "2"],
    ):
        assert main([*argv, "--home", str(home)]) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, (argv, err)
        assert "report.json" in err[0] and ("damaged" in err[0] or "not" in err[0]), err


def test_a_spec_file_that_is_no_text_is_one_line(pytester: pytest.Pytester) -> None:
    """A binary --stat-spec file was an INTERNALERROR (UnicodeDecodeError)."""
    (pytester.path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    (pytester.path / "spec.toml").write_bytes(bytes(range(128, 256)) * 3)
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "--stat-spec", "spec.toml", "--stat-dataset", "t=t.csv"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stdout.str() + result.stderr.str()
    assert "spec.toml: not a TOML text file" in text
    assert "Traceback" not in text and "INTERNALERROR" not in text


def test_a_declared_log_time_that_holds_numbers_is_a_spec_error(tmp_path: Path) -> None:
    """An eventlog mapping whose timestamp is a number column turned the whole eventlog
    family off without a word."""
    from pytest_statharness.dataset.spec import SpecError, load_specs

    frame = pd.DataFrame(
        {"case": np.repeat(np.arange(30), 4), "act": list("ABCD") * 30, "ts": np.arange(120.0)}
    )
    frame.to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "statharness.toml").write_text(
        '[datasets.log.eventlog]\ncase = "case"\nactivity = "act"\ntimestamp = "ts"\n'
    )
    specs = load_specs(tmp_path)
    with pytest.raises(SpecError, match=r"key eventlog\.timestamp: column 'ts' holds numbers"):
        open_dataset("log", str(tmp_path / "log.csv"), spec=specs["log"])


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--stat-home", "afile"], {}, "--stat-home"),
        (["--stat-snapshot-dir", "afile"], {}, "--stat-snapshot-dir"),
        # below a file: every item failed with NotADirectoryError (13,000 lines), or the
        # dataset was blamed for a home that could not be made
        (["--stat-snapshot-dir", "afile/snaps"], {}, "afile is a file, not a folder"),
        (["--stat-home", "afile/home"], {}, "--stat-home"),
        ([], {"STAT_HARNESS_CAPS": "nope=3"}, "STAT_HARNESS_CAPS 'nope=3'"),
        ([], {"STAT_HARNESS_DATASET_CACHE": "maybe"}, "STAT_HARNESS_DATASET_CACHE='maybe'"),
        ([], {"STAT_HARNESS_LARGE_DATASET_POLICY": "x"}, "STAT_HARNESS_LARGE_DATASET_POLICY"),
        ([], {"STAT_HARNESS_MAX_WORKERS_ANALYSIS": "lots"}, "STAT_HARNESS_MAX_WORKERS_ANALYSIS"),
        (["-o", "stat_batch_size=abc"], {}, "ini stat_batch_size 'abc': not an integer"),
    ],
)
def test_a_bad_place_or_setting_is_one_line_naming_it(
    pytester: pytest.Pytester, monkeypatch, args: list, env: dict, expected: str
) -> None:
    """A file where the home or the snapshot folder should be failed every item with a
    NotADirectoryError (or blamed the dataset); typos in on/off and count variables were
    silently 'on'; an ini batch size error was int()'s. One line naming the setting, exit
    4 — and a session without datasets reads none of them."""
    (pytester.path / "afile").write_text("x")
    (pytester.path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = pytester.runpytest_subprocess("-p", "statharness", *args, "--stat-dataset", "t=t.csv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr.str()
    if not args:
        pytester.makepyfile(test_idle="def test_idle():\n    pass\n")
        assert pytester.runpytest_subprocess("-p", "statharness").ret == pytest.ExitCode.OK


def test_infer_writes_names_past_the_basic_plane_as_toml_reads_them(tmp_path: Path) -> None:
    """json.dumps wrote '😀' as a surrogate pair ("\\ud83d\\ude00"), no Unicode scalar
    value in TOML: the spec infer wrote did not load back. DEL is escaped."""
    import tomllib

    from pytest_statharness.cli import main

    (tmp_path / "t.csv").write_text(
        "été 😀,b\x7fc,n\n" + "".join(f"{i},{i % 3},x{i % 4}\n" for i in range(30)),
        encoding="utf-8",
    )
    out = tmp_path / "s.toml"
    assert main(["infer", f"t={tmp_path / 't.csv'}", "--out", str(out)]) == 0
    columns = tomllib.loads(out.read_text(encoding="utf-8"))["datasets"]["t"]["columns"]
    assert sorted(columns) == ["b\x7fc", "n", "été 😀"]


def test_blank_header_names_are_pandas_names_and_a_tiny_table_is_said(
    pytester: pytest.Pytester,
) -> None:
    """df.to_csv(path) writes the index under a blank header cell: the column was named ''
    ("Correlation of '' and 'b'"), and two blank names crashed correlation. They are named
    as pandas names them, and said; a table of one row is said to be too small."""
    pytester.path.joinpath("t.csv").write_text(
        ", ,b\n" + "".join(f"{i},{i * 2 % 7},{i % 5}\n" for i in range(40))
    )
    pytester.path.joinpath("one.csv").write_text("a,b\n1,2\n")
    result = pytester.runpytest_subprocess(
        "-p",
        "statharness",
        "--stat-explore",
        "--stat-dataset",
        "t=t.csv",
        "--stat-dataset",
        "one=one.csv",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "dataset t: blank column name(s) in the header, called 'Unnamed: 0', "
            "'Unnamed: 1' as pandas calls them",
            "dataset one: only 1 row(s)*",
        ]
    )
    assert "failed" not in result.stdout.str()


def test_a_line_break_in_a_quoted_name_beside_a_blank_one_loses_no_row(tmp_path: Path) -> None:
    """With a blank name renamed, the header was skipped as one *line*: the rest of a
    quoted name holding a line break was counted '1 of 201 rows left out' (none was)."""
    (tmp_path / "t.csv").write_text(
        '"","line\nbreak",b\n' + "".join(f"{i},{i * 2},{i % 3}\n" for i in range(200))
    )
    source = open_dataset("t", str(tmp_path / "t.csv"))
    assert source.row_count == 200
    assert source.schema.names == ["Unnamed: 0", "line\nbreak", "b"]
    assert source.bad_rows.count == 0
    total = sum(pc.sum(b.column("line\nbreak")).as_py() for b in source.iter_batches())
    assert total == sum(i * 2 for i in range(200))


def test_names_that_differ_only_in_end_spaces_are_said(pytester: pytest.Pytester) -> None:
    """Headers 'a' and 'a ' made two columns and nothing said so (rater set 66)."""
    pytester.path.joinpath("t.csv").write_text(
        "a,a ,b\n" + "".join(f"{i},{i * 2},{i % 3}\n" for i in range(40))
    )
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "--stat-explore", "-k", "profile", "--stat-dataset", "t=t.csv"
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["dataset t: column names that differ only in spaces at their ends, 'a', 'a '*"]
    )


def test_infer_out_refuses_a_folder_and_a_missing_parent(tmp_path: Path, capsys) -> None:
    from pytest_statharness.cli import main

    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    data = f"t={tmp_path / 't.csv'}"
    assert main(["infer", data, "--out", str(tmp_path), "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err
    missing = tmp_path / "nowhere" / "s.toml"
    assert main(["infer", data, "--out", str(missing)]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_a_binary_file_named_as_a_csv_says_what_it_is(tmp_path: Path) -> None:
    pd.DataFrame({"a": [1, 2, 3]}).to_parquet(tmp_path / "data.csv")
    with pytest.raises(StatHarnessError, match="is a Parquet file named as a CSV"):
        open_dataset("d", str(tmp_path / "data.csv"))


@pytest.mark.parametrize(
    ("pack", "ending"), [(gzip.compress, ".gz"), (bz2.compress, ".bz2")], ids=["gzip", "bzip2"]
)
def test_a_compressed_file_named_as_a_plain_csv_is_told_to_be_renamed(
    tmp_path: Path, pack, ending: str
) -> None:
    """A gzip file saved as 'x.csv' was refused as 'contains a NUL byte: not UTF-8 text'."""
    (tmp_path / "data.csv").write_bytes(pack(b"a,b\n1,2\n3,4\n"))
    with pytest.raises(StatHarnessError, match=f"rename it to 'data.csv{ending}'"):
        open_dataset("d", str(tmp_path / "data.csv"))
    (tmp_path / "data.csv").rename(tmp_path / f"data.csv{ending}")
    assert open_dataset("d", str(tmp_path / f"data.csv{ending}")).row_count == 2


def test_a_csv_whose_header_starts_like_bzip2_is_still_a_csv(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("BZh9,b\n1,2\n3,4\n")
    assert open_dataset("d", str(tmp_path / "data.csv")).row_count == 2


def test_a_row_longer_than_a_block_is_named_so(tmp_path: Path) -> None:
    """pyarrow's 'straddling object ... (try to increase block size?)' named an option
    nobody can set."""
    (tmp_path / "big.csv").write_text("a,b\n1," + "x" * (5 << 20) + "\n2,y\n")
    with pytest.raises(StatHarnessError, match="holds a row longer than 4 MB") as info:
        open_dataset("d", str(tmp_path / "big.csv"))
    assert "block" not in str(info.value)


def test_excluded_columns_make_no_duplicate_rows(tmp_path: Path) -> None:
    """With every column excluded, 'exact duplicate rows' were still counted over them."""
    from statharness_analyses.quality.duplicate_rows import DuplicateRows

    from pytest_statharness.dataset.spec import load_specs
    from pytest_statharness.policy.budget import decide_budget

    pd.DataFrame({"a": [1, 1, 2, 3] * 20, "b": [5, 5, 6, 7] * 20}).to_csv(
        tmp_path / "t.csv", index=False
    )
    (tmp_path / "statharness.toml").write_text('[datasets.t]\nexclude = ["a", "b"]\n')
    dataset = open_dataset("t", str(tmp_path / "t.csv"), spec=load_specs(tmp_path)["t"])
    budget = decide_budget(row_count=80, column_count=2, analysis_id="duplicate_rows").budget
    assert DuplicateRows().plan(dataset, budget) is None


def test_a_column_named_like_a_derived_date_is_kept_and_nothing_breaks(
    pytester: pytest.Pytester,
) -> None:
    """A CSV with a column 'date(year)' beside 'year' (a table exported by this tool) made
    a second 'date(year)': 9 items failed with 'Field exists 2 times in schema'."""
    rows = "".join(f"{1950 + i},{2.0 * i},{(i * 37) % 11}\n" for i in range(60))
    (pytester.path / "dy.csv").write_text("year,date(year),v\n" + rows)
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "-m", "statharness", "--stat-explore", "--stat-dataset", "d=dy.csv"
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_column_of_the_largest_floats_has_a_finite_median_and_no_warning() -> None:
    """-1.7e308 on half the rows, 1.7e308 on the other: numpy's lerp overflows (-inf); the
    median is 0.0, and no overflow warning leaks."""
    import warnings

    from statharness_analyses.profile.profile_numeric import ProfileNumeric

    from pytest_statharness.testing import run_on_frame

    frame = pd.DataFrame({"x": np.r_[np.full(50, -1.7e308), np.full(50, 1.7e308)]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = run_on_frame(ProfileNumeric(), frame)
    (profile,) = [f for f in result.findings if f["kind"] == "column_profile"]
    assert profile["measurement"]["values"]["p50"] == 0.0


def test_codes_of_a_column_of_two_values_are_reported(tmp_path: Path) -> None:
    """-1.7e308 on 50 rows beside one other value: read as a code (missing) but reported
    nowhere, as capped_values screened columns of 3+ values only."""
    from statharness_analyses.quality.capped_values import CappedValues

    from pytest_statharness.testing import run_on_frame

    frame = pd.DataFrame({"x": np.r_[np.full(50, -1.7e308), np.full(50, 1e-3)]})
    codes = [
        f
        for f in run_on_frame(CappedValues(), frame).findings
        if f["kind"] == "missing_value_codes"
    ]
    assert [f["severity"] for f in codes] == ["high"]


def test_a_csv_without_a_suffix_is_read_as_one(tmp_path: Path) -> None:
    (tmp_path / "export").write_text("a;b\n1;2\n3;4\n")
    dataset = open_dataset("e", str(tmp_path / "export"))
    assert dataset.row_count == 2 and [c.name for c in dataset.columns] == ["a", "b"]
    (tmp_path / "noise").write_bytes(bytes(range(256)))
    with pytest.raises(StatHarnessError, match="unknown format"):
        open_dataset("n", str(tmp_path / "noise"))


@pytest.mark.slow
def test_infinities_among_whole_numbers_make_no_id_and_are_reported(
    pytester: pytest.Pytester,
) -> None:
    """1e400 and -1e400 (read as +-inf) beside 1..60: the column was typed an entity id
    (its finite values are whole), duplicate_keys cast inf to int64 and crashed, and no
    analysis saw the infinities. Now the column is a measure, the session ends cleanly and
    impossible_values reports both rows as high."""
    rows = ["1e400,1", "-1e400,2"] + [f"{i},{i % 7}" for i in range(1, 61)]
    (pytester.path / "overflow.csv").write_text("v,w\n" + "\n".join(rows) + "\n")
    _explore_cleanly(pytester, "o=overflow.csv")
    [report] = list(pytester.path.glob("appdata/runs/*/report.json"))
    findings = [
        f
        for item in json.loads(report.read_text())["items"]
        if item["analysis_id"] == "impossible_values"
        for f in item.get("findings") or []
    ]
    assert any(
        "2 infinite values in 'v'" in f["title"] and f["severity"] == "high" for f in findings
    )


def test_columns_past_max_columns_are_said_in_the_terminal(pytester: pytest.Pytester) -> None:
    """A 600-column table lost 400 columns of every analysis to max_columns and only
    report.json's evidence.left_out said so: the summary names the cap and how to raise
    it."""
    header = ",".join(f"c{i}" for i in range(210))
    rows = "".join(",".join(str((i * 7 + j) % 13) for j in range(210)) + "\n" for i in range(40))
    pytester.path.joinpath("wide.csv").write_text(header + "\n" + rows)
    result = pytester.runpytest_subprocess(
        "-p",
        "statharness",
        "--stat-explore",
        "--stat-dataset",
        "w=wide.csv",
        "-k",
        "profile_numeric",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["dataset w: up to 10 column(s) left out of 1 analysis item(s) by max_columns = 200*"]
    )


def test_a_timestamp_role_on_a_column_of_numbers_is_refused(tmp_path: Path) -> None:
    """beav1's hhmm 'time' declared role = "timestamp" was accepted, and then no time
    analysis ran, with nothing said."""
    from pytest_statharness.dataset.spec import SpecError, load_specs

    pd.DataFrame({"time": [930, 940, 950, 1000] * 10, "temp": np.arange(40.0)}).to_csv(
        tmp_path / "b.csv", index=False
    )
    (tmp_path / "statharness.toml").write_text('[datasets.b.columns.time]\nrole = "timestamp"\n')
    with pytest.raises(SpecError, match=r"key columns\.time\.role: column 'time' holds numbers"):
        open_dataset("b", str(tmp_path / "b.csv"), spec=load_specs(tmp_path)["b"])


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[datasets.b.columns.treat]\nrole = "measurement"\n', r"columns\.treat\.role"),
        ('[datasets.b.kpis]\ntreat = "lower"\n', r"kpis\.treat"),
    ],
)
def test_a_quantity_declared_on_a_text_column_is_refused(tmp_path: Path, toml, key) -> None:
    """role = "measurement" and a KPI on a text column were accepted and did nothing
    (rater BG): no mean to compare, no KPI to recommend on. One line names the key."""
    from pytest_statharness.dataset.spec import SpecError, load_specs

    pd.DataFrame({"treat": ["a", "b", "c", "d"] * 10, "temp": np.arange(40.0)}).to_csv(
        tmp_path / "b.csv", index=False
    )
    (tmp_path / "statharness.toml").write_text(toml)
    with pytest.raises(SpecError, match=key + r": column 'treat' holds text, not numbers"):
        open_dataset("b", str(tmp_path / "b.csv"), spec=load_specs(tmp_path)["b"])
