"""Architecture rules that keep the codebase in shape."""

from __future__ import annotations

import subprocess
import sys

from .loaded import loaded_by


def test_core_never_imports_textual_or_rich() -> None:
    """Importing the whole engine (and running an inspection's imports) loads no UI library."""
    out = loaded_by(
        ["layerscope.engine.run", "layerscope.explain", "layerscope.lab.lab"],
        (
            "textual",
            "rich",
        ),
    )
    assert out == ""


def test_check_path_does_not_import_textual_httpx_or_dnspython() -> None:
    """`layerscope check` stays quick to start: no Textual; no httpx (the page is fetched
    with h11 over asyncio's TLS; httpx serves only AIA and OCSP downloads), and no
    dnspython until a lookup needs it (a resolver given by address is asked with the
    standard library)."""
    out = loaded_by(
        [
            "layerscope.commands.main",
            "layerscope.engine.run",
            "layerscope.engine.chains",
            "layerscope.engine.diagnosis",
            "layerscope.net.page",
            "layerscope.present.text",
        ],
        ("textual", "httpx", "httpcore", "anyio", "dns"),
    )
    assert out == ""


def test_the_json_path_never_imports_rich_or_textual() -> None:
    """`check --json` with its page fetch (httpx) and its analysis loads neither Rich nor
    Textual: httpx's command-line client, which imports Rich, stays unloaded."""
    modules = [
        "layerscope.commands.main",
        "layerscope.engine.run",
        "layerscope.engine.chains",
        "layerscope.engine.diagnosis",
        "layerscope.present.json",
        "layerscope.net.page",
        "layerscope.net.aia",
        "layerscope.net.ocsp",
    ]
    out = loaded_by(modules, ("rich", "textual", "click"))
    assert out == ""


def test_the_import_contracts_hold() -> None:
    """The import-linter contracts of pyproject.toml (one-way layers, an engine without UI,
    renderers or argparse) are kept: ``lint-imports`` exits 0."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    script = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(script), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_every_package_is_in_a_layer_and_no_contract_has_exemptions() -> None:
    """Each top-level package of layerscope sits in the one-way layers contract, and no
    contract lists ``ignore_imports`` (no exemptions)."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = config["contracts"]
    assert all("ignore_imports" not in c for c in contracts)
    (layers,) = [c for c in contracts if c["type"] == "layers"]
    named = {m.strip() for layer in layers["layers"] for m in layer.split("|")}
    packages = {
        f"layerscope.{p.name}"
        for p in (root / "layerscope").iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }
    assert packages == named
    loose = {p.name for p in (root / "layerscope").glob("*.py")} - {"__init__.py", "__main__.py"}
    assert loose == set(), f"modules outside the layers: {sorted(loose)}"


def test_no_module_import_cycle() -> None:
    """No module of layerscope imports itself through others (lazy imports included)."""
    import grimp

    graph = grimp.build_graph("layerscope")
    ours = {m for m in graph.modules if m.startswith("layerscope")}
    for module in sorted(ours):
        for imported in graph.find_modules_directly_imported_by(module) & ours:
            assert not graph.chain_exists(imported, module), (module, imported)
