"""Round 55: yes/no questions answered with the sentence that rules on them (answer_yesno.py)."""

from __future__ import annotations

import pytest

from ragtune.appliance.answer_yesno import MAX_CHARS, is_yesno, ruling_sentence, sentence_of
from ragtune.appliance.extractive import check_span
from ragtune.appliance.injection import source_view
from ragtune.appliance.refusal import Verdict, refusal_check
from ragtune.appliance.store import open_store
from ragtune.appliance.types import ContextItem, Hit
from tests.appliance.test_answer import FakeRetriever
from tests.fakes import FakeGenerator

HALL = ("# Conditions of hire\n\n## Animals\nDogs are not allowed in the hall, except assistance dogs. Other animals "
        "need the\nwritten consent of the secretary.\n\n## Decorations\n- Confetti is not permitted inside or outside."
        "\n- Candles and other naked flames are not allowed.\n\nParking is included in the hire fee for up to 20 cars.")
RULES = ("ALLOTMENT RULES\n\n1. Bonfires are permitted only between 1 October and 31 March, and only after 5pm.\n"
         "2. Plot holders may keep up to four hens; cockerels are not allowed.\n")
ROW = "Item: Court hire; Price: £9 per hour; Included: Rackets; Notes: Balls not included"


@pytest.mark.parametrize("q", [
    "Can I bring my dog to the hall?", "Am I allowed to have a bonfire on my allotment?",
    "Is parking included in the hire fee?", "Do I need a permit to sell ice cream?", "Does the hall have a kitchen?",
    "Quick question: can I have a bonfire?", "So is my dog allowed?", "Hi there, can we bring our own food?",
    "can i use a hosepipe on my plot", "is vaping allowed inside", "Is parking included or not?",
    "Isn't the hall open on Sundays?", "Will I lose my plot if I pay late?", "Need a permit for a bonfire?",
    "Are cockerels allowed?", "Should we tell the clerk?", "Has anyone booked the hall?",
    "Do you know if dogs are allowed?", "Can you tell me if dogs are allowed?", "Can I have a dog in my flat?",
    "Do you have parking?", "Can tenants keep pets?", "Can parking be booked?",  # a noun subject
    "can notices be sent by email",
    # readC 6: a plural with one word after it and "?", hyphens and digits in it, a booking at a time
    "Can pets stay?", "Might fees rise?", "Can non-members join?", "Can over-60s swim free?",
    "Can I have the hall on Sunday?", "Can we get the keys early?",
])
def test_yes_no_questions_are_recognised(q):
    assert is_yesno(q)


@pytest.mark.parametrize("q", [
    "Is it Tuesday or Wednesday?", "Can I pay by card or cash?",  # alternative questions: the answer is an option
    "What time does the hall close?", "When is the meeting?", "How much is a pitch?", "Who is the clerk?",
    "Which roofer got the job?", "Where can I park?", "Why was the grant deferred?",  # wh-questions
    "Can you tell me when the hall closes?", "Do you know what the fee is?",  # a wh-question asked politely
    "can the tenants have a, what pets are they allowed to keep",  # restarted as a wh-question
    "can recycling", "may bank holiday opening hours", "will writing service", "parking fee hall",  # keyword queries
    "Will Smith age?", "May opening hours?", "can recycling?", "Can collection days?",  # a modal, then no subject
    "Could you tell me the opening hours?", "Do you know the opening hours?",  # a value asked for politely
    "Can you give me the phone number of the clerk?", "Can you list the fees?", "Can I have the clerk's email?",
    "Do you have the clerk's number?", "Can I have the late opening times?", "can pets stay",  # no "?": a query
    "Is there parking and how much does it cost?", "Can I pay by card, and what is the fee?",  # and a wh-question
    "Was kostet der Saal?", "Kann ich mit Karte zahlen?",  # not English ("was" is an English auxiliary)
    "", "   ",
])
def test_other_questions_are_not(q):
    assert not is_yesno(q)


def _item(cid, text, source="/docs/rules.md"):
    return ContextItem(id=cid, text=text, source=source)


@pytest.mark.parametrize("text,span,sentence", [
    (HALL, "assistance dogs", "Dogs are not allowed in the hall, except assistance dogs."),
    (HALL, "written consent", "Other animals need the written consent of the secretary."),  # a wrapped line
    (HALL, "naked flames", "Candles and other naked flames are not allowed."),  # a list item, its marker left out
    (HALL, "up to 20 cars", "Parking is included in the hire fee for up to 20 cars."),
    (RULES, "1 October and 31 March",
     "Bonfires are permitted only between 1 October and 31 March, and only after 5pm."),
    (RULES, "cockerels", "Plot holders may keep up to four hens; cockerels are not allowed."),  # "2." left out
    (ROW, "Balls not included", ROW),  # a table row's line is its sentence
])
def test_sentence_of_a_span(text, span, sentence):
    assert sentence_of(span, _item("S1", text)) == sentence


