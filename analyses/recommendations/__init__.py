"""The recommendations family: actions suggested from an event log.

``recommendations.py`` is the one analysis (entry point ``recommendations``); it builds on
the event-log detection and case fold in ``eventlog/columns.py``, which is why it imports
from the ``eventlog`` family rather than repeating them.
"""
