"""The text report is readable at 80 columns, colour-optional and inert to hostile text."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.model import (
    Discovery,
    ErrorKind,
    PathStatus,
    ProbeError,
    Remediation,
    Role,
    Severity,
    Step,
)
from layerscope.present import render_text
from tests.render.conftest import (
    MARKUP,
    NOW,
    controls,
    hostile_text,
    make_cert,
    make_finding,
    make_layer,
    make_report,
    mixed_report,
)

SGR = re.compile(r"\x1b\[[0-9;]*m")


def _table_rows(text: str) -> dict[str, str]:
    """Table lines keyed by the address they show."""
    rows = {}
    for line in text.splitlines():
        match = re.search(r"(\d+\.\d+\.\d+\.\d+:\d+|\[[0-9a-f:]+\]:\d+)", line)
        if match and line.split()[0] in ("OK", "INFO", "WARN", "CRIT", "UNKN"):
            rows[match.group(1)] = line
    return rows


def test_severity_words_carry_the_meaning_without_colour() -> None:
    """Without colour the verdict, finding severities and summary are spelled out."""
    text = render_text([mixed_report(), make_report("ok.example")], color=False)
    assert "example.com:443  CRITICAL" in text
    assert "ok.example:443  OK" in text
    assert "[CRITICAL] expired — The leaf served by 192.0.2.11 expired 2 days ago" in text
    assert "[WARNING] stale_edge" in text
    assert "[INFO] hsts_missing" in text
    assert text.rstrip().endswith("2 sites: 1 critical, 1 ok")


def test_no_escape_codes_without_colour() -> None:
    """color=False writes no ANSI escape sequence at all."""
    text = render_text([mixed_report()], color=False)
    assert "\x1b" not in text


def test_colour_marks_severities() -> None:
    """With colour the critical verdict is red and a warning yellow."""
    text = render_text([mixed_report()], color=True)
    assert "\x1b[1;31mCRITICAL" in text
    assert "\x1b[1;33m[WARNING]" in text
    assert controls(SGR.sub("", text)) == []


def test_findings_are_listed_worst_first() -> None:
    """Critical findings come before warnings and info, whatever the input order."""
    findings = (
        make_finding("hsts_missing", Severity.INFO),
        make_finding("expired", Severity.CRITICAL),
        make_finding("stale_edge", Severity.WARNING),
    )
    text = render_text([make_report(findings=findings)], color=False)
    positions = [text.index(f"] {code}") for code in ("expired", "stale_edge", "hsts_missing")]
    assert positions == sorted(positions)


def test_layers_table_shows_labels_status_days_and_issuer() -> None:
    """The stale edge shows B and negative days; the dead edge its error kind."""
    rows = _table_rows(render_text([mixed_report()], color=False, width=100))
    assert rows.keys() == {
        "192.0.2.1:443",
        "192.0.2.10:443",
        "192.0.2.11:443",
        "[2001:db8::12]:443",
    }
    origin = rows["192.0.2.1:443"].split()
    assert origin[:5] == ["INFO", "origin", "192.0.2.1:443", "trusted", "A"]
    assert "Test Issuing CA" in rows["192.0.2.1:443"]
    assert "1.3" in origin
    stale = rows["192.0.2.11:443"].split()
    assert stale[:6] == ["CRIT", "edge", "192.0.2.11:443", "expired", "B", "-2"]
    assert "timeout" in rows["[2001:db8::12]:443"]


def test_chain_verdicts_are_spelled_out() -> None:
    """Each path status has its words in the table."""
    statuses = {
        PathStatus.INCOMPLETE: "incomplete",
        PathStatus.SELF_SIGNED: "self-signed",
        PathStatus.UNTRUSTED_ROOT: "untrusted",
        PathStatus.PRIVATE: "private CA",
    }
    layers = tuple(make_layer(f"192.0.2.{i}", status=status) for i, status in enumerate(statuses))
    text = render_text([make_report(layers=layers)], color=False, width=120)
    for words in statuses.values():
        assert words in text


def test_header_shows_cname_chain_resolvers_probe_and_evaluation_time() -> None:
    """CNAMEs joined by arrows, resolvers, probe time, and --at when it differs."""
    report = make_report(at=NOW + dt.timedelta(days=30))
    text = render_text([report], color=False)
    assert "DNS: example.com → example.com.cdn.example.net → edge.cdn.example.net" in text
    assert "Resolvers: 127.0.0.53" in text
    assert "Probed: 2026-11-27 12:00:00 UTC" in text
    assert "Validity judged at: 2026-12-27 12:00:00 UTC" in text
    assert "judged at" not in render_text([make_report()], color=False)


def test_remediation_shows_steps_commands_reproduce_and_verify() -> None:
    """Meaning, steps by place with indented commands, Reproduce and Verify are shown."""
    text = render_text([make_report(findings=(make_finding(),))], color=False)
    assert "Meaning: The edge serves an older certificate than the origin." in text
    assert "Fix at the origin: Install the full chain and reload nginx." in text
    assert "\n      nginx -t && systemctl reload nginx\n" in text
    assert "Fix at the CDN edge: Upload" in text
    assert (
        "Reproduce:\n      openssl s_client -connect 192.0.2.10:443 -servername example.com"
        " -showcerts\n"
    ) in text
    assert "Verify:\n      curl --resolve example.com:443:192.0.2.10" in text


def test_width_80_fits_except_for_unbroken_commands() -> None:
    """At 80 columns only command lines may be longer; they stay whole for copy and paste."""
    command = "openssl s_client -connect [2001:db8::12]:443 -servername " + "a" * 60
    remediation = Remediation("m", "w", (Step("edge", "Do it.", (command,)),), command, "")
    report = mixed_report()
    report = type(report)(
        **{**report.__dict__, "findings": (make_finding(remediation=remediation),)}
    )
    text = render_text([report], color=False, width=80)
    long_lines = [line for line in text.splitlines() if len(line) > 80]
    assert long_lines
    assert all(line == "      " + command for line in long_lines)
    assert _table_rows(text).keys() >= {"192.0.2.1:443", "192.0.2.11:443"}


def test_no_trailing_whitespace() -> None:
    """Lines are stripped of the padding Rich adds."""
    text = render_text([mixed_report()], color=False, width=80)
    assert all(line == line.rstrip() for line in text.splitlines())


def test_site_without_layers_is_unknown_with_its_error() -> None:
    """A site-wide error shows UNKNOWN, the error kind and its message."""
    error = ProbeError(ErrorKind.NXDOMAIN, "example.invalid does not exist.")
    discovery = Discovery(name="example.invalid", resolvers=("127.0.0.53",), errors=(error,))
    report = make_report(
        "example.invalid", layers=(), discovery=discovery, error=error, reference=None
    )
    text = render_text([report], color=False)
    assert "UNKNOWN — could not be checked" in text
    assert "Error: nxdomain: example.invalid does not exist." in text
    assert "No layer was probed." in text
    assert text.rstrip().endswith("1 site: 1 unknown")


def test_dns_skipped_is_said() -> None:
    """With --edge the header says DNS was not used."""
    report = make_report(discovery=Discovery(name="example.com", skipped=True))
    assert "DNS: not used" in render_text([report], color=False)


def test_no_reports_still_summarises() -> None:
    """An empty run prints the zero summary."""
    assert render_text([], color=False).strip() == "0 sites"


def test_rich_markup_in_untrusted_fields_is_printed_literally() -> None:
    """Markup in summary, issuer, CN and error text is shown as typed, never applied."""
    issuer = "CN=[link=https://x]y[/link],O=Evil"
    leaf = make_cert("[bold red]x[/]", issuer=issuer)
    error = ProbeError(ErrorKind.TLS_ALERT, "[@click=app.quit]z[/]")
    report = make_report(
        layers=(
            make_layer("192.0.2.1", role=Role.ORIGIN, leaf=leaf),
            make_layer("192.0.2.10", error=error),
        ),
        findings=(make_finding(summary="[bold red]x[/] and [@click=app.quit]z[/]"),),
        reference=leaf,
        reference_layer="192.0.2.1",
    )
    for color in (False, True):
        text = SGR.sub("", render_text([report], color=color, width=120))
        assert "[bold red]x[/] and [@click=app.quit]z[/]" in text
        assert "[link=https://x]y[/link]" in text
        assert "Reference: A [bold red]x[/]" in text


def test_escape_sequences_in_untrusted_fields_are_shown_escaped() -> None:
    """An ESC or bidi override in a certificate field appears as \\x1b / \\u202e."""
    leaf = make_cert("evil\x1b[2J.example\u202e", issuer="CN=Bad\x1b]52;c;AA==\x07CA")
    report = make_report(
        layers=(make_layer("192.0.2.1", role=Role.ORIGIN, leaf=leaf),),
        findings=(make_finding(summary="boom\x1b[31m\r\nhidden"),),
        reference=leaf,
        reference_layer="192.0.2.1",
    )
    text = render_text([report], color=False, width=120)
    assert "evil\\x1b[2J.example\\u202e" in text
    assert "Bad\\x1b]52;c;AA==\\x07CA" in text
    assert "boom\\x1b[31m\\r\\nhidden" in text
    assert controls(text) == []


@settings(deadline=None, max_examples=60)
@given(
    subject=hostile_text,
    san=hostile_text,
    issuer=hostile_text,
    message=hostile_text,
    summary=hostile_text,
    command=hostile_text,
    color=st.booleans(),
)
def test_hostile_text_never_reaches_the_terminal(
    subject: str,
    san: str,
    issuer: str,
    message: str,
    summary: str,
    command: str,
    color: bool,
) -> None:
    """No control character but LF (and Rich's own SGR colours) is ever written."""
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
    text = render_text([report], color=color, width=80)
    if not color:
        assert "\x1b" not in text
    assert controls(SGR.sub("", text)) == []


@settings(deadline=None)
@given(prefix=hostile_text, markup=st.sampled_from(MARKUP), suffix=hostile_text)
def test_markup_anywhere_in_a_summary_appears_literally(
    prefix: str, markup: str, suffix: str
) -> None:
    """Rich markup inside arbitrary text is printed as-is, whatever surrounds it."""
    report = make_report(findings=(make_finding(summary=prefix + markup + suffix),))
    text = render_text([report], color=False, width=2000)
    assert markup in text


def test_same_label_same_colour() -> None:
    """Every A is drawn in the same colour and B in another."""
    text = render_text([mixed_report()], color=True, width=100)
    a_styles = set(re.findall(r"(\x1b\[[0-9;]*m)A *\x1b\[0m", text))
    b_styles = set(re.findall(r"(\x1b\[[0-9;]*m)B *\x1b\[0m", text))
    assert len(a_styles) == 1
    assert len(b_styles) == 1
    assert a_styles != b_styles


def test_package_exports_the_renderers_with_docstrings() -> None:
    """layerscope.present re-exports each public renderer, and each is documented."""
    import layerscope.present as render

    assert set(render.__all__) >= {"render_text", "render_json", "render_markdown"}
    for name in render.__all__:
        assert getattr(render, name).__doc__
