"""The URL builder's query strings: what urlencode would write, for any value."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from newsfeed import urls

values = st.one_of(st.none(), st.integers(min_value=0, max_value=10**6), st.text(max_size=30))


@given(q=values, page=values)
def test_query_is_what_urlencode_writes(q: object, page: object) -> None:
    built = urls.search("ko", q, page)  # type: ignore[arg-type]
    given_params = {k: v for k, v in (("q", q), ("page", page)) if v not in (None, "", 1)}
    expected = "?" + urlencode(given_params, quote_via=quote) if given_params else ""
    assert built == "/ko/search" + expected
    assert parse_qsl(urlsplit(built).query) == [(k, str(v)) for k, v in given_params.items()]


def test_defaults_leave_no_query() -> None:
    assert urls.board("en") == "/en/"
    assert urls.board("en", page=1, category=None) == "/en/"
    assert urls.board("en", page=2, category="news") == "/en/?page=2&category=news"
    assert urls.desk_login(next_page="/desk/?lang=en&state=stale") == (
        "/desk/login?next=%2Fdesk%2F%3Flang%3Den%26state%3Dstale"
    )
