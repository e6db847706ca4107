"""pyHanko signs and validates asynchronously; its synchronous wrappers call ``asyncio.run``, which
refuses to start in a thread where an event loop is already running (an async route, or a
process that drives Playwright's synchronous API). ``run_to_completion`` works in both."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

Result = TypeVar("Result")


def run_to_completion(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """The coroutine's result: run here when no loop runs in this thread, else in a short-lived
    thread of its own (the caller waits either way)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
