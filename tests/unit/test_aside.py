"""A check made beside the start-up (commands.aside): in a forked child, or at once where
that cannot be done safely; the parent always gets the check's own answer."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from layerscope.commands.aside import beside


def _fresh(code: str) -> str:
    """What ``code`` prints, run in a new, single-threaded interpreter (this test process
    may have threads: the lab's servers)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_the_answer_is_the_checks_own() -> None:
    """None and a message (non-ASCII too) come back as the check returned them."""
    assert beside(lambda: None)() is None
    assert beside(lambda: "cannot read trust store /x.pem: Permission denied")() == (
        "cannot read trust store /x.pem: Permission denied"
    )
    assert beside(lambda: "no PEM in bündel.pem")() == "no PEM in bündel.pem"


def test_a_single_threaded_process_checks_in_a_child() -> None:
    """A process without threads forks: the check runs under another pid."""
    said = _fresh(
        """
        import os
        from layerscope.commands.aside import beside
        print(beside(lambda: str(os.getpid()))(), os.getpid())
        """
    )
    child, parent = said.split()
    assert child != parent


def test_a_check_that_crashes_in_the_child_is_made_again_here() -> None:
    """The child could not answer: the check runs in the parent, whose error surfaces."""
    said = _fresh(
        """
        import os
        from layerscope.commands.aside import beside
        parent = os.getpid()
        def check():
            if os.getpid() != parent:
                raise RuntimeError("boom in the child")
            return "asked here"
        print(beside(check)())
        def always():
            raise ValueError("a bug")
        try:
            beside(always)()
        except ValueError as exc:
            print(exc)
        """
    )
    assert said.splitlines() == ["asked here", "a bug"]


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
