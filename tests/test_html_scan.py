"""scan_page: mixed content, the upgrade meta tag and the title, from untrusted HTML."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.model import MixedRef
from layerscope.net.page_scan import MAX_TITLE, MAX_URL, csp_upgrades, scan_page, srcset_urls


def refs(html: str) -> list[tuple[str, str, str, bool]]:
    """The mixed refs of ``html`` as plain tuples."""
    return [(r.element, r.attribute, r.url, r.active) for r in scan_page(html).mixed]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<script src="http://a.test/x.js"></script>', ("script", "src", True)),
        ('<link rel="stylesheet" href="http://a.test/s.css">', ("link", "href", True)),
        ('<link rel="alternate StyleSheet" href="http://a.test/s.css">', ("link", "href", True)),
        ('<link rel="preload" as="script" href="http://a.test/p.js">', ("link", "href", True)),
        ('<link rel="preload" as="style" href="http://a.test/p.css">', ("link", "href", True)),
        ('<link rel="modulepreload" href="http://a.test/m.js">', ("link", "href", True)),
        ('<iframe src="http://a.test/f"></iframe>', ("iframe", "src", True)),
        ('<frameset><frame src="http://a.test/f"></frameset>', ("frame", "src", True)),
        ('<form action="http://a.test/post"></form>', ("form", "action", True)),
        ('<object data="http://a.test/o.swf"></object>', ("object", "data", True)),
        ('<embed src="http://a.test/e.swf">', ("embed", "src", True)),
        ('<img src="http://a.test/i.png">', ("img", "src", False)),
        ('<img srcset="http://a.test/i.png 2x">', ("img", "srcset", False)),
        ('<picture><source srcset="http://a.test/p.webp"></picture>', ("source", "srcset", False)),
        ('<audio src="http://a.test/a.mp3"></audio>', ("audio", "src", False)),
        ('<audio><source src="http://a.test/a.ogg"></audio>', ("source", "src", False)),
        ('<video src="http://a.test/v.mp4"></video>', ("video", "src", False)),
        ('<video poster="http://a.test/p.jpg"></video>', ("video", "poster", False)),
        ('<video><source src="http://a.test/v.webm"></video>', ("source", "src", False)),
        ('<video><track src="http://a.test/t.vtt"></video>', ("track", "src", False)),
    ],
)
def test_each_subresource_attribute_is_found_with_its_kind(
    html: str, expected: tuple[str, str, bool]
) -> None:
    """Every listed element/attribute with an http:// URL gives one ref, active or passive."""
    found = scan_page(html).mixed
    assert len(found) == 1
    ref = found[0]
    assert (ref.element, ref.attribute, ref.active) == expected
    assert ref.url.startswith("http://a.test/")


@pytest.mark.parametrize(
    "html",
    [
        '<link rel="icon" href="http://a.test/favicon.ico">',
        '<link rel="preload" as="image" href="http://a.test/i.png">',
        '<link rel="canonical" href="http://a.test/">',
        '<a href="http://a.test/">link</a>',
        '<source src="http://a.test/orphan.mp4">',
        '<picture><source src="http://a.test/no-srcset.png"></picture>',
        '<video><source srcset="http://a.test/wrong-attr.png"></video>',
        '<script data-src="http://a.test/lazy.js"></script>',
    ],
)
def test_links_and_unfetched_attributes_are_not_mixed_content(html: str) -> None:
    """Navigation links, icons, other preloads and attributes browsers do not fetch: none."""
    assert scan_page(html).mixed == ()


@pytest.mark.parametrize(
    "url",
    [
        "https://a.test/x.js",
        "//a.test/x.js",
        "/x.js",
        "x.js",
        "data:text/javascript,1",
        "blob:https://a.test/1",
        "javascript:void(0)",
        "",
    ],
)
def test_secure_relative_and_data_urls_are_ignored(url: str) -> None:
    """https, protocol-relative, relative, data:, blob:, javascript: and empty URLs are fine."""
    assert scan_page(f'<script src="{url}"></script><img src="{url}">').mixed == ()


