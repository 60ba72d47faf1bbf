"""Round 51: ordinary pages lose nothing to the style-sheet reader (hidden_css). Each page below is written the way a
real site's is (its sheet's patterns: tabs, accordions, FAQ answers a script opens, menus, modals, responsive and
print rules, screen-reader text, inline-block grids, Word/Google Docs exports) and must read the same with its
sheets read as without them."""

from __future__ import annotations

from pathlib import Path

import pytest

import ragtune.appliance.ingest.loaders.web as web
from ragtune.appliance.ingest.loaders.hidden_paint import Paint

JQ = "<script src='/js/jquery.min.js'></script><script src='/js/site.js'></script>"
BS = ".collapse:not(.show){display:none}.fade{opacity:0;transition:opacity .15s linear}.fade.show{opacity:1}" \
     ".tab-content>.tab-pane{display:none}.tab-content>.active{display:block}.d-none{display:none!important}" \
     "@media (min-width:768px){.d-md-block{display:block!important}}.modal{display:none;position:fixed}" \
     ".visually-hidden{position:absolute!important;width:1px!important;height:1px!important;clip:rect(0,0,0,0)}"

PAGES: dict[str, tuple[str, str, str]] = {  # name: (style, body, head extra)
    "blog": ("body{font:16px Georgia}.post-meta{color:#777}.share{display:none}.post:hover .share{display:block}",
             "<article class='post'><h1>Moving our office</h1><p class='post-meta'>March 3</p><p>We move on May 1."
             "</p><div class='share'><a href='#'>Share on the intranet</a></div></article>", ""),
    "docs-nav-toggle": (".collapsed{display:none}.menu-open .collapsed{display:block}nav ul{margin:0}",
                        "<nav><ul class='collapsed'><li><a href='/a'>Setup</a></li></ul></nav><main><h1>Setup</h1>"
                        "<p>Install the agent with the package manager.</p></main>", JQ),
    "faq-accordion-script": (".faq-answer{display:none}.faq-question{cursor:pointer;font-weight:bold}",
                             "<h1>FAQ</h1><div class='faq'><div class='faq-question'>How many days of leave?</div>"
                             "<div class='faq-answer'>Twenty-five days a year.</div></div>", JQ),
    "faq-inline-toggle": (".a{display:none}", "<h1>FAQ</h1><dl><dt onclick='t(1)'>Parking?</dt><dd class='a' id='a1'>"
                          "Level -2, badge required.</dd></dl>",
                          "<script>function t(n){document.getElementById('a'+n).style.display='block'}</script>"),
    "faq-aria": (".panel-body-x{display:none}",
                 "<button aria-expanded='false' aria-controls='p1'>Who approves travel?</button>"
                 "<div id='p1' class='panel-body-x'>Your line manager approves travel.</div>", JQ),
    "faq-details": ("details>summary{cursor:pointer}details p{margin:0}",
                    "<details><summary>Lost badge?</summary><p>Call security on 4444.</p></details>", ""),
    "bootstrap-accordion": (BS, "<div class='accordion'><button data-bs-toggle='collapse' data-bs-target='#c1'>"
                            "Expenses</button><div id='c1' class='collapse'><p>Submit within 30 days.</p></div></div>",
                            "<script src='bootstrap.bundle.js'></script>"),
    "bootstrap3-collapse": (".collapse{display:none}.collapse.in{display:block}",
                            "<a data-toggle='collapse' href='#x1'>More</a><div class='collapse' id='x1'>"
                            "Receipts over 50 EUR need a scan.</div>", JQ),
    "bootstrap-tabs": (BS, "<ul class='nav-tabs'><li>Monthly</li><li>Yearly</li></ul><div class='tab-content'>"
                       "<div class='tab-pane active'>Monthly plan: 10 EUR.</div><div class='tab-pane'>Yearly plan: "
                       "100 EUR.</div></div>", "<script src='bootstrap.bundle.js'></script>"),
    "custom-tabs-css": (".tab-panel{display:none}.tab-panel.is-active{display:block}",
                        "<div class='tab-panel is-active'>Windows steps.</div><div class='tab-panel'>Mac steps: "
                        "open System Settings.</div>", JQ),
    "target-tabs": ("section.page{display:none}section.page:target{display:block}",
                    "<a href='#p1'>One</a><section class='page' id='p1'>Page one explains the VPN.</section>", ""),
    "checkbox-hack": (".drawer{display:none}#t:checked~.drawer{display:block}",
                      "<input type='checkbox' id='t'><label for='t'>Show</label><div class='drawer'>The drawer "
                      "lists the printers.</div>", ""),
    "hover-megamenu": (".submenu{visibility:hidden;opacity:0}.menu-item:hover .submenu{visibility:visible;opacity:1}",
                       "<div class='menu-item'>Services<div class='submenu'><p>Cleaning and catering.</p></div></div>"
                       "<p>Our services run 24/7.</p>", ""),
    "modal": (BS, "<p>Read the terms.</p><div class='modal fade' id='terms'><div class='modal-body'>Terms: "
              "no refunds after 14 days.</div></div>", "<script src='bootstrap.bundle.js'></script>"),
    "tailwind-responsive": (".hidden{display:none}.block{display:block}@media (min-width:768px){.md\\:block"
                            "{display:block}.md\\:hidden{display:none}}",
                            "<div class='hidden md:block'>Desktop: the full timetable.</div><div class='md:hidden'>"
                            "Mobile: tap for the timetable.</div>", ""),
    "mobile-only": ("@media (max-width:640px){.desktop{display:none}}@media (min-width:641px){.mobile{display:none}}",
                    "<p class='desktop'>Call us on 555-0100.</p><p class='mobile'>Tap to call 555-0100.</p>", ""),
    "print-rules": ("@media print{.no-print{display:none}.print-only{display:block}}.print-only{display:none}",
                    "<p class='no-print'>Use the online form.</p><p>Office hours: 9 to 5.</p>", ""),
    "wordpress-sr": (".screen-reader-text{border:0;clip:rect(1px,1px,1px,1px);clip-path:inset(50%);height:1px;"
                     "overflow:hidden;position:absolute!important;width:1px;word-wrap:normal!important}",
                     "<a class='skip-link screen-reader-text' href='#c'>Skip to content</a><main id='c'><h1>News"
                     "</h1><p>The canteen reopens.</p><a href='/m'>Read more<span class='screen-reader-text'> about "
                     "the canteen</span></a></main>", ""),
    "govuk": (".govuk-visually-hidden{position:absolute!important;width:1px!important;height:1px!important;"
              "margin:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;"
              "-webkit-clip-path:inset(50%)!important;clip-path:inset(50%)!important}.js-enabled .govuk-tabs__panel"
              "--hidden{display:none}",
              "<div class='govuk-warning-text'><strong><span class='govuk-visually-hidden'>Warning</span>You can be "
              "fined up to 5,000 pounds.</strong></div><div class='govuk-tabs__panel govuk-tabs__panel--hidden'>"
              "Past day figures.</div>", "<script src='govuk-frontend.js'></script>"),
    "inline-block-grid": (".row{font-size:0;letter-spacing:0}.col{display:inline-block;font-size:16px;width:50%}",
                          "<div class='row'><div class='col'>Left: opening hours.</div> <div class='col'>Right: "
                          "contacts.</div></div>", ""),
    "grid-by-tag": (".cards{font-size:0}.cards li{font-size:15px}p{font-size:1rem}",
                    "<ul class='cards'><li>Card one: fire drill on Friday.</li></ul><div class='cards'><p>Card two."
                    "</p></div>", ""),
    "fade-in-scroll": (".reveal{opacity:0;transform:translateY(20px);transition:all .6s}.reveal.visible{opacity:1}",
                       "<section class='reveal'><h2>Our mission</h2><p>We keep the lights on.</p></section>", JQ),
    "keyframe-fade": (".hero-title{opacity:0;animation:fade 1s .2s forwards}@keyframes fade{to{opacity:1}}",
                      "<h1 class='hero-title'>Welcome to the handbook</h1><p>Start with chapter one.</p>", ""),
    "dark-hero": (".hero{background:#003;color:#fff}.hero h1{color:#fff}.btn{color:#fff;background:#06c}",
                  "<div class='hero'><h1>Benefits 2025</h1><p>Enrolment opens in May.</p><a class='btn'>Enrol</a>"
                  "</div>", ""),
    "gradient-heading": (".grad{background:linear-gradient(90deg,#f06,#48f);-webkit-background-clip:text;"
                         "background-clip:text;color:transparent}",
                         "<h1 class='grad'>Annual report</h1><p>Revenue grew.</p>", ""),
    "image-replacement-logo": (".logo{text-indent:-9999px;background:url(logo.png);width:200px;overflow:hidden}",
                               "<h1 class='logo'>Acme Facilities</h1><p>Facility requests go to the desk.</p>", ""),
    "cookie-banner": ("#cookie-banner{position:fixed;bottom:0}.cookie-hidden{display:none}",
                      "<div id='cookie-banner'>We use cookies.</div><p>The privacy policy was updated.</p>", JQ),
    "read-more": (".more-text{display:none}.expanded .more-text{display:inline}",
                  "<p>The pension plan matches 5%.<span class='more-text'> Matching starts after probation.</span>"
                  "<button class='read-more'>Read more</button></p>", JQ),
    "pricing-toggle": (".price-annual{display:none}.annual .price-annual{display:block}.annual .price-monthly"
                       "{display:none}", "<div class='pricing'><p class='price-monthly'>12 EUR a month</p><p class="
                       "'price-annual'>120 EUR a year</p></div>", JQ),
    "form-errors": (".error-msg{display:none;color:#c00}",
                    "<form><label>Email <input name='e'></label><span class='error-msg'>Enter a valid email.</span>"
                    "</form><p>We reply within two days.</p>", JQ),
    "word-export": ("p.MsoNormal,li.MsoNormal{margin:0;font-size:11.0pt;font-family:Calibri}span.MsoHyperlink"
                    "{color:#0563C1}@page WordSection1{size:595.3pt 841.9pt}div.WordSection1{page:WordSection1}",
                    "<div class='WordSection1'><p class='MsoNormal'>Shift swaps need approval.</p></div>", ""),
    "gdocs-export": (".c1{color:#000000;font-size:11pt}.c2{background-color:#ffff00}.c3{color:#ffffff;"
                     "background-color:#000000}.c4{color:#ffffff}.c5{background-color:#000000}",
                     "<p><span class='c1'>Badge photos on Tuesday.</span><span class='c2'>Bring ID.</span></p>"
                     "<p class='c3'>Black banner: safety first.</p><table><tr><td class='c5'><p><span class='c4'>"
                     "White on a black cell.</span></p></td></tr></table>", ""),
    "sphinx": ("a.headerlink{visibility:hidden}h1:hover>a.headerlink,h2:hover>a.headerlink{visibility:visible}",
               "<h1>Install<a class='headerlink' href='#install'>¶</a></h1><p>Run the installer.</p>", ""),
    "mkdocs-material": (".md-nav__toggle{display:none}.md-search__output{opacity:0}"
                        "[data-md-toggle=search]:checked~.md-search__output{opacity:1}",
                        "<input class='md-nav__toggle' type='checkbox'><div class='md-search__output'>Type to "
                        "search</div><article><h1>Release 3.2</h1><p>Fixes the login bug.</p></article>",
                        "<script src='bundle.js'></script>"),
    "email-newsletter": (".preheader-x{mso-hide:all}td{font-size:14px}",
                         "<table><tr><td>Quarterly update: the new wing opens.</td></tr></table>", ""),
    "angular-cloak": ("[ng-cloak],.ng-cloak{display:none!important}",
                      "<div class='ng-cloak'><h1>Portal</h1><p>Submit tickets here.</p><p>Urgent issues: call.</p>"
                      "<p>Ticket history is kept for a year.</p></div>", "<script src='angular.js'></script>"),
}


def _html(style: str, body: str, head: str) -> str:
    return f"<!doctype html><html><head><title>T</title><style>{style}</style>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_an_ordinary_page_reads_the_same_with_its_sheets(name, monkeypatch):
    raw = _html(*PAGES[name]).encode()
    with_sheets = web.load_html(Path(f"{name}.html"), raw)
    monkeypatch.setattr(web, "read_page", lambda p: (None, Paint(None, p)))
    without = web.load_html(Path(f"{name}.html"), raw)
    assert with_sheets.text == without.text and not with_sheets.notes


def test_the_pages_are_enough():
    assert len(PAGES) >= 30
