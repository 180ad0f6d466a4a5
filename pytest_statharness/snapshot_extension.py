"""A syrupy extension that stores findings as canonical JSON, for users' own tests::

    from pytest_statharness.snapshot_extension import FindingsExtension

    def test_my_findings(snapshot, stat_dataset):
        findings = ...
        assert findings == snapshot(extension_class=FindingsExtension)

It writes exactly the canonical form the harness's own items store (see :mod:`.snapshots`).
"""

from __future__ import annotations

from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from .evidence import canonical_findings


class FindingsExtension(SingleFileSnapshotExtension):
    file_extension = "json"  # syrupy >= 4.7 (read by syrupy 7; it wrote .raw files before)
    _file_extension = "json"  # older syrupy
    _write_mode = WriteMode.TEXT

    def serialize(self, data: Any, **kwargs: Any) -> str:
        if isinstance(data, list) and all(isinstance(f, dict) and "evidence" in f for f in data):
            return canonical_findings(data)
        from .canonical_json import dumps_document

        return dumps_document(data)
