"""The nginx configuration reader (``layerscope.net.nginx``) on small config trees: TLS server
blocks, listens, certificate/key pairs as nginx resolves them, and problems as values."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from layerscope.model.nginx import NginxConfig, NginxProblemKind, NginxServer
from layerscope.net.nginx import read_config

Kind = NginxProblemKind


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text, dedented) under ``root``; returns nginx.conf."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root / "nginx.conf"


def read(root: Path, files: dict[str, str]) -> NginxConfig:
    """Write the tree and read its nginx.conf."""
    return read_config(tree(root, files))


def only(config: NginxConfig) -> NginxServer:
    """The one TLS server of a configuration."""
    assert len(config.servers) == 1, config
    return config.servers[0]


def test_a_tls_server_block_with_its_names_listen_and_files(tmp_path: Path) -> None:
    """File and line of the block, every server_name, an all-addresses listen handshaked on
    loopback, a relative certificate resolved against the configuration's directory."""
    config = read(
        tmp_path,
        {
            "nginx.conf": """
            events {}
            http {
                server { listen 80; server_name plain.example.com; }
                server {
                    listen 443 ssl default_server;
                    server_name www.example.com example.com;
                    server_name alias.example.com;
                    ssl_certificate certs/fullchain.pem;
                    ssl_certificate_key /etc/ssl/private/site.key;
                }
            }
            """
        },
    )
    assert config.problems == () and config.files == (str(tmp_path / "nginx.conf"),)
    server = only(config)
    assert (server.file, server.line, server.context) == (str(tmp_path / "nginx.conf"), 4, "http")
    assert server.server_names == ("www.example.com", "example.com", "alias.example.com")
    assert server.sni_name == "www.example.com"
    (listen,) = server.listens
    assert (listen.address, listen.port, listen.ssl, listen.all_addresses) == (
        "0.0.0.0",
        443,
        True,
        True,
    )
    assert (listen.handshake_address, listen.default_server) == ("127.0.0.1", True)
    (pair,) = server.certificates
    assert pair.certificate == str(tmp_path / "certs/fullchain.pem")
    assert pair.key == "/etc/ssl/private/site.key"
    assert (pair.line, pair.key_line, pair.inherited, pair.checkable) == (8, 9, False, True)
    assert server.problems == ()


def test_listen_forms(tmp_path: Path) -> None:
    """Bare port, ``*:``, ``[::]:``, a loopback IP, IPv6, a host name, PROXY protocol, QUIC
    and a unix socket: where nginx binds and where to handshake each."""
    config = read(
        tmp_path,
        {
            "nginx.conf": """
            http {
                server {
                    listen 443 ssl;
                    listen *:8443 ssl;
                    listen [::]:443 ssl ipv6only=on;
                    listen 127.0.0.2:9443 ssl;
                    listen [2001:DB8::1]:443 ssl;
                    listen localhost:7443 ssl;
                    listen 10443 ssl proxy_protocol;
                    listen 443 quic reuseport;
                    listen unix:/run/site.sock ssl;
                    ssl_certificate a.pem;
                    ssl_certificate_key a.key;
                }
            }
            """
        },
    )
    rows = [
        (x.address, x.port, x.all_addresses, x.handshake_address, x.proxy_protocol, x.quic)
        for x in only(config).listens
    ]
    assert rows == [
        ("0.0.0.0", 443, True, "127.0.0.1", False, False),
        ("0.0.0.0", 8443, True, "127.0.0.1", False, False),
        ("::", 443, True, "::1", False, False),
        ("127.0.0.2", 9443, False, "127.0.0.2", False, False),
        ("2001:db8::1", 443, False, "2001:db8::1", False, False),
        ("localhost", 7443, False, "localhost", False, False),
        ("0.0.0.0", 10443, True, "127.0.0.1", True, False),
        ("0.0.0.0", 443, True, "127.0.0.1", False, True),
        ("unix:/run/site.sock", 0, False, "", False, False),
    ]
    assert all(x.ssl for x in only(config).listens)
    assert [x.port for x in only(config).tls_listens] == [443, 8443, 443, 9443, 443, 7443, 10443]


def test_includes_with_globs_in_order_with_their_own_files_and_lines(tmp_path: Path) -> None:
    """``include sites/*.conf`` reads the matching files in sorted order; a block says the
    file and line it is written in; a snippet included in two blocks serves both; a glob
    that matches nothing is fine, as for nginx."""
    config = read(
        tmp_path,
        {
            "nginx.conf": "events {}\nhttp { include sites/*.conf; include optional/*.conf; }\n",
            "sites/b.conf": """
            server { listen 443 ssl; server_name b.example.com; include snippets/tls.conf; }
            """,
            "sites/a.conf": """
            # first
            server {
                listen 443 ssl;
                server_name a.example.com;
                include snippets/tls.conf;
            }
            """,
            "snippets/tls.conf": """
            ssl_certificate /etc/ssl/shared.pem;
            ssl_certificate_key /etc/ssl/shared.key;
            """,
        },
    )
    assert config.problems == ()
    blocks = [(Path(s.file).name, s.line, s.sni_name) for s in config.servers]
    assert blocks == [("a.conf", 2, "a.example.com"), ("b.conf", 1, "b.example.com")]
    snippet = str(tmp_path / "snippets/tls.conf")
    for server in config.servers:
        (pair,) = server.certificates
        assert (pair.certificate, pair.file, pair.line) == ("/etc/ssl/shared.pem", snippet, 1)
    assert sorted(Path(f).name for f in config.files) == [
        "a.conf", "b.conf", "nginx.conf", "tls.conf"
    ]  # fmt: skip


