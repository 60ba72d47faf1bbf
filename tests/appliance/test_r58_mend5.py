"""Round 58 (mend5, after reader B): mail_quotes.py stays linear on hostile lines, leaves a mail that quotes no one
as written (header-looking lines of a journey, a rota or a memo; ">" as "more than"; a shell prompt; an
"On …, X wrote:" line with no "> " lines after it), and reads more quote forms (Gmail US, Outlook's wrapped To:,
German and French Outlook and Gmail, Thunderbird's bare "X wrote:", an HTML blockquote) without losing a subject.
Invented mail (CC0)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.loaders.mail import load_eml
from ragtune.appliance.ingest.loaders.mail_quotes import read_quotes
from ragtune.appliance.ingest.loaders.outlook import load_msg

from ..timing import best_cpu, grows_linearly
from . import msg_build as mb

P = Path("/evidence/note.eml")
HEAD = ("From: Sam Okafor <sam@example.org>\nTo: Hall <hall@example.org>\nSubject: Re: Friday\n"
        "Date: Thu, 12 Feb 2026 16:05:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n")


def test_hostile_attribution_and_field_lines_stay_fast_and_linear():
    lines = {"on_wrote_spaces": "On x," + " " * 380 + "y wrote: z\n", "field_spaces": "From: a" + " " * 390 + "b\n",
             "commas": "On " + "a, " * 130 + "b wrote\n", "schrieb": "Am x" + " " * 380 + "schrieb y z\n",
             "ecrit": "Le x," + " " * 380 + "y a écrit z\n"}
    for name, line in lines.items():
        assert best_cpu(read_quotes, line * 2_500, tries=1) < 1.0, name  # ~1 MB; 163 s before the fix
        assert grows_linearly(read_quotes, lambda n, line=line: line * n, 250, 1_000), name


def test_header_looking_lines_of_a_plain_mail_stay():
    for body in ("My booking:\n\nFrom: London Kings Cross\nTo: York\nDate: 12 March 2026\nFare: \u00a345.60\n\nSam",
                 "Rota\nDate: 7 March\nFrom: 9 am\nTo: 1 pm\nWho: Ana",
                 "The memo:\n\nTo: All staff\nFrom: Finance Office\nDate: 2 March 2026\nSubject: Mileage\n\n5th.",
                 "Memo\n\nVon: Vorstand\nDatum: 3. M\u00e4rz 2026\nBetreff: Versammlung\n\nAm 20. M\u00e4rz.",
                 "Copy these:\nTo: Mrs A Lima\nCc: The Chair\nFrom: Hall Manager\nSent: by post\n\nRegards"):
        assert read_quotes(body) == body


def test_marks_with_no_writer_and_unquoted_attributions_stay():
    for body in ("Parcel rates:\n>2 kg: \u00a34.50\n> 10 kg: \u00a39.00\n<2 kg: \u00a33.20",
                 "Run it:\n$ pip install foo\n> foo --version\nfoo 1.2", "echo hi > out.txt\n>> log.txt\nthen look",
                 "The rule:\n\n> Every hirer must sign the form.\n", "Table:\n\t> 18s only\n",
                 "On 3 March 2026, the inspector wrote:\n\"Keep the fire doors clear.\"\nWe have now cleared them.",
                 "Here is what the inspector wrote:\n\nThe doors must be kept clear."):
        assert read_quotes(body) == body


def test_more_than_after_a_quote_is_the_senders_own():
    body = ("On 4 Mar 2026, Ana <ana@example.org> wrote:\n> What do parcels cost?\n\nOurs:\n>2 kg: \u00a34.50\n"
            ">=10 kg: \u00a39")
    assert read_quotes(body) == ("Quoted from Ana's message of 4 Mar 2026:\nWhat do parcels cost?\n\nOurs:\n"
                                 ">2 kg: \u00a34.50\n>=10 kg: \u00a39")


def test_more_quote_forms_name_their_writer():
    cases = {
        "Yes.\n\nOn Tue, Feb 10, 2026 at 9:12 AM Gordon Achebe <g@example.org> wrote:\n> Can we meet Friday?":
            "Yes.\n\nQuoted from Gordon Achebe's message of Tue, Feb 10, 2026 at 9:12 AM:\nCan we meet Friday?",
        "Ok.\n\nOn Tue, 10 Feb 2026 at 09:12, Achebe, Gordon <g@example.org> wrote:\n> It is \u00a34,850.":
            "Ok.\n\nQuoted from Achebe, Gordon's message of Tue, 10 Feb 2026 at 09:12:\nIt is \u00a34,850.",
        "Yes.\nOn Friday then.\nOn Tue, 10 Feb 2026, Gordon <g@example.org> wrote:\n> Meet Friday?":
            "Yes.\nOn Friday then.\nQuoted from Gordon's message of Tue, 10 Feb 2026:\nMeet Friday?",
        "Ok.\n\n-----Original Message-----\nFrom: Gordon\nSent: 10 Feb 2026\nTo: Priya; Ana;\n Jo\nSubject: Boiler\n\n"
        "It is \u00a34,850.":
            "Ok.\n\nQuoted from Gordon's message of 10 Feb 2026 (subject: Boiler), to Priya; Ana; Jo:\n"
            "It is \u00a34,850.",
        "Gut.\n\n-----Urspr\u00fcngliche Nachricht-----\nVon: Gordon Achebe\nGesendet: 10. Februar 2026\nAn: Priya\n"
        "Betreff: Heizung\n\nDer Preis ist 4.850 \u20ac.":
            "Gut.\n\nQuoted from Gordon Achebe's message of 10. Februar 2026 (subject: Heizung), to Priya:\n"
            "Der Preis ist 4.850 \u20ac.",
        "Passt.\n\nAm Di., 10. Feb. 2026 um 09:12 Uhr schrieb Gordon Achebe <g@example.org>:\n> Der Saal ist frei.":
            "Passt.\n\nQuoted from Gordon Achebe's message of Di., 10. Feb. 2026 um 09:12 Uhr:\nDer Saal ist frei.",
        "Oui.\n\nLe mar. 10 f\u00e9vr. 2026 \u00e0 09:12, Gordon Achebe <g@example.org> a \u00e9crit :\n> C'est libre.":
            "Oui.\n\nQuoted from Gordon Achebe's message of mar. 10 f\u00e9vr. 2026 \u00e0 09:12:\nC'est libre.",
        "Thanks.\n\nGordon Achebe wrote:\n> The hall is free on Friday.":
            "Thanks.\n\nQuoted from Gordon Achebe's message:\nThe hall is free on Friday.",
        "Item 3.\nAna Lima <ana@example.org> wrote:\n> Please add the boiler.":
            "Item 3.\nQuoted from Ana Lima's message:\nPlease add the boiler.",
    }
    for body, want in cases.items():
        assert read_quotes(body) == want


def test_a_forward_keeps_its_subject_and_recipients():
    fwd = ("FYI\n\n---------- Forwarded message ---------\nFrom: Ana Lima <ana@example.org>\nDate: Mon, 2 Mar 2026\n"
           "Subject: Key safe code is now 4711\nTo: Sam\nCc: Jo\n\nPlease tell the hirers.")
    assert read_quotes(fwd) == ("FYI\n\nForwarded from Ana Lima's message of Mon, 2 Mar 2026 (subject: Key safe code "
                                "is now 4711), to Sam, cc Jo:\nPlease tell the hirers.")


def test_an_html_blockquote_ends_where_it_ends_and_a_pull_quote_stays():
    html = ("<html><body><div>On Mon, 2 Mar 2026, Ana Lima &lt;ana@example.org&gt; wrote:</div><blockquote>Can I "
            "collect the keys?</blockquote><p>Yes, after 2 pm.</p><blockquote>And return them?</blockquote>"
            "<p>By Monday.</p></body></html>")
    text = load_eml(P, (HEAD.replace("text/plain", "text/html") + html).encode()).text
    body = text.split("\n\n", 1)[1]
    assert "Quoted from Ana Lima's message of Mon, 2 Mar 2026:\nCan I collect the keys?" in body
    assert "Quoted from Ana Lima's message of Mon, 2 Mar 2026:\nAnd return them?" in body
    assert body.index("Yes, after 2 pm.") > body.index("Can I collect") and "\ue002" not in text
    plain = ("<html><body><p>News.</p><blockquote>The hall stands quiet</blockquote><p>On Monday, the council wrote:"
             "</p><p>bins move to Tuesday.</p></body></html>")
    text = load_eml(P, (HEAD.replace("text/plain", "text/html") + plain).encode()).text
    assert "Quoted" not in text and "The hall stands quiet" in text and "On Monday, the council wrote:" in text


def test_an_msg_html_body_reads_its_blockquote_the_same_way():
    html = ("<html><body><p>Yes, Friday.</p><div>On Mon, 2 Mar 2026, Ana Lima &lt;ana@example.org&gt; wrote:</div>"
            "<blockquote><p>Is the hall free?</p><p>We are 20.</p></blockquote><p>Priya</p></body></html>").encode()
    d = load_msg(Path("/evidence/r.msg"), mb.outlook(extra={0x1000: (mb.UNICODE, None), 0x1013: (mb.BINARY, html),
                                                           0x3FDE: (mb.LONG, 65001)}))
    assert "Quoted from Ana Lima's message of Mon, 2 Mar 2026:\nIs the hall free?\n\nWe are 20." in d.text
    assert d.text.rstrip().endswith("Priya") and "\ue002" not in d.text


def test_html_blockquotes_stay_linear():
    head = HEAD.replace("text/plain", "text/html")

    def load(html: str) -> None:
        load_eml(P, (head + html).encode())
    for unit in ("<blockquote><p>x</p>",
                 "<div>On 1 May 2026, Ana wrote:</div><blockquote><p>a</p><p>b</p></blockquote>"):
        assert grows_linearly(load, lambda n, unit=unit: unit * n, 500, 2_000), unit
