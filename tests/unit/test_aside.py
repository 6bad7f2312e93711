"""A check made beside the start-up (commands.aside): in a forked child, or at once where
that cannot be done safely; the parent always gets the check's own answer."""

from __future__ import annotations

import os
import threading

import pytest

from layerscope.commands.aside import beside


def test_the_check_runs_in_another_process_and_its_answer_comes_back() -> None:
    """A single-threaded process forks: the check sees another pid; None and a message
    (non-ASCII too) come back as the check returned them."""
    assert beside(lambda: None)() is None
    assert beside(lambda: "cannot read trust store /x.pem: Permission denied")() == (
        "cannot read trust store /x.pem: Permission denied"
    )
    assert beside(lambda: "no PEM in bündel.pem")() == "no PEM in bündel.pem"
    assert beside(lambda: str(os.getpid()))() != str(os.getpid())


def test_a_check_that_crashes_in_the_child_is_made_again_here() -> None:
    """The child could not answer: the check runs in this process, whose error surfaces."""
    calls: list[int] = []

    def check() -> str | None:
        calls.append(os.getpid())
        if os.getpid() != parent:
            raise RuntimeError("boom in the child")
        return "asked here"

    parent = os.getpid()
    assert beside(check)() == "asked here"
    assert calls == [parent]  # the child's call was in the child's memory only

    def always() -> str | None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        beside(always)()


def test_a_process_with_threads_checks_at_once_without_forking() -> None:
    """Forking a process with threads is unsafe: the check runs here, before returning."""
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        pids: list[int] = []
        wait = beside(lambda: str(pids.append(os.getpid())))
        assert pids == [os.getpid()]
        assert wait() == "None"
    finally:
        release.set()
        worker.join()
