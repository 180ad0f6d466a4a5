"""Work handed to one helper thread while the calling thread goes on reading.

Why: a cold open of a CSV is three sequential jobs of about a second each on one core
(parsing and writing the cache entry, the typing scan of every batch written, the scan
for quotes), on machines with two cores or more. The heavy parts of each (Arrow's parser,
the IPC writer and its compression, Arrow compute kernels, numpy) release the GIL, so
running one of them on a helper thread overlaps them for real.

Determinism: one helper thread takes the items in the order they were put, so a fold fed
through :class:`BackgroundFeed` sees exactly the sequence it would see called inline, and
its result is the same. Memory stays bounded: at most ``depth`` items wait in the queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()


class BackgroundFeed:
    """Call ``consume(item)`` on a helper thread for every :meth:`put` item, in order.

    ``in_flight``: how many items may be put and not yet consumed; :meth:`put` waits for
    the helper beyond that. With 1, the helper folds batch k while the caller builds batch
    k + 1 and nothing more is held: one batch more than a call inline (each item here is
    a canonical chunk of the dataset, ~10 MB on the benchmark log).

    Use as a context manager. On a normal exit it waits for the helper and re-raises the
    first error ``consume`` raised (later :meth:`put` calls raise it at once, so a failed
    fold does not hold the reader up). When the ``with`` block raises, the helper is
    stopped, the items still queued are dropped and the block's error propagates alone.
    """

    def __init__(self, consume: Callable[[Any], None], *, in_flight: int = 1) -> None:
        self._consume = consume
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._slots = threading.Semaphore(in_flight)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(
            target=self._run, name="statharness-background-feed", daemon=True
        )

    def __enter__(self) -> BackgroundFeed:
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                if self._error is None and not self._cancelled:
                    self._consume(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the producer
                self._error = exc
            finally:
                del item  # not held while waiting for the next one
                self._slots.release()

    def put(self, item: Any) -> None:
        """Hand ``item`` over (waits while ``in_flight`` items are not consumed yet);
        raises the helper's error."""
        if self._error is not None:
            raise self._error
        self._slots.acquire()
        self._queue.put(item)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._cancelled = True
        self._queue.put(_STOP)
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error


class BackgroundCall:
    """``fn(*args)`` started on a helper thread at once; :meth:`result` waits for it and
    returns its value or raises its error (every call, the same)."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(fn, args), name="statharness-background-call", daemon=True
        )
        self._thread.start()

    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
