"""report.html: placeholder, replaced below."""

from __future__ import annotations

import html


def render_html(report: dict) -> str:
    return f"<!doctype html><title>{html.escape(report['run_id'])}</title>\n"