def test_scheme_is_case_insensitive_and_browser_whitespace_is_ignored() -> None:
    """HTTP://, leading spaces and embedded tabs/newlines still make an http:// URL."""
    html = '<img src="HTTP://a.test/1.png"><img src="  http://a.test/2.png"><img src="ht\ntp://a.test/3">'
    assert [r.url for r in scan_page(html).mixed] == [
        "HTTP://a.test/1.png",
        "http://a.test/2.png",
        "http://a.test/3",
    ]


def test_entities_in_attribute_values_are_decoded() -> None:
    """&#104;ttp:// is http:// once the parser decodes the character reference."""
    assert refs('<img src="&#104;ttp://a.test/x.png?a=1&amp;b=2">') == [
        ("img", "src", "http://a.test/x.png?a=1&b=2", False)
    ]


def test_http_base_makes_later_relative_urls_insecure() -> None:
    """After <base href="http://...">, relative and protocol-relative URLs are resolved and
    reported; those before the base element are not."""
    html = (
        '<img src="before.png"><base href="http://cdn.test/assets/">'
        '<script src="app.js"></script><img src="//other.test/x.png"><img src="/root.png">'
        '<img src="https://secure.test/y.png">'
    )
    assert refs(html) == [
        ("script", "src", "http://cdn.test/assets/app.js", True),
        ("img", "src", "http://other.test/x.png", False),
        ("img", "src", "http://cdn.test/root.png", False),
    ]


def test_only_the_first_base_counts() -> None:
    """A second <base> is ignored, as browsers do."""
    html = '<base href="https://a.test/"><base href="http://b.test/"><img src="x.png">'
    assert scan_page(html).mixed == ()


def test_https_or_relative_base_keeps_relative_urls_secure() -> None:
    """A base that is https or itself relative does not make anything insecure."""
    assert scan_page('<base href="/static/"><img src="x.png">').mixed == ()
    assert scan_page('<base href="https://a.test/"><img src="x.png">').mixed == ()


def test_srcset_lists_yield_every_http_url() -> None:
    """Each candidate of a srcset is checked; descriptors and commas in URLs are handled."""
    html = (
        '<img srcset="http://a.test/1.png 1x, https://a.test/2.png 2x,'
        'http://a.test/3,4.png 3x,http://a.test/5.png">'
    )
    assert [r.url for r in scan_page(html).mixed] == [
        "http://a.test/1.png",
        "http://a.test/3,4.png",
        "http://a.test/5.png",
    ]


def test_srcset_parsing_follows_the_standard() -> None:
    """URLs end at whitespace; trailing commas end a candidate; descriptors are skipped."""
    assert list(srcset_urls("a.png,b.png")) == ["a.png,b.png"]
    assert list(srcset_urls("a.png, b.png")) == ["a.png", "b.png"]
    assert list(srcset_urls("a.png 100w, b.png 200w ,c.png")) == ["a.png", "b.png", "c.png"]
    assert list(srcset_urls(" , ,")) == []
    assert list(srcset_urls("a.png (x, y) 1x, b.png")) == ["a.png", "b.png"]


def test_duplicates_are_reported_once() -> None:
    """The same element, attribute and URL twice is one ref."""
    html = '<img src="http://a.test/x.png"><img src="http://a.test/x.png">'
    assert len(scan_page(html).mixed) == 1


def test_refs_keep_document_order() -> None:
    """Refs come in the order they appear in the page."""
    html = '<img src="http://a.test/1"><script src="http://a.test/2"></script><img src="http://a.test/3">'
    assert [r.url[-1] for r in scan_page(html).mixed] == ["1", "2", "3"]


