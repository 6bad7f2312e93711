"""The watch's lines for people: a change, the state after a round, the per-layer timeline.

Used by ``layerscope watch`` and by the inspector's Timeline tab: one wording for both.
Peer-influenced text (errors) goes through :func:`render.sanitize.safe_text`.
"""

from __future__ import annotations

import datetime as dt

from layerscope.diagnose import watch
from layerscope.diagnose.watch import Change, ChangeKind, Sighting, WatchState
from layerscope.present.sanitize import safe_text, summarize_list


def format_duration(seconds: float) -> str:
    """``0.8s``, ``12s``, ``1m12s``, ``2h05m``: short, for status lines."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _safe(value: str, limit: int) -> str:
    """Peer-influenced text made harmless for a terminal (see render.sanitize.safe_text)."""
    return safe_text(value, limit)


def _names(items: list[str], limit: int) -> str:
    return summarize_list(items, limit)


def _clock(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%H:%M:%S")


def cert_text(label: str, sha256: str) -> str:
    """A certificate in a line: its label and the start of its fingerprint."""
    return f"{label} {sha256[:8]}…" if label else f"{sha256[:8]}…"


def _served(sighting: Sighting) -> str:
    if sighting.sha256 is not None:
        return cert_text(sighting.label, sighting.sha256)
    return f"failing ({_safe(sighting.error, 160)})"


def change_line(change: Change) -> str:
    """One change as a line: ``12:01:07  edge 127.0.0.4:443  B 3f2a9c1d…  ->  A 9c1d…``."""
    where = f"{_clock(change.at)}  {change.role.value} {change.label}"
    before, after = change.before, change.after
    if change.kind is ChangeKind.APPEARED and after is not None:
        verb = "serves" if after.ok else "is"
        return f"{where}  {verb} {_served(after)}"
    if change.kind is ChangeKind.DISAPPEARED and before is not None:
        return f"{where}  {_served(before)}  ->  gone from DNS"
    left = _served(before) if before is not None else "?"
    right = _served(after) if after is not None else "?"
    return f"{where}  {left}  ->  {right}"


def _one_target(state: WatchState, sha: str | None, kind: str) -> str:
    label = state.label_of(sha)
    if sha is None or (state.expected and not label):
        if not state.expected:
            return "no reference"
        wanted = next((e for e, k in state.expects if k == kind), state.expect)
        return f"the expected {wanted[:8]}…"
    return cert_text(label, sha)


def target_text(state: WatchState) -> str:
    """What the watch waits for: the reference's label and fingerprint, or the expected
    one; per type when the layers serve two (``ECDSA A 3f2a9c1d…, RSA B 9c1d0e2f…``)."""
    if not state.typed:
        return _one_target(state, state.target_sha256, "")
    return ", ".join(
        f"{kind.upper()} {_one_target(state, sha, kind)}" for kind, sha in state.targets
    )


def _behind(state: WatchState) -> str:
    groups: dict[str, list[str]] = {}
    for t in watch.behind(state):
        current = t.current
        if current.sha256 is None:
            what = "failing"  # the change line already said why
        else:
            what = f"still on {cert_text(current.label, current.sha256)}"
        kind = f" {t.cert_type.upper()}" if t.cert_type else ""
        groups.setdefault(what, []).append(f"{t.role.value} {t.address}{kind}")
    return "; ".join(f"{_names(names, 4)} {what}" for what, names in groups.items())


def status_line(state: WatchState) -> str:
    """The state after a round, e.g. ``round 3: 2/3 layers on A 3f2a9c1d… (edge 127.0.0.4
    still on B 9c1d0e2f…)``."""
    head = f"round {state.rounds}"
    if state.problem:
        return f"{head}: cannot tell: {_safe(state.problem, 300)}"
    if all(sha is None for _k, sha in state.targets) and not state.expected:
        return (
            f"{head}: no reference certificate (no layer serves a valid, trusted leaf for "
            "the site); give --expect FILE or --expect-sha256 to wait for a given one"
        )
    done = len(watch.on_target(state))
    noun = "layer certificates" if state.typed else "layers"
    line = f"{head}: {done}/{len(state.present)} {noun} on {target_text(state)}"
    if not done and state.expected:
        line += " (no layer serves it)"
    behind = _behind(state)
    return f"{line} ({behind})" if behind else line


def timeline_lines(state: WatchState) -> list[str]:
    """The per-layer timeline: a heading per layer, then one line per sighting."""
    lines = [f"timeline ({state.rounds} rounds, times UTC; target {target_text(state)}):"]
    for timeline in state.timelines:
        gone = "" if timeline.present else "  (gone from DNS)"
        lines.append(f"  {timeline.role.value} {timeline.name}{gone}")
        lines.extend(f"    {_clock(s.at)}  {_served(s)}" for s in timeline.sightings)
    return lines


__all__ = [
    "cert_text",
    "change_line",
    "format_duration",
    "status_line",
    "target_text",
    "timeline_lines",
]
