"""Content fingerprints: what makes two datasets "the same" for caches and citations.

``content_key`` hashes the bytes of every file (and, for a folder, each file's relative
path), the format, the table and the canonical chunk size. The dataset ``fingerprint``
adds the resolved Arrow schema, so a change of bytes, of types or of chunking changes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

FINGERPRINT_VERSION = 1


def content_key(
    root: Path, files: Sequence[Path], fmt: str, table: str | None, chunk_rows: int
) -> str:
    digest = hashlib.sha256()
    digest.update(
        f"statharness-content-v{FINGERPRINT_VERSION}|{fmt}|{table or ''}|{chunk_rows}|".encode()
    )
    for file in files:
        rel = file.relative_to(root).as_posix() if root.is_dir() else ""
        digest.update(rel.encode() + b"\0")
        with open(file, "rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def schema_text(schema: pa.Schema) -> str:
    return ";".join(f"{f.name}:{f.type}" for f in schema)


def dataset_fingerprint(key: str, schema: pa.Schema) -> str:
    digest = hashlib.sha256(f"{key}|{schema_text(schema)}".encode())
    return "sha256:" + digest.hexdigest()  # full length: 256 bits, as cited