def test_collecting_stops_at_the_limit() -> None:
    """At most ``limit`` refs are kept, the first ones."""
    html = "".join(f'<img src="http://a.test/{i}.png">' for i in range(500))
    assert len(scan_page(html).mixed) == 200
    limited = scan_page(html, limit=3).mixed
    assert [r.url for r in limited] == [f"http://a.test/{i}.png" for i in range(3)]
    assert scan_page(html, limit=0).mixed == ()


def test_upgrade_meta_in_head_is_found() -> None:
    """<meta http-equiv=Content-Security-Policy> with upgrade-insecure-requests in the head."""
    html = (
        "<html><head>"
        '<META HTTP-EQUIV="content-security-policy" '
        'content="default-src https:; Upgrade-Insecure-Requests">'
        "</head><body></body></html>"
    )
    assert scan_page(html).upgrade_meta


def test_upgrade_meta_without_head_tags_still_counts() -> None:
    """A page starting with the meta tag (implied head) has the upgrade."""
    html = '<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests"><p>x'
    assert scan_page(html).upgrade_meta


UPGRADE_META = '<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">'


@pytest.mark.parametrize(
    "html",
    [
        "<body>" + UPGRADE_META,
        "text" + UPGRADE_META,
        "<div></div>" + UPGRADE_META,
        UPGRADE_META.replace("Policy", "Policy-Report-Only"),
        UPGRADE_META.replace("http-equiv", "name"),
        UPGRADE_META.replace("upgrade-insecure-requests", "default-src https:"),
        UPGRADE_META.replace("upgrade-insecure-requests", "script-src upgrade-insecure-requests"),
    ],
)
def test_upgrade_meta_not_in_effect(html: str) -> None:
    """Meta outside the head, report-only, name= instead of http-equiv, or no such directive."""
    assert not scan_page(html).upgrade_meta


def test_csp_directive_parsing() -> None:
    """The directive counts as a directive name in any policy of a comma-separated list."""
    assert csp_upgrades("upgrade-insecure-requests")
    assert csp_upgrades("default-src 'self' ; UPGRADE-INSECURE-REQUESTS ")
    assert csp_upgrades("default-src 'self', upgrade-insecure-requests")
    assert not csp_upgrades("default-src upgrade-insecure-requests")
    assert not csp_upgrades("")


def test_title_is_first_title_with_whitespace_collapsed() -> None:
    """The first <title> text, entities decoded, whitespace collapsed; tags inside are text."""
    html = "<title>\n  Shop &amp; Co\t<b>sale</b> </title><title>second</title>"
    assert scan_page(html).title == "Shop & Co sale"


def test_unclosed_title_still_gives_its_text() -> None:
    """A title never closed yields the text that followed it."""
    assert scan_page("<title>Half a title").title.startswith("Half")


def test_huge_title_is_capped() -> None:
    """The title is cut at MAX_TITLE characters."""
    assert len(scan_page("<title>" + "t" * 100_000 + "</title>").title) == MAX_TITLE


def test_tags_inside_raw_text_elements_are_not_fetched() -> None:
    """Markup inside <title>, <textarea>, <noscript> or an iframe's content is text."""
    html = (
        '<title><img src="http://a.test/1"></title>'
        '<textarea><img src="http://a.test/2"></textarea>'
        '<noscript><img src="http://a.test/3"></noscript>'
        '<iframe src="https://ok.test/"><img src="http://a.test/4"></iframe>'
        "<script>document.write('<img src=\"http://a.test/5\">')</script>"
        '<!-- <img src="http://a.test/6"> -->'
        '<img src="http://a.test/7">'
    )
    assert [r.url for r in scan_page(html).mixed] == ["http://a.test/7"]


def test_huge_attribute_value_is_capped_in_the_ref() -> None:
    """A megabyte-long URL is kept as its first MAX_URL characters, ending with an ellipsis."""
    ref = scan_page('<img src="http://a.test/' + "a" * (1 << 20) + '">').mixed[0]
    assert len(ref.url) == MAX_URL
    assert ref.url.endswith("…")