def test_sentence_of_not_found_or_too_long():
    assert sentence_of("nowhere in it", _item("S1", HALL)) is None
    # only where the span starts and ends a word: "all" inside "allowed" is not it
    assert sentence_of("all", _item("S1", "Dogs are not allowed. Cats: all welcome.")) == "Cats: all welcome."
    long = "Dogs " + "and cats " * 60 + "are not allowed."
    assert len(long) > MAX_CHARS and sentence_of("cats are not", _item("S1", long)) is None


def test_yes_no_answer_becomes_its_sentence_with_the_citation_that_holds_it():
    ctx = [_item("S1", "Assistance dogs are trained."), _item("S2", HALL)]
    v = ruling_sentence(Verdict("ok", "assistance dogs", ["S2"]), ctx, "Can I bring my dog to the hall?", "extractive")
    assert v == Verdict("ok", "Dogs are not allowed in the hall, except assistance dogs.", ["S2"])
    # still a span of the cited source (the extractive guarantee), whole
    assert check_span(v.text, [("S2", source_view(HALL).blocks)]) == (v.text, ["S2"])
    # two cited sources hold the span: the sentence with more of the question's words, and the citation holding it
    v = ruling_sentence(Verdict("ok", "assistance dogs", ["S1", "S2"]), [_item("S1", "Only assistance dogs."),
                        _item("S2", HALL)], "Can I bring my dog to the hall?", "extractive")
    assert v.citations == ["S2"] and v.text.startswith("Dogs are not allowed")
    v = ruling_sentence(Verdict("ok", "assistance dogs", ["S1", "S2"]), [_item("S1", "Only assistance dogs."),
                        _item("S2", HALL)], "Can I bring my dog?", "extractive")  # a tie: unsure, the span kept
    assert v == Verdict("ok", "assistance dogs", ["S1", "S2"])


@pytest.mark.parametrize("verdict,question,mode", [
    (Verdict("ok", "assistance dogs", ["S1"]), "Which dogs may come in?", "extractive"),  # not yes/no
    (Verdict("ok", "assistance dogs", ["S1"]), "Can I bring my dog?", "free"),  # free answers are the model's own
    (Verdict("refused", "x", [], "off_topic"), "Can I bring my dog?", "extractive"),
    (Verdict("ok", "not in the source", ["S1"]), "Can I bring my dog?", "extractive"),
    (Verdict("ok", "Dogs are not allowed in the hall, except assistance dogs.", ["S1"]), "Can I bring my dog?",
     "extractive"),  # already the sentence
])
def test_other_verdicts_are_unchanged(verdict, question, mode):
    assert ruling_sentence(verdict, [_item("S1", HALL)], question, mode) is verdict


def test_the_refusal_check_passes_the_sentence_as_it_passed_the_span():
    """The hook runs after the refusal check; the sentence would pass it too (support, relevance, no echo)."""
    ctx = [_item("S1", HALL)]
    q = "Can I bring my dog to the hall?"
    kw = dict(min_support=0.34, mode="extractive", question=q, min_relevance=0.2, refuse_echo=True)
    span = refusal_check({"status": "ok", "answer": "assistance dogs", "citations": ["S1"]}, ctx, **kw)
    whole = ruling_sentence(span, ctx, q, "extractive")
    again = refusal_check({"status": "ok", "answer": whole.text, "citations": whole.citations}, ctx, **kw)
    assert span.status == "ok" and again == whole


@pytest.fixture
def store(settings):
    s = open_store(settings.home)
    yield s
    s.close()


def test_the_engine_serves_the_sentence_for_a_yes_no_question_only(settings, store):
    hits = [Hit(chunk_id=10, doc_id=0, text=HALL, source="/docs/hall.md", start_char=0, end_char=len(HALL),
                sha256="h0", bm25_rank=1, fused=1.0)]
    settings.generate.evidence_check = False
    out = {"status": "ok", "answer": "assistance dogs", "citations": ["S1"]}
    from ragtune.appliance.answer import AnswerEngine

    eng = AnswerEngine(settings, retriever=FakeRetriever(hits, store=store), generator=FakeGenerator([out]),
                       store=store)
    ans = eng.ask("Can I bring my dog to the hall?", mode="extractive", use_cache=False)
    assert ans.status == "ok" and ans.answer == "Dogs are not allowed in the hall, except assistance dogs."
    assert [c.chunk_id for c in ans.citations] == [10]
    ans = eng.ask("Which dogs are allowed in the hall?", mode="extractive", use_cache=False)
    assert ans.answer == "assistance dogs"


