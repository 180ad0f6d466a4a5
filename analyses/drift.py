"""drift: not written yet (placeholder so the entry point resolves)."""

from pytest_statharness import hookimpl


@hookimpl
def statharness_analyses():
    return []
