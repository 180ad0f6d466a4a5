"""The drift family: how one dataset differs from another (``--stat-compare A:B``).

``drift.py`` is the one analysis (entry point ``drift``); the exact KS machinery it shares
with nothing else today still lives in ``_shared/ks.py`` because it is not drift-specific.
"""