@pytest.mark.parametrize(
    "html",
    [
        '<img src="http://a.test/x.png"',  # tag cut at end of input
        "<div><p><span><img src='http://a.test/x.png'>",  # unclosed elements
        "<![if !IE]><img src='http://a.test/x.png'><![endif]>",
        "<![foo[ unknown marked section ]]><img src='http://a.test/x.png'>",
        "<![ bogus ]><img src='http://a.test/x.png'>",
        "<!DOCTYPE html PUBLIC '-//W3C//DTD' 'x'><img src=http://a.test/x.png>",
        "</><//><a\x00b><img src=http://a.test/x.png>",
        "\ufffd\ufffd<\ufffd<img src=http://a.test/x.png>",
        "<svg><image href='http://a.test/x.png'/></svg><img src='http://a.test/x.png'/>",
        "<img src=http://a.test/x.png src=https://ok.test/>",
    ],
)
def test_malformed_html_never_crashes(html: str) -> None:
    """Broken markup gives a result, and a complete img tag in it is still found."""
    result = scan_page(html)
    urls = [r.url for r in result.mixed]
    if html.startswith('<img src="http://a.test/x.png"'):
        assert urls == []  # a tag cut by the end of input is dropped, as browsers do
    else:
        assert urls == ["http://a.test/x.png"]


def test_garbage_bytes_decoded_with_replacement_never_crash() -> None:
    """Random bytes decoded with errors="replace" scan without error."""
    blob = bytes(range(256)) * 64 + b"<img src=http://a.test/x.png>" + bytes(range(255, -1, -1))
    result = scan_page(blob.decode("utf-8", errors="replace"))
    assert [r.url for r in result.mixed] == ["http://a.test/x.png"]


@pytest.mark.parametrize(
    "html",
    [
        "<!--" * 250_000,  # quadratic in HTMLParser.close(), which is never called
        "<a " * 330_000,
        "<![CDATA[" * 100_000,
        '<a b="' + "x" * (1 << 20),
        "&#x" * 330_000,
        "<script>" + "</scrip" * 140_000,
    ],
)
def test_one_mebibyte_of_pathological_markup_is_scanned_quickly(html: str) -> None:
    """Inputs that make parsers rescan stay linear: a MiB in well under a few seconds."""
    started = time.perf_counter()
    scan_page(html)
    assert time.perf_counter() - started < 3


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=0, max_value=5))
def test_arbitrary_text_never_crashes_and_respects_the_limit(text: str, limit: int) -> None:
    """Any text scans without error and yields at most ``limit`` refs."""
    result = scan_page(text, limit=limit)
    assert len(result.mixed) <= limit
    assert all(isinstance(r, MixedRef) for r in result.mixed)


_TAGS = st.sampled_from(["img", "script", "link", "base", "source", "video", "picture", "title"])
_ATTRS = st.sampled_from(["src", "srcset", "href", "rel", "as", "poster", "data", "action"])
_VALUES = st.sampled_from(
    ["http://a.test/x", "stylesheet", "//b.test/y", "z.png", "http://c.test/1 1x, http://d/2"]
)


@st.composite
def _markup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        tag = draw(_TAGS)
        attrs = " ".join(
            f'{draw(_ATTRS)}="{draw(_VALUES)}"' for _ in range(draw(st.integers(0, 3)))
        )
        closing = draw(st.sampled_from(["", f"</{tag}>", "<", "<!--", '"']))
        parts.append(f"<{tag} {attrs}>{closing}")
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(_markup(), st.integers(min_value=0, max_value=4))
def test_tag_soup_yields_only_http_urls_within_the_limit(html: str, limit: int) -> None:
    """Random tag soup of the relevant elements: refs are http:// URLs, at most ``limit``."""
    result = scan_page(html, limit=limit)
    assert len(result.mixed) <= limit
    assert all(r.url.lower().startswith("http://") for r in result.mixed)
