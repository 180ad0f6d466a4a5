"""The profile family: one summary per column kind (numeric, categorical, timestamp).

Each module is one analysis with an entry point of its own (``profile``,
``profile_categorical``, ``profile_timestamp``), so a run can select them separately.
"""