def test_the_sentence_is_chosen_among_every_place_the_span_occurs():
    """readB 4: the first place "allowed" occurs is the opposite ruling; the question's words choose."""
    ctx = [_item("S1", "Dogs are not allowed in the hall. Dogs are allowed in the garden on a lead.")]
    v = ruling_sentence(Verdict("ok", "allowed", ["S1"]), ctx, "Are dogs allowed in the garden?", "extractive")
    assert v == Verdict("ok", "Dogs are allowed in the garden on a lead.", ["S1"])
    v = ruling_sentence(Verdict("ok", "allowed", ["S1"]), ctx, "Are dogs allowed in the hall?", "extractive")
    assert v.text == "Dogs are not allowed in the hall."
    # across blocks and sources too; a tie of the best ones keeps the span (unsure)
    ctx = [_item("S1", "## Hall\nDogs are not allowed.\n\n## Garden\nDogs on a lead are allowed in the garden.")]
    v = ruling_sentence(Verdict("ok", "allowed", ["S1"]), ctx, "Are dogs allowed in the garden?", "extractive")
    assert v.text == "Dogs on a lead are allowed in the garden."
    ctx = [_item("S1", "Dogs are not allowed in the hall."), _item("S2", "Dogs are allowed in the garden.")]
    v = ruling_sentence(Verdict("ok", "allowed", ["S1", "S2"]), ctx, "Are dogs allowed?", "extractive")
    assert v == Verdict("ok", "allowed", ["S1", "S2"])


@pytest.mark.parametrize("text,span,sentence", [
    ("Pets\nDogs allowed\nCats not allowed\nBirds allowed", "not allowed", "Cats not allowed"),  # no stops
    ("Room: Main hall, Rate: £15\nRoom: Committee room, Rate: £7", "£15", "Room: Main hall, Rate: £15"),  # rows
    ("Opening hours\n\nMonday closed\nTuesday 9-5", "closed", "Monday closed"),
    ("Parking is free after 6 p.m. on weekdays. Dogs are not allowed.", "free after 6 p.m.",
     "Parking is free after 6 p.m. on weekdays."),  # an abbreviation before lower case
    ("Parking is free after 6 p.m. Dogs are not allowed.", "Dogs", "Dogs are not allowed."),  # before upper case
    ("Call Dr. Wynne on 0123. She is on call on Sundays.", "Wynne on 0123", "Call Dr. Wynne on 0123."),  # a title
    ("Bring e.g. a towel. Dogs stay out.", "a towel", "Bring e.g. a towel."),
    ("No. Dogs are not allowed.", "Dogs", "Dogs are not allowed."),
])
def test_a_sentence_ends_at_a_line_and_not_after_an_abbreviation(text, span, sentence):
    assert sentence_of(span, _item("S1", text, "/docs/h.txt")) == sentence


def test_the_sentence_fits_max_answer_chars():
    long = ("Dogs are welcome in the garden on a short lead at all times of the day, except during the annual "
            "summer fete and other ticketed events held by the parish council.")
    ctx, q = [_item("S1", long)], "Can I bring my dog to the garden?"
    v = Verdict("ok", "welcome in the garden", ["S1"])
    assert ruling_sentence(v, ctx, q, "extractive").text == long
    assert ruling_sentence(v, ctx, q, "extractive", max_chars=100) is v  # generate.max_answer_chars 100


def test_a_streamed_yes_no_answer_is_sent_whole_never_withdrawn(settings, store):
    """readB 6: with one candidate the span streamed and the sentence then differed (serve's "[withdrawn]", the
    CLI's "repaired"). Both compare the streamed pieces joined with the answer: the pieces are "" until the answer."""
    hits = [Hit(chunk_id=10, doc_id=0, text=HALL, source="/docs/hall.md", start_char=0, end_char=len(HALL),
                sha256="h0", bm25_rank=1, fused=1.0)]
    settings.generate.evidence_check = False
    settings.generate.answer_candidates = 1
    out = {"status": "ok", "answer": "assistance dogs", "citations": ["S1"]}
    from ragtune.appliance.answer import AnswerEngine

    eng = AnswerEngine(settings, retriever=FakeRetriever(hits, store=store), generator=FakeGenerator([out]),
                       store=store)
    pieces: list[str] = []
    ans = eng.ask("Can I bring my dog to the hall?", mode="extractive", use_cache=False, on_token=pieces.append)
    assert ans.answer == "Dogs are not allowed in the hall, except assistance dogs."
    assert "".join(pieces) == ans.answer and pieces[-1] == ans.answer and not any(pieces[:-1])
    pieces.clear()  # any other question streams its span as it is decoded
    ans = eng.ask("Which dogs are allowed in the hall?", mode="extractive", use_cache=False, on_token=pieces.append)
    assert ans.answer == "assistance dogs" and "".join(pieces) == ans.answer and len([p for p in pieces if p]) > 1


