"""Config files and option values: precedence, relative files, aliases, and the message for
each bad value (from a TOML file or the command line: exit 3, one line, no traceback)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from layerscope.commands.config import ConfigError, apply, load_config, requests_from_args
from layerscope.commands.main import build_parser, main
from layerscope.model.options import CheckOptions, Endpoint


def write(tmp_path: Path, text: str) -> Path:
    """A config file holding ``text``."""
    path = tmp_path / "layerscope.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_site_entries_override_defaults_and_the_command_line_overrides_both(
    tmp_path: Path,
) -> None:
    """built-in < [defaults] < [[site]] < command line, per site."""
    path = write(
        tmp_path,
        '[defaults]\nport = 444\nwarn_days = 30\nresolver = ["192.0.2.53"]\n'
        '[[site]]\nhost = "a.test"\nport = 555\n'
        '[[site]]\nhost = "b.test"\n',
    )
    a, b = load_config(path, {"warn_days": 40})
    assert (a.host, a.options.port, a.options.warn_days) == ("a.test", 555, 40)
    assert (b.host, b.options.port, b.options.warn_days) == ("b.test", 444, 40)
    assert a.options.resolvers == b.options.resolvers == (Endpoint("192.0.2.53"),)
    assert a.options.crit_days == CheckOptions().crit_days


def test_only_options_typed_on_the_command_line_override_the_config(tmp_path: Path) -> None:
    """Options not given on the command line leave the config's values alone."""
    path = write(tmp_path, '[defaults]\ntimeout = 2\n[[site]]\nhost = "a.test"\nport = 8443\n')
    ns = build_parser().parse_args(["check", "--config", str(path), "--warn-days", "9"])
    (request,) = requests_from_args(ns)
    assert (request.options.timeout, request.options.port, request.options.warn_days) == (
        2.0,
        8443,
        9,
    )


def test_files_are_relative_to_the_config_and_store_names_stay(tmp_path: Path) -> None:
    """Relative CA files are found next to the config; certifi/system and ~ are kept/expanded;
    on the command line a relative file stays relative (to the working directory)."""
    path = write(
        tmp_path,
        '[[site]]\nhost = "a.test"\nca_bundle = "system"\n'
        'extra_ca = ["corp.pem", "/abs/other.pem"]\nalt_ca_bundle = "~/legacy.pem"\n',
    )
    (site,) = load_config(path, {})
    assert site.options.ca_bundle == "system"
    assert site.options.extra_ca == (str(tmp_path.resolve() / "corp.pem"), "/abs/other.pem")
    assert site.options.alt_ca_bundle == str(Path("~/legacy.pem").expanduser())
    ns = build_parser().parse_args(["check", "a.test", "--extra-ca", "corp.pem"])
    assert requests_from_args(ns)[0].options.extra_ca == ("corp.pem",)


def test_keys_may_use_hyphens_and_plural_field_names(tmp_path: Path) -> None:
    """``warn-days`` = ``warn_days``; ``edges``/``resolvers`` = ``edge``/``resolver``; a
    single string is a one-element list; host and name are not options."""
    options = apply(
        CheckOptions(),
        {
            "warn-days": 3,
            "edges": ["192.0.2.1", "[2001:db8::1]"],
            "resolvers": "192.0.2.53:5353",
            "ecs": " 203.0.113.0/24 ",
            "host": "x.test",
            "name": "x",
            "sni": None,
        },
    )
    assert options.warn_days == 3
    assert options.edges == (Endpoint("192.0.2.1"), Endpoint("2001:db8::1"))
    assert options.resolvers == (Endpoint("192.0.2.53", 5353),)
    assert options.ecs == ("203.0.113.0/24",)
    assert options.sni is None


