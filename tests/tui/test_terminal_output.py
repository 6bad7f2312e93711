"""What the real inspector writes to a real terminal (a pty): styling only, and an OSC 52
clipboard write only when the copy key is pressed — never a title change or other OSC."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from layerscope.lab.lab import Lab


def run_in_pty(args: list[str], keys: list[bytes], settle: float = 4.0) -> bytes:
    """Start layerscope on a pty, wait, send keys one by one, return every byte it wrote."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "layerscope", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    out = bytearray()

    def drain(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out.extend(chunk)

    try:
        drain(settle)
        for key in keys:
            os.write(leader, key)
            drain(1.0)
        proc.wait(timeout=15)
        drain(0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    return bytes(out)


# OSC 22 sets the mouse pointer's shape (Textual's hover cursor): cosmetic, allowed
ALLOWED = {b"\x1b]22;"}


def osc_sequences(data: bytes) -> list[bytes]:
    """Every OSC sequence (ESC ] ... BEL/ST) in ``data`` up to its first ';', except the
    pointer-shape ones."""
    found = []
    start = 0
    while (i := data.find(b"\x1b]", start)) >= 0:
        head = data[i : data.find(b";", i) + 1]
        if head not in ALLOWED:
            found.append(head)
        start = i + 2
    return found


def test_inspector_writes_no_osc_unless_copy_is_pressed(lab: Lab) -> None:
    """Open, look, quit: no OSC at all (no window title, no clipboard, no hyperlinks)."""
    out = run_in_pty(lab.check_args("stale"), [b"q"])
    assert b"stale.lab.test" in out
    assert osc_sequences(out) == []


def test_copy_key_writes_exactly_one_clipboard_sequence(lab: Lab) -> None:
    """`c` writes one OSC 52 (the clipboard); nothing else writes OSC."""
    out = run_in_pty(lab.check_args("stale"), [b"c", b"q"])
    assert osc_sequences(out) == [b"\x1b]52;"]
