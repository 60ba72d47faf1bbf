"""An intranet page saved from the browser (round 42): the site's banner menu and link footer are not content (they
were in every page's first and last chunk), but a page footer that says who wrote the page is."""

from __future__ import annotations

from ragtune.appliance.ingest.loaders import LOADER_VERSIONS, load_file

_MENU = ('<ul class="menu"><li><a href="/">Home</a></li><li><a href="/hr">Human Resources</a></li>'
         '<li><a href="/it">IT Desk</a></li><li><a href="/canteen">Canteen</a></li></ul>')


def _text(tmp_path, html: str, name: str = "page.html"):
    p = tmp_path / name
    p.write_text(html, encoding="utf-8")
    return load_file(p)


def test_a_page_banner_that_is_a_menu_is_dropped(tmp_path):
    d = _text(tmp_path, f"<title>Canteen</title><body><header><div class='logo'>FHL</div>{_MENU}</header>"
                        "<main><h1>Canteen</h1><p>Opens at 07:30.</p></main></body>")
    assert d.text == "# Canteen\n\nOpens at 07:30."


def test_the_h1_of_a_menu_banner_stays(tmp_path):
    d = _text(tmp_path, f"<body><header><h1>Staff handbook</h1>{_MENU}</header><p>Welcome aboard.</p></body>")
    assert d.text == "# Staff handbook\n\nWelcome aboard." and d.title == "Staff handbook"


def test_a_link_footer_is_dropped_and_a_cookie_banner_in_it_too(tmp_path):
    d = _text(tmp_path, "<body><main><p>Platters serve eight.</p></main><footer><a href='/p'>Privacy policy</a> · "
                        "<a href='/a'>Accessibility</a> · <a href='/c'>Contact us</a>"
                        "<div id='cookie-banner'>We use cookies. <button>Accept</button></div></footer></body>")
    assert d.text == "Platters serve eight."


def test_a_footer_that_says_who_wrote_the_page_is_kept(tmp_path):
    # the bundled medical corpus asks "which consultant wrote the guide": the answer is in the page footer
    d = _text(tmp_path, "<body><main><p>Fast from midnight.</p></main><footer><p>Leaflet DSU-3. Written by Mr Ivo "
                        "Brandt, consultant. Review date: October 2026. <a href='/privacy'>Privacy</a></p>"
                        "<div class='cookie-banner'>We use cookies.</div></footer></body>")
    assert d.text == "Fast from midnight.\n\nLeaflet DSU-3. Written by Mr Ivo Brandt, consultant. Review date: " \
                     "October 2026. Privacy"


def test_an_articles_own_header_and_footer_are_content(tmp_path):
    d = _text(tmp_path, "<body><article><header><a href='/news'>News</a> <a href='/n/1'>Roof repairs</a></header>"
                        "<p>The roof is fixed.</p><footer><a href='/tags/site'>Site</a></footer></article></body>")
    assert "News Roof repairs" in d.text and "Site" in d.text


def test_aria_landmarks_on_divs_count_as_banner_and_footer(tmp_path):
    d = _text(tmp_path, f"<body><div role='banner'>{_MENU}</div><p>Body text.</p>"
                        "<div role='contentinfo'><a href='/terms'>Terms of use</a></div></body>")
    assert d.text == "Body text."


def test_a_banner_never_closed_keeps_its_text(tmp_path):
    d = _text(tmp_path, f"<body><header>{_MENU}<p>The rest of a broken page.</p></body>")
    assert "The rest of a broken page." in d.text


def test_a_nested_header_does_not_end_the_banner_early(tmp_path):
    d = _text(tmp_path, f"<body><header><header><a href='/'>Home</a></header>{_MENU}</header><p>Body.</p></body>")
    assert d.text == "Body."


def test_html_loader_version_was_bumped():
    assert LOADER_VERSIONS["html"] >= 8