def test_certificates_inherited_from_the_http_level_and_two_pairs(tmp_path: Path) -> None:
    """A block without ssl_certificate takes the http level's (both pairs, RSA and ECDSA,
    paired n-th with n-th); a block with its own keeps only its own; a plain HTTP block
    is no TLS server even though it inherits them."""
    config = read(
        tmp_path,
        {
            "nginx.conf": """
            http {
                ssl_certificate rsa.pem;
                ssl_certificate_key rsa.key;
                ssl_certificate ecdsa.pem;
                ssl_certificate_key ecdsa.key;
                server { listen 80; }
                server { listen 443 ssl; server_name inherits.example.com; }
                server {
                    listen 8443 ssl;
                    server_name own.example.com;
                    ssl_certificate own.pem;
                    ssl_certificate_key own.key;
                }
            }
            """
        },
    )
    inherits, own = config.servers
    pairs = [(Path(p.certificate).name, Path(p.key).name, p.inherited, p.line)
             for p in inherits.certificates]  # fmt: skip
    assert pairs == [("rsa.pem", "rsa.key", True, 2), ("ecdsa.pem", "ecdsa.key", True, 4)]
    assert [(Path(p.certificate).name, p.inherited) for p in own.certificates] == [
        ("own.pem", False)
    ]
    assert config.all_problems == ()


def test_ssl_on_and_a_socket_shared_with_an_ssl_listen(tmp_path: Path) -> None:
    """``ssl on`` makes a block TLS; so does a plain ``listen 443`` on the socket another
    block declares with ``ssl`` (nginx sets ssl per address and port)."""
    config = read(
        tmp_path,
        {
            "nginx.conf": """
            http {
                ssl_certificate shared.pem;
                ssl_certificate_key shared.key;
                server { listen 443 ssl; server_name one.example.com; }
                server { listen 443; server_name two.example.com; }
                server { listen 127.0.0.3:443; server_name other-socket.example.com; }
                server { listen 8443; ssl on; server_name legacy.example.com; }
                server { listen 9443 quic; server_name h3.example.com; }
                server { listen 9443; server_name tcp-beside-quic.example.com; }
            }
            """
        },
    )
    names = [s.sni_name for s in config.servers]
    assert names == ["one.example.com", "two.example.com", "legacy.example.com", "h3.example.com"]


def test_variables_and_missing_keys_are_named_not_checked(tmp_path: Path) -> None:
    """A path with variables is not checkable (nginx picks it per handshake); a certificate
    without a key, a TLS block without a certificate and a certificate on a plain listen
    are problems of their block, with file and line."""
    conf = tmp_path / "nginx.conf"
    config = read(
        tmp_path,
        {
            "nginx.conf": """
            http {
                server {
                    listen 443 ssl;
                    ssl_certificate /etc/ssl/$ssl_server_name.pem;
                    ssl_certificate_key /etc/ssl/$ssl_server_name.key;
                }
                server { listen 8443 ssl; ssl_certificate a.pem; }
                server { listen 9443 ssl; server_name nothing.example.com; }
                server { listen 10443 ssl; ssl_reject_handshake on; }
                server { listen 80; ssl_certificate plain.pem; ssl_certificate_key plain.key; }
            }
            """
        },
    )
    variables, no_key, no_cert, rejects, plain = config.servers
    assert not variables.certificates[0].checkable
    assert variables.certificates[0].certificate == "/etc/ssl/$ssl_server_name.pem"
    assert [(p.kind, p.where) for p in variables.problems] == [
        (Kind.NOT_CHECKABLE, f"{conf}:4"),
        (Kind.NOT_CHECKABLE, f"{conf}:5"),
    ]
    assert "variables" in variables.problems[0].message
    assert [(p.kind, p.where) for p in no_key.problems] == [(Kind.NO_KEY, f"{conf}:7")]
    assert no_key.certificates[0].key == ""
    assert [(p.kind, p.where) for p in no_cert.problems] == [(Kind.NO_CERTIFICATE, f"{conf}:8")]
    assert rejects.rejects_handshake and rejects.problems == ()
    assert [p.kind for p in plain.problems] == [Kind.NOT_TLS]
    assert not plain.listens[0].ssl and plain.tls_listens == ()


