"""Markdown -> sanitized HTML: what editors may write, and what never gets through."""

from __future__ import annotations

import lxml.html
import pytest

from newsfeed import render


def test_commonmark():
    html = render.markdown_html("# Head\n\n**b** _i_ `c`\n\n1. one\n2. two\n\n> quote")
    doc = lxml.html.fromstring(f"<div>{html}</div>")
    assert doc.xpath("//h2/text()") == ["Head"]  # one level down: see below
    assert doc.xpath("//strong/text()") == ["b"] and doc.xpath("//em/text()") == ["i"]
    assert doc.xpath("//ol/li/text()") == ["one", "two"]
    assert doc.xpath("//blockquote/p/text()") == ["quote"]
    assert render.markdown_html("") == ""


def test_links_and_images_keep_web_urls():
    html = render.markdown_html("[a](https://example.org/x?y=1&z=2) ![i](/img.png) <b>raw</b>")
    doc = lxml.html.fromstring(f"<div>{html}</div>")
    assert doc.xpath("//a/@href") == ["https://example.org/x?y=1&z=2"]
    assert "noopener" in doc.xpath("//a/@rel")[0]
    assert doc.xpath("//img/@src") == ["/img.png"]
    assert doc.xpath("//b/text()") == ["raw"]


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        '<a href="JAVASCRIPT:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<svg onload=alert(1)>",
        '<p style="x" onclick="y">t</p>',
        "<iframe src=//evil></iframe>",
        "<<script>script>alert(1)<</script>/script>",
    ],
)
def test_nothing_active_gets_through(markdown):
    html = render.markdown_html(markdown)
    doc = lxml.html.fromstring(f"<div>{html}</div>")
    assert not doc.xpath("//script | //svg | //iframe | //*[@style]")
    for element in doc.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on")
            assert not value.strip().lower().startswith(("javascript:", "data:"))


def test_body_headings_start_at_h2():
    """The page's title is its one <h1>: Markdown and raw HTML headings go one level down."""
    html = render.markdown_html(
        "# One\n\n## Two\n\n###### Six\n\n<h1 class='x'>Raw</h1>\n\nText <H1>inline</H1>"
        "\n\n`<h1>code</h1>`"
    )
    doc = lxml.html.fromstring(f"<div>{html}</div>")
    assert doc.xpath("//h1") == []
    assert doc.xpath("//h2/text()") == ["One", "Raw", "inline"]
    assert doc.xpath("//h3/text()") == ["Two"]
    assert doc.xpath("//h6/text()") == ["Six"]
    assert doc.xpath("//code/text()") == ["<h1>code</h1>"]  # text, not a heading
