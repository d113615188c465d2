"""Pause Python's cyclic garbage collector around allocation-heavy computations."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then collect the youngest
    generation once.

    Staffing reads tens of thousands of small records for a broad role: each
    batch of 700 allocations triggers a young collection, and every few of those
    an older one that walks the whole heap -- about a third of the computation's
    time, for records that hold no reference cycles and are freed by reference
    counting anyway. Nested use keeps the collector off until the outermost
    block ends; a collector already off stays off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)
