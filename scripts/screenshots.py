"""Regenerate ``screenshots/`` (SVG and PNG) from the frozen demo lab.

Run from the repository root with the project's venv::

    .venv/bin/pip install -e '.[screenshots]'   # cairosvg and Pillow: SVG -> PNG
    .venv/bin/python scripts/screenshots.py     # all; or name some: ... stale-80x24

The converter is cairosvg (PyPI). It needs the cairo C library, which pip does not install:
``apt-get install libcairo2`` on Debian/Ubuntu (``brew install cairo`` on macOS); check with
``.venv/bin/python -c "import cairosvg"``. Text is drawn in the monospace font fontconfig
picks (``apt-get install fonts-dejavu-core`` gives DejaVu Sans Mono, used for the committed
PNGs). Without cairosvg the script still writes the SVGs, says why it skipped the PNGs and
exits 1; ``--svg-only`` skips them on purpose.

The lab is ``layerscope.lab.frozen.frozen_lab``: the same certificates, addresses and port
on every run, the clock fixed and timings normalised, so the files only change when what
the TUI shows changes. Nothing leaves loopback: the app probes the lab, and the converter
is given the SVG with its web-font URLs removed, so it never fetches anything.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import io
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from layerscope.commands.config import load_config
from layerscope.lab.frozen import frozen_inspect, frozen_lab
from layerscope.lab.lab import Lab
from layerscope.model.options import SiteRequest
from layerscope.tui.app import LayerscopeApp
from layerscope.tui.screens.site import SiteScreen
from layerscope.tui.screens.sites import SitesScreen
from layerscope.tui.widgets.layers import LayersTable

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
# Not frozen_lab's defaults (127.197/16, 18443), which tests may use at the same time.
OCTET = 198
PORT = 18444
PROBE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Shot:
    """One screenshot.

    Attributes:
        name: file name without extension.
        size: terminal columns and rows.
        site: lab scenario to open alone, or ``None`` for the site list.
        edge: index of the edge to select (``None``: leave the cursor where the site
            screen opens, on its worst layer).
        keys: keys pressed once the report is complete.
    """

    name: str
    size: tuple[int, int]
    site: str | None = None
    edge: int | None = None
    keys: tuple[str, ...] = ()


SHOTS: tuple[Shot, ...] = (
    Shot("sites-120x40", (120, 40)),
    # edge 3 (index 2) is the stale one, and the one without its intermediate
    Shot("stale-overview-120x40", (120, 40), site="stale", edge=2),
    Shot("stale-diff-120x40", (120, 40), site="stale", edge=2, keys=("d",)),
    Shot("incomplete-findings-120x40", (120, 40), site="incomplete", edge=2, keys=("f",)),
    Shot("stale-80x24", (80, 24), site="stale", edge=2),
    Shot("mixed-content-http-120x40", (120, 40), site="mixed-content", edge=0, keys=("p",)),
    # two certificates per layer: the screen opens on edge 3's stale RSA certificate
    Shot("dual-stale-rsa-120x40", (120, 40), site="dual-stale-rsa"),
)


def _subtitle(lab: Lab) -> str:
    # what `layerscope demo` shows
    return f"embedded lab: {len(lab.sites)} sites on {lab.base}.0.0/16"


def _done(app: LayerscopeApp, count: int) -> bool:
    screen = app.screen
    if isinstance(screen, SitesScreen):
        return len(screen.reports) == count
    if isinstance(screen, SiteScreen):
        return screen.report is not None  # set by the report's message, when probing ends
    return False


async def _settle(pilot: Pilot[None], count: int) -> None:
    """Wait until every probe has ended and its message has been handled."""
    app = pilot.app
    assert isinstance(app, LayerscopeApp)
    deadline = time.monotonic() + PROBE_TIMEOUT
    await pilot.pause()
    while not _done(app, count):
        if time.monotonic() > deadline:
            raise TimeoutError(f"probes not finished after {PROBE_TIMEOUT:.0f} s")
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def _select_edge(pilot: Pilot[None], lab: Lab, site: str, edge: int) -> None:
    address = lab.site(site).edges[edge]
    table = pilot.app.screen.query_one(LayersTable)
    table.move_cursor(row=table.get_row_index(f"edge|{address}|{lab.port}"))
    await pilot.pause()


async def shoot(lab: Lab, requests: Sequence[SiteRequest], shot: Shot) -> str:
    """The SVG of ``shot``, taken once the report(s) are complete."""
    if shot.site is None:
        chosen = list(requests)
        app = LayerscopeApp(
            chosen, site_list=True, inspect_fn=frozen_inspect(), subtitle=_subtitle(lab)
        )
    else:
        host = lab.site(shot.site).host
        chosen = [r for r in requests if r.host == host]
        app = LayerscopeApp(chosen, site_list=False, inspect_fn=frozen_inspect())
    async with app.run_test(size=shot.size) as pilot:
        await _settle(pilot, len(chosen))
        if shot.site is not None and shot.edge is not None:
            await _select_edge(pilot, lab, shot.site, shot.edge)
        for key in shot.keys:
            await pilot.press(key)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        return app.export_screenshot(title=f"layerscope — {shot.name}")


_WEB_FONT = re.compile(r',\s*url\("https?://[^"]*"\)\s*format\("[^"]*"\)')


def offline_svg(svg: str) -> str:
    """The SVG for the converter: no web-font URLs (nothing is fetched), and the generic
    ``monospace`` family, since cairosvg tries only the first family of a list and
    fontconfig would replace a missing Fira Code with a proportional font."""
    svg = _WEB_FONT.sub("", svg)
    return svg.replace("font-family: Fira Code, monospace", "font-family: monospace")


def _converter() -> tuple[Any, Any]:
    """cairosvg and PIL.Image, imported by name: they are optional (the 'screenshots' extra)
    and mypy must pass with or without them installed."""
    cairosvg = importlib.import_module("cairosvg")
    image = importlib.import_module("PIL.Image")
    return cairosvg, image


def _converter_error() -> str | None:
    try:
        _converter()
    except (ImportError, OSError) as exc:  # OSError: the cairo C library is missing
        return f"{type(exc).__name__}: {exc}"
    return None


def to_png(svg: str, path: Path) -> None:
    """Write ``svg`` as a PNG at twice its size (sharp text), in 256 colours (small files)."""
    cairosvg, image_module = _converter()
    data = cairosvg.svg2png(bytestring=offline_svg(svg).encode("utf-8"), scale=2)
    with image_module.open(io.BytesIO(data)) as image:
        # a terminal has few colours: a palette keeps the text exact at a third of the size
        palette = image.quantize(
            256, image_module.Quantize.FASTOCTREE, dither=image_module.Dither.NONE
        )
        palette.save(path, optimize=True)


async def _main(out: Path, only: set[str], png: bool) -> int:
    problem = _converter_error() if png else None
    if problem:
        print(
            f"no PNGs: cairosvg cannot be used ({problem}).\n"
            "  .venv/bin/pip install -e '.[screenshots]'  and  apt-get install libcairo2",
            file=sys.stderr,
        )
    out.mkdir(parents=True, exist_ok=True)
    # the rolling-renewal site switches on a timer: pin it so pictures never depend on timing
    os.environ.setdefault("LAYERSCOPE_LAB_ROLLING", "inf,inf,inf")
    with frozen_lab(octet=OCTET, port=PORT) as lab:
        requests = load_config(lab.config, {})
        for shot in SHOTS:
            if only and shot.name not in only:
                continue
            svg = await shoot(lab, requests, shot)
            (out / f"{shot.name}.svg").write_text(svg, encoding="utf-8")
            written = [f"{shot.name}.svg"]
            if png and not problem:
                to_png(svg, out / f"{shot.name}.png")
                written.append(f"{shot.name}.png")
            print(f"{out.name}/: {', '.join(written)}")
    return 1 if problem else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Write every screenshot (or those named) to ``screenshots/``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help=f"only these: {', '.join(s.name for s in SHOTS)}")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (screenshots/)")
    parser.add_argument("--svg-only", action="store_true", help="skip the PNGs")
    ns = parser.parse_args(argv)
    unknown = set(ns.names) - {s.name for s in SHOTS}
    if unknown:
        parser.error(f"unknown screenshot(s): {', '.join(sorted(unknown))}")
    return asyncio.run(_main(ns.out, set(ns.names), not ns.svg_only))


if __name__ == "__main__":
    raise SystemExit(main())
