"""Round 58 (h7): a reply's quoted history read as an earlier message by its writer (loaders/mail_quotes.py), in
.eml and Outlook .msg files. Invented mail (CC0)."""

from __future__ import annotations

import time
from pathlib import Path

from ragtune.appliance.ingest.loaders.mail import load_eml
from ragtune.appliance.ingest.loaders.mail_quotes import read_quotes
from ragtune.appliance.ingest.loaders.outlook import load_msg

from . import msg_build as mb

P = Path("/evidence/thread.eml")

HEAD = ("From: Priya Raman <manager@millbrook.example>\nTo: Trustees <trustees@millbrook.example>\n"
        "Subject: Re: Re: Boiler in the Main Hall\nDate: Thu, 12 Feb 2026 16:05:00 +0000\n"
        "Content-Type: text/plain; charset=utf-8\n\n")
REPLY = ("Warmfield Heating quoted \u00a34,850 for a new boiler.\n\nPriya\n\n"
         "> From: Gordon Achebe\n> Sent: Tuesday, 10 February 2026\n"
         "> Is the boiler still under warranty? Who fitted it?\n"
         ">\n> Priya wrote:\n> The boiler failed on Monday night. It was fitted in 2014.\n")


def test_quoted_header_lines_become_the_writer_of_the_quote():
    d = load_eml(P, (HEAD + REPLY).encode())
    assert d.text.startswith("From: Priya Raman")  # the message's own header block is untouched
    assert "Quoted from Gordon Achebe's message of Tuesday, 10 February 2026:\n" \
           "Is the boiler still under warranty? Who fitted it?" in d.text
    assert "Quoted from Priya's message:\nThe boiler failed on Monday night. It was fitted in 2014." in d.text
    # the quote is kept (the only copy of the earlier messages), its marks and header lines gone
    assert "> " not in d.text and "From: Gordon" not in d.text and "Sent:" not in d.text


def test_on_date_name_wrote_wrapped_and_nested():
    body = ("Booked, thanks.\n\nOn Tue, 3 Mar 2026 at 09:12, Sam O'Neill <\nsam@example.org> wrote:\n"
            "> Can we have the small room on Friday?\n>\n> > On Mon, 2 Mar 2026, Ana Lima <ana@example.org> wrote:\n"
            "> > The small room is free all week.\n")
    assert read_quotes(body) == (
        "Booked, thanks.\n\nQuoted from Sam O'Neill's message of Tue, 3 Mar 2026 at 09:12:\n"
        "Can we have the small room on Friday?\n\nQuoted from Ana Lima's message of Mon, 2 Mar 2026:\n"
        "The small room is free all week.\n")


def test_an_interleaved_reply_names_the_writer_of_each_quoted_run():
    body = ("On 4 Mar 2026, Ana Lima <ana@example.org> wrote:\n> Is the hall free on Friday?\nYes, from 6 pm.\n"
            "> And can we use the kitchen?\nOnly the kettle and the fridge.")
    assert read_quotes(body) == (
        "Quoted from Ana Lima's message of 4 Mar 2026:\nIs the hall free on Friday?\n\nYes, from 6 pm.\n"
        "Quoted from Ana Lima's message of 4 Mar 2026:\nAnd can we use the kitchen?\n\nOnly the kettle and the "
        "fridge.")


def test_outlook_original_message_blocks_and_a_bare_header_block():
    body = ("Fine by me.\n\n-----Original Message-----\nFrom: Gordon Achebe [mailto:g@example.org]\n"
            "Sent: Tuesday, 10 February 2026 09:12\nTo: Priya Raman\nSubject: RE: Boiler\n\nWho fitted it?\n\n"
            "From: Priya Raman\nSent: Monday, 9 February 2026 18:00\nTo: Trustees\nSubject: Boiler\n\n"
            "It failed again.")
    assert read_quotes(body) == (
        "Fine by me.\n\nQuoted from Gordon Achebe's message of Tuesday, 10 February 2026 09:12 (subject: RE: Boiler), "
        "to Priya Raman:\nWho fitted it?\n\n"
        "Quoted from Priya Raman's message of Monday, 9 February 2026 18:00 (subject: Boiler), to Trustees:\n"
        "It failed again.")  # (round 58 mend5: the subject and recipients kept, text is never lost)


def test_gmail_forward_and_an_html_blockquote_without_marks():
    fwd = "FYI\n\n---------- Forwarded message ---------\nFrom: Ana Lima <ana@example.org>\nDate: Mon, 2 Mar 2026\n" \
          "Subject: Keys\nTo: Sam\n\nThe keys are in the office safe."
    assert read_quotes(fwd) == "FYI\n\nForwarded from Ana Lima's message of Mon, 2 Mar 2026 (subject: Keys), " \
                               "to Sam:\n" \
                               "The keys are in the office safe."
    html = ("<html><body><p>Yes, Friday is fine.</p><div>On Mon, 2 Mar 2026, Ana Lima &lt;ana@example.org&gt; "
            "wrote:<br></div><blockquote>Can I collect the keys on Friday?</blockquote></body></html>")
    raw = (HEAD.replace("text/plain", "text/html") + html).encode()
    text = load_eml(P, raw).text
    assert "Quoted from Ana Lima's message of Mon, 2 Mar 2026:" in text and "Yes, Friday is fine." in text


def test_text_without_quotes_is_unchanged():
    for body in ("Hi,\n\nThe hall costs \u00a325 an hour.\nShakespeare wrote: all the world's a stage.\n\nPriya",
                 "Prices:\n- small room \u00a315\n- main hall \u00a325", "", "From the chair: a good year."):
        assert read_quotes(body) == body


def test_msg_body_quotes_are_read_the_same_way():
    d = load_msg(Path("/evidence/thread.msg"), mb.outlook(body=REPLY))
    assert "Quoted from Gordon Achebe's message of Tuesday, 10 February 2026:" in d.text
    assert "From: Gordon Achebe" not in d.text


def test_hostile_quotes_stay_linear():
    for body in ("On " + "a," * 100_000 + " wrote:", "From: " + " " * 200_000 + "x\nSent: y",
                 ("> " * 40 + "On x, y wrote:\n") * 1000, "-----Original Message-----\nFrom: a\nSent: b\n\nhi\n" * 2000,
                 "> x\n" * 50_000, "On 1 May, Ana wrote:\n> a\nb\n" * 20_000, "On 1 May, Ana wrote:" + "\n" * 100_000):
        start = time.process_time()
        read_quotes(body)
        assert time.process_time() - start < 2.0