def test_values_are_normalised() -> None:
    """The page path gets its slash, --at is UTC, a TOML date-time is taken as it is."""
    options = apply(CheckOptions(), {"path": " health ", "at": "2026-01-01T02:00:00+02:00"})
    assert options.path == "/health"
    assert options.at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    moment = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    assert apply(CheckOptions(), {"at": moment, "path": ""}).at == moment
    assert apply(CheckOptions(), {"path": ""}).path == "/"
    assert apply(CheckOptions(), {"family": 6, "http": 0, "timeout": 3}).timeout == 3.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"port": True}, "port must be a number"),
        ({"port": "443"}, "port must be a number"),
        ({"port": -1}, "port must not be negative"),
        ({"port": 0}, "port must be 1-65535"),
        ({"port": 70000}, "port must be 1-65535"),
        ({"edge": 5}, "edge must be a string or a list of strings"),
        ({"edge": ["x.test"]}, "invalid edge 'x.test': give an IP address (IP[:PORT])"),
        ({"edge": ["192.0.2.1:0"]}, "invalid edge '192.0.2.1:0': port must be 1-65535"),
        (
            {"origin": "https://o.test:8443/"},
            "invalid origin 'https://o.test:8443/': not a URL, give HOST[:PORT]: o.test:8443",
        ),
        ({"resolver": "r.test"}, "invalid resolver 'r.test': give an IP address"),
        ({"resolver": "[::1"}, "invalid resolver '[::1': missing ']'"),
        ({"warn-days": -2}, "warn-days must not be negative"),
        ({"warn_days": "x"}, "warn_days must be a number"),
        ({"timeout": 0}, "timeout must be positive"),
        ({"timeout": -1}, "timeout must not be negative"),
        ({"concurrency": 0}, "concurrency must be at least 1"),
        ({"family": 5}, "family must be 4, 6 or 0 (both)"),
        ({"family": True}, "family must be 4, 6 or 0 (both)"),
        ({"at": "nope"}, "invalid --at 'nope': use ISO 8601, e.g. 2026-12-01T09:00Z"),
        (
            {"ecs": ["bad"]},
            "invalid ECS subnet 'bad': give an IP network such as 203.0.113.0/24 or 2001:db8::/56",
        ),
        ({"path": "a\tb"}, "invalid path 'a\\tb'"),
        ({"origin": "[::1"}, "invalid origin '[::1': missing ']'"),
        ({"origin": "127.0.0.1:99999"}, "invalid origin '127.0.0.1:99999': port must be 1-65535"),
        ({"extra_ca": [1]}, "extra_ca must be a string or a list of strings"),
        ({"format": "json"}, "unknown option 'format'"),
        ({"config": "x.toml"}, "unknown option 'config'"),
        ({"bogus": 1}, "unknown option 'bogus'"),
    ],
)
def test_bad_config_values_are_named(values: dict[str, Any], message: str) -> None:
    """Each bad value gets its message, naming the key as written."""
    with pytest.raises(ConfigError) as exc:
        apply(CheckOptions(), values)
    assert str(exc.value) == message


def test_errors_say_where(tmp_path: Path) -> None:
    """A bad site entry names the file and the site; a bad [defaults] value is named as is;
    a broken file says what is wrong with it."""
    path = write(tmp_path, '[[site]]\nhost = "a.test"\nwarn_days = "x"\n')
    with pytest.raises(ConfigError, match=r"layerscope\.toml: site a\.test: warn_days must be"):
        load_config(path, {})
    write(tmp_path, '[defaults]\nport = 0\n[[site]]\nhost = "a.test"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path, {})
    assert str(exc.value) == "port must be 1-65535"
    for text, words in [
        ('[[site]]\nname = "a"\n', '[[site]] number 1 needs host = "name"'),
        ("site = 5\n", "expected a [defaults] table and [[site]] entries"),
        ("[defaults]\n", "has no [[site]] entries"),
        ("not toml [", "is not valid TOML"),
    ]:
        write(tmp_path, text)
        with pytest.raises(ConfigError) as exc:
            load_config(path, {})
        assert words in str(exc.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "port must be 1-65535"),
        (["--timeout", "0"], "timeout must be positive"),
        (["--concurrency", "0"], "concurrency must be at least 1"),
        (["--at", "nope"], "invalid --at 'nope': use ISO 8601, e.g. 2026-12-01T09:00Z"),
        (["--path", "a b"], "invalid path 'a b'"),
        (["--edge", "host.test"], "invalid edge 'host.test': give an IP address (IP[:PORT])"),
        (["--edge", "[2001:db8::1"], "invalid edge '[2001:db8::1': missing ']'"),
        (["--resolver", "dns.test"], "invalid resolver 'dns.test': give an IP address"),
        (["--origin", ""], "invalid origin '': empty"),
        (["--config", "x.toml"], "give host names or --config, not both"),
    ],
)
def test_bad_command_line_values_exit_3_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad value on the command line: its message after ``layerscope:``, exit 3."""
    assert main(["check", "example.test", *args]) == 3
    assert capsys.readouterr().err == f"layerscope: {message}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "abc"], "argument --port: invalid int value: 'abc'"),
        (["--timeout", "x"], "argument --timeout: invalid float value: 'x'"),
        (["--warn-days", "-1"], "argument --warn-days: expected one argument"),
        (["-4", "--json", "--summary"], "argument --summary: not allowed with argument --json"),
    ],
)
def test_values_argparse_refuses_are_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a number (or two formats): argparse's usage error, exit 3 (UNKNOWN)."""
    with pytest.raises(SystemExit) as exc:
        main(["check", "example.test", *args])
    assert exc.value.code == 3
    assert f"layerscope check: error: {message}\n" in capsys.readouterr().err


def test_no_host_and_no_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a host, ./layerscope.toml then $XDG_CONFIG_HOME/layerscope/config.toml are
    read; with neither, a clear message and exit 3."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert main(["check"]) == 3
    assert "no HOST given and no config file found (--config FILE)" in capsys.readouterr().err
    home = tmp_path / "xdg" / "layerscope"
    home.mkdir(parents=True)
    (home / "config.toml").write_text('[[site]]\nhost = "xdg.test"\n')
    (request,) = requests_from_args(build_parser().parse_args(["check", "--port", "8443"]))
    assert (request.host, request.options.port) == ("xdg.test", 8443)
    (tmp_path / "layerscope.toml").write_text('[[site]]\nhost = "here.test"\n')
    (request,) = requests_from_args(build_parser().parse_args(["check"]))
    assert request.host == "here.test"