def test_a_stream_server_with_tls(tmp_path: Path) -> None:
    """TLS termination in ``stream`` is read the same way, certificates inherited too."""
    config = read(
        tmp_path,
        {
            "nginx.conf": """
            stream {
                ssl_certificate stream.pem;
                ssl_certificate_key stream.key;
                server { listen 127.0.0.1:5443 ssl; proxy_pass 127.0.0.1:5000; }
                server { listen 5000; proxy_pass 127.0.0.1:6000; }
            }
            """
        },
    )
    server = only(config)
    assert (server.context, server.listens[0].port, server.sni_name) == ("stream", 5443, "")
    assert server.certificates[0].inherited


def test_a_missing_include_an_unreadable_file_and_a_parse_error(tmp_path: Path) -> None:
    """Each is a problem with where it is; what could be read is still read."""
    conf = tmp_path / "nginx.conf"
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "dir.conf").mkdir()  # a directory the glob matches: unreadable
    config = read(
        tmp_path,
        {
            "nginx.conf": """
            http {
                include missing.conf;
                include sites/*.conf;
                server { listen 443 ssl; ssl_certificate ok.pem; ssl_certificate_key ok.key; }
            }
            """,
            "sites/broken.conf": """
            server {
                listen 8443 ssl;
                ssl_certificate broken.pem
            }
            """,
        },
    )
    kinds = {(p.kind, p.where) for p in config.problems}
    assert (Kind.MISSING_FILE, f"{conf}:2") in kinds
    assert (Kind.UNREADABLE, str(tmp_path / "sites/dir.conf")) in kinds
    assert (Kind.PARSE_ERROR, f"{tmp_path / 'sites/broken.conf'}:3") in kinds
    missing = next(p for p in config.problems if p.kind is Kind.MISSING_FILE)
    assert missing.message == f"include {tmp_path / 'missing.conf'}: No such file or directory"
    broken = next(p for p in config.problems if p.kind is Kind.PARSE_ERROR)
    assert 'not terminated by ";"' in broken.message
    # the block with the broken directive is still read, without what could not be parsed
    broken_block, ok = config.servers
    assert [p.kind for p in broken_block.problems] == [Kind.NO_CERTIFICATE]
    assert (broken_block.listens[0].port, ok.listens[0].port) == (8443, 443)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("http { server { listen 443 ssl; }\n", 'expecting "}"'),
        ('http { server { ssl_certificate "a.pem; } }\n', 'expecting """'),
        ("events {}\nuser nobody", 'directive "user" is not terminated by ";"'),
        ("http { server { listen 443 ssl; } } }\n", 'unexpected "}"'),
        ("\x00\xff garbage {{{\n", ""),
    ],
)
def test_syntax_errors_are_values_with_a_line(tmp_path: Path, text: str, why: str) -> None:
    """Unbalanced braces, an unclosed quote, a last directive without ``;``, garbage: a
    parse error naming the file (and the line when there is one), no exception."""
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    config = read_config(conf)
    (problem,) = config.problems
    assert (problem.kind, problem.file) == (Kind.PARSE_ERROR, str(conf))
    assert why in problem.message and (problem.line is not None or not why)


def test_a_missing_configuration_and_an_include_cycle(tmp_path: Path) -> None:
    """No configuration file: one problem. A file that includes itself: read once, the
    cycle named."""
    missing = read_config(tmp_path / "nowhere.conf")
    assert [(p.kind, p.message) for p in missing.problems] == [
        (Kind.MISSING_FILE, "cannot read it: No such file or directory")
    ]
    config = read(
        tmp_path,
        {
            "nginx.conf": "http { include loop.conf; }\n",
            "loop.conf": "include loop.conf;\nserver { listen 443 ssl; ssl_certificate a.pem; "
            "ssl_certificate_key a.key; }\n",
        },
    )
    assert [p.kind for p in config.problems] == [Kind.PARSE_ERROR]
    assert "includes itself" in config.problems[0].message
    assert len(config.servers) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_include_without_read_permission(tmp_path: Path) -> None:
    """An included file nginx may not read is named as unreadable."""
    conf = tree(tmp_path, {"nginx.conf": "http { include secret.conf; }\n", "secret.conf": ""})
    (tmp_path / "secret.conf").chmod(0)
    (problem,) = read_config(conf).problems
    assert problem.kind is Kind.UNREADABLE and "Permission denied" in problem.message


def test_server_names_usable_as_sni() -> None:
    """The first plain name: ``_``, "", regular expressions and wildcards are skipped,
    ``.example.com`` stands for example.com."""

    def sni(*names: str) -> str:
        return NginxServer("f", 1, "http", names, (), ()).sni_name

    assert sni("_", "", "~^www\\d+\\.example\\.com$", "*.example.com", "www.example.com") == (
        "www.example.com"
    )
    assert sni(".example.com") == "example.com"
    assert sni("_") == ""
