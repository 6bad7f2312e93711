"""The Markdown report renders literally: tables keep their shape, fences stay closed."""

from __future__ import annotations

import re

from hypothesis import given, settings

from layerscope.model import (
    Discovery,
    ErrorKind,
    ProbeError,
    Remediation,
    Role,
    Step,
)
from layerscope.present import render_markdown
from layerscope.present.markdown import fence
from layerscope.present.sanitize import safe_text
from tests.render.conftest import (
    controls,
    hostile_text,
    make_cert,
    make_finding,
    make_layer,
    make_report,
    mixed_report,
)

COLUMNS = 9


def _unescaped_pipes(line: str) -> int:
    """Pipes that GFM would treat as cell separators (not preceded by a backslash)."""
    return len(re.findall(r"(?<!\\)(?:\\\\)*\|", line))


def _table(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def _split_fences(text: str) -> tuple[list[str], str]:
    """Contents of the fenced blocks, closed the way CommonMark closes them, and the rest."""
    blocks: list[str] = []
    outside: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opener = re.fullmatch(r" *(`{3,})", lines[i])
        if opener is None:
            outside.append(lines[i])
            i += 1
            continue
        closer = re.compile(rf" *`{{{len(opener.group(1))},}} *")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closer.fullmatch(lines[i]):
            body.append(lines[i].removeprefix("  "))
            i += 1
        blocks.append("\n".join(body))
        i += 1
    return blocks, "\n".join(outside)


def _fenced_blocks(text: str) -> list[str]:
    return _split_fences(text)[0]


def test_document_has_a_heading_and_summary_and_a_section_per_site() -> None:
    """One H1, the summary, and one H2 per site with its verdict."""
    text = render_markdown([mixed_report(), make_report("ok.example")])
    assert text.startswith("# layerscope report\n\n**2 sites: 1 critical, 1 ok**\n")
    assert "## example.com:443 — CRITICAL" in text
    assert "## ok.example:443 — OK" in text
    assert (
        "- **Verdict:** critical — clients get certificate errors; some layers cannot be reached"
        " (exit code 2)"
    ) in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_layers_table_has_a_row_per_layer_with_labels() -> None:
    """Header, separator and one row per layer, each with nine cells: the same row as the
    text report and the inspector (one Status word: the chain verdict, or why there is none)."""
    table = _table(render_markdown([mixed_report()]))
    assert table[0].startswith("| Severity | Role | Address | Status | Cert |")
    assert len(table) == 2 + 4
    assert all(_unescaped_pipes(line) == COLUMNS + 1 for line in table)
    origin, _, stale, dead = table[2:]
    assert "| origin | 192.0.2.1:443 | trusted | A | 60 | Test Issuing CA | 1.3 | 12 |" in origin
    assert "| B | -2 |" in stale
    assert "| timeout |" in dead
    assert "\\[2001:db8::12\\]:443" in dead


def test_findings_are_a_list_worst_first_with_remediation() -> None:
    """Each finding is a list item with meaning, steps and fenced commands."""
    text = render_markdown([mixed_report()])
    items = [line for line in text.splitlines() if line.startswith("- **[")]
    assert [item.split("]")[0] for item in items] == [
        "- **[CRITICAL",
        "- **[CRITICAL",
        "- **[WARNING",
        "- **[INFO",
    ]
    assert "  *Meaning:* The edge serves an older certificate than the origin." in text
    assert "  **Fix at the origin:** Install the full chain and reload nginx." in text
    blocks = _fenced_blocks(text)
    assert (
        "ssl_certificate /etc/nginx/tls/fullchain.pem;\nnginx -t && systemctl reload nginx"
        in blocks
    )
    assert "openssl s_client -connect 192.0.2.10:443 -servername example.com -showcerts" in blocks


def test_fence_is_longer_than_any_backtick_run() -> None:
    """A command holding ``` or ```` gets a fence it cannot close."""
    assert fence("a ``` b") == ["````", "a ``` b", "````"]
    assert fence("x\n`````\ny", "  ") == ["  ``````", "  x", "  `````", "  y", "  ``````"]
    assert fence("plain") == ["```", "plain", "```"]


def test_command_with_backticks_stays_inside_its_block() -> None:
    """A hostile command cannot end its code block and inject Markdown."""
    command = "echo hi\n```\n# Injected heading\n[x](javascript:alert(1))"
    remediation = Remediation("m", "w", (Step("origin", "t", (command,)),), "r", "v")
    text = render_markdown([make_report(findings=(make_finding(remediation=remediation),))])
    blocks, outside = _split_fences(text)
    assert command in blocks
    assert "Injected" not in outside


def test_markdown_and_html_in_untrusted_fields_render_literally() -> None:
    """Pipes, links, HTML and emphasis in certificate fields are escaped."""
    leaf = make_cert("x|y", issuer="CN=<script>alert(1)</script> [a](http://e) *b*")
    report = make_report(
        layers=(make_layer("192.0.2.1", role=Role.ORIGIN, leaf=leaf),),
        findings=(make_finding(summary="**not bold** `code` | pipe"),),
        reference=leaf,
        reference_layer="192.0.2.1",
    )
    text = render_markdown([report])
    assert "\\<script\\>alert(1)\\</script\\> \\[a\\](http://e) \\*b\\*" in text
    assert "— \\*\\*not bold\\*\\* \\`code\\` \\| pipe" in text
    assert "<script>" not in text
    assert all(_unescaped_pipes(line) == COLUMNS + 1 for line in _table(text))


def test_unknown_site_shows_its_error_and_no_table() -> None:
    """A site-wide error is listed and the layers section says nothing was probed."""
    error = ProbeError(ErrorKind.NXDOMAIN, "example.invalid does not exist.")
    discovery = Discovery(name="example.invalid", errors=(error,))
    report = make_report("example.invalid", layers=(), discovery=discovery, error=error)
    text = render_markdown([report])
    assert "## example.invalid:443 — UNKNOWN" in text
    assert "- **Error:** nxdomain: example.invalid does not exist." in text
    assert "No layer was probed." in text
    assert _table(text) == []


@settings(deadline=None, max_examples=60)
@given(
    subject=hostile_text,
    san=hostile_text,
    issuer=hostile_text,
    message=hostile_text,
    summary=hostile_text,
    command=hostile_text,
)
def test_hostile_text_keeps_the_document_inert(
    subject: str, san: str, issuer: str, message: str, summary: str, command: str
) -> None:
    """No control but LF, tables keep ten cells, and commands stay in their fences."""
    leaf = make_cert(subject, subject=subject, sans=(san,), issuer=issuer)
    remediation = Remediation(summary, message, (Step(san, summary, (command,)),), command, command)
    report = make_report(
        subject,
        layers=(
            make_layer(san, role=Role.ORIGIN, leaf=leaf),
            make_layer("192.0.2.10", error=ProbeError(ErrorKind.TLS_ALERT, message)),
        ),
        findings=(make_finding(summary=summary, remediation=remediation),),
        reference=leaf,
        reference_layer=san,
        discovery=Discovery(name=subject, cname_chain=(san,), resolvers=(message,)),
        error=ProbeError(ErrorKind.DNS_ERROR, message),
    )
    text = render_markdown([report])
    assert controls(text) == []
    table = _table(text)
    assert len(table) == 4
    assert all(_unescaped_pipes(line) == COLUMNS + 1 for line in table)
    blocks, outside = _split_fences(text)
    assert safe_text(command, 10_000, multiline=True) in blocks
    assert "<" not in outside.replace("\\<", "")
