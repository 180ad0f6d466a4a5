"""Missingness (placeholder module filled in by the missingness analysis)."""

from pytest_statharness import hookimpl


@hookimpl
def statharness_analyses():
    return []