def test_the_cli_streams_a_yes_no_answer_whole(monkeypatch, home, capsys):
    """The CLI's streamed ask (a terminal) prints the sentence once, with no "-- final answer (repaired) --"."""
    import ragtune.appliance.generate as gen_mod
    import ragtune.appliance.retrieve as ret_mod
    import ragtune.cli.ask_cmd as ask_cmd
    from ragtune.cli import main

    home.ensure()
    home.config_path.write_text("[generate]\nanswer_mode = \"extractive\"\nanswer_candidates = 1\n"
                                           "evidence_check = false\n")
    hits = [Hit(chunk_id=10, doc_id=0, text=HALL, source="/docs/hall.md", start_char=0, end_char=len(HALL),
                sha256="h0", bm25_rank=1, fused=1.0)]
    out = {"status": "ok", "answer": "assistance dogs", "citations": ["S1"]}
    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: FakeGenerator([out]))
    monkeypatch.setattr(ret_mod, "Retriever", lambda settings, *, store=None, **kw: FakeRetriever(hits, store))
    monkeypatch.setattr(ask_cmd, "_stdout_is_tty", lambda: True)
    assert main(["ask", "--no-cache", "Can I bring my dog to the hall?"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Dogs are not allowed in the hall, except assistance dogs."
    assert not any("final answer" in ln for ln in lines)


@pytest.mark.parametrize("text,span,sentence", [
    # readC 4: prose hard-wrapped before a capital or a digit has stops: its line breaks do not end a sentence
    ("Dogs will not be allowed in the hall during\nThe Christmas Fair, but may use the garden.", "not be allowed",
     "Dogs will not be allowed in the hall during The Christmas Fair, but may use the garden."),
    ("Bonfires are not allowed before\n7 p.m. on weekdays, or at any time on Sundays.", "not allowed",
     "Bonfires are not allowed before 7 p.m. on weekdays, or at any time on Sundays."),
    ("Pets\nDogs are allowed.\nCats are not allowed.", "not allowed", "Cats are not allowed."),  # lines with stops
    # ... but a short heading line over prose is not its first sentence's
    ("DURING THE SCAN\nA radiographer will help you. Most scans take 20 minutes.", "radiographer",
     "A radiographer will help you."),
    ("1. HIRE RATES\nRates exclude VAT. Delivery costs £65.", "exclude VAT", "Rates exclude VAT."),
    ("Storage and pack\nDo not store above 25 C.\nUse within 3 months.", "25 C", "Do not store above 25 C."),
    ("Dogs are not allowed in\nThe Hall. Cats are.", "not allowed", "Dogs are not allowed in The Hall."),  # "in"
    # readC 5: a capital letter or "St" after a capitalised word is a label or a street, not an initial
    ("Dogs are allowed in Block A. Cats are not allowed.", "not allowed", "Cats are not allowed."),
    ("Parking is in Zone B. Dogs are not allowed on site.", "not allowed", "Dogs are not allowed on site."),
    ("We use Plan B. It works.", "Plan", "We use Plan B."),
    ("Meet at 12 Mill St. Dogs are not allowed.", "Dogs", "Dogs are not allowed."),
    ("Services at St. Mary's Church. Dogs stay out.", "Services", "Services at St. Mary's Church."),  # a saint
    ("Contact Mrs J. Smith on 0123. Dogs stay out.", "0123", "Contact Mrs J. Smith on 0123."),  # after a title
    ("J. R. Smith is the clerk. Dogs stay out.", "clerk", "J. R. Smith is the clerk."),  # after an initial
    ("Contact J. Smith on 0123. Dogs stay out.", "0123", "Contact J. Smith on 0123."),  # after a sentence's opener
])
def test_wrapped_prose_and_labels_are_not_cut_as_lists_and_initials(text, span, sentence):
    assert sentence_of(span, _item("S1", text, "/docs/h.txt")) == sentence


def test_an_auxiliary_before_a_participle_is_the_tail_of_a_question_not_a_yes_no_one():
    # what normalize.py leaves of "How many tonnes are thought to be, no I mean, are believed to be …" can be its
    # tail; a real yes/no question has its subject after the auxiliary
    for q in ("are believed to be stored in the forest?", "was blamed for what kind of delay?",
              "were founded by the monks in which year?"):
        assert not is_yesno(q), q
    for q in ("Are dogs allowed in the hall?", "Is bed linen provided?", "Was the meeting cancelled?",
              "Is parking included in the hire fee?"):
        assert is_yesno(q), q
