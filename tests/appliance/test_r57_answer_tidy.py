"""Round 57: an answer copied from a tokenized source ("5 , 000", "Qutb ' s") is served tidied (answer_tidy.py),
after every check; an answer from an ordinary source is never touched."""

from __future__ import annotations

import json
import time
import unicodedata

import pytest

from ragtune.appliance.answer_code import ANSWER_MODULES
from ragtune.appliance.answer_served import copied_from, sent_whole, served_verdict, tidy_verdict, tokenized_context
from ragtune.appliance.answer_tidy import marks, tidy, tokenized
from ragtune.appliance.refusal import Verdict
from ragtune.appliance.store import open_store
from ragtune.appliance.types import ContextItem, Hit
from tests.appliance.test_answer import FakeRetriever
from tests.fakes import FakeGenerator

UNI = ("The university employs between 5 , 000 and 7 , 500 staff , of whom about 1 , 200 are professors . Its "
       "budget was $ 2 . 4 billion in 2019 , and Qutb ' s chair was founded there .")
PLAIN = ("The university employs between 5,000 and 7,500 staff, of whom about 1,200 are professors. The score "
         "was 10 - 5 at half time. Section 3 . 2 covers repairs. The meeting is on 3 / 4.")


def _item(sid: str, text: str) -> ContextItem:
    return ContextItem(id=sid, text=text, source=f"/docs/{sid}.txt")


@pytest.mark.parametrize("raw,tidied", [
    ("5 , 000 to 30 , 000", "5,000 to 30,000"),
    ("1 , 234 , 567 people", "1,234,567 people"),
    ("3 . 5 kg", "3.5 kg"),
    ("at 9 : 30", "at 9:30"),
    ("the kilogram - force", "the kilogram-force"),
    ("Qutb ' s ideas", "Qutb's ideas"),
    ("Qutb 's ideas", "Qutb's ideas"),
    ("doesn ' t", "doesn't"),
    ("does n't", "doesn't"),
    ("they ' re here and we ' ll go", "they're here and we'll go"),
    ("the students ' union", "the students' union"),
    ("( BP = Before Present )", "(BP = Before Present)"),
    ("[ 1 ]", "[1]"),
    ('he said " no more " twice', 'he said "no more" twice'),
    ("`` Hello '' she said", '"Hello" she said'),
    ("Paris , France ; Lyon : Nice ! Really ?", "Paris, France; Lyon: Nice! Really?"),
    ("50 %", "50%"),
    ("the U . S . Congress", "the U.S. Congress"),
    ("J . R . R . Tolkien", "J.R.R. Tolkien"),
    ("John F . Kennedy", "John F. Kennedy"),
    ("$ 5 million", "$5 million"),
    ("£ 12 . 50", "£12.50"),
    ("plain words only", "plain words only"),
    ("the year 1990 , 45 people", "the year 1990, 45 people"),  # not a thousands group: a list
    ("in 1990 , 200 people", "in 1990, 200 people"),  # four digits before: a list, not 1990,200
    ('a 12 " pipe', 'a 12 " pipe'),  # one quote mark (inches?): no pair to hug, kept as written
])
def test_the_tidy_rules(raw, tidied):
    assert tidy(raw) == tidied


def test_non_ascii_text_is_kept_as_it_is():
    raw = unicodedata.normalize("NFC", "Montréal , Québec ’ s café , « chez Zoë »")
    out = tidy(raw)
    assert out == "Montréal, Québec’s café, « chez Zoë »"
    assert unicodedata.is_normalized("NFC", out)


def test_the_tokenized_source_test():
    assert tokenized(UNI)
    assert not tokenized(PLAIN)
    assert not tokenized("Zone 1 , 2 and 3 are shown , north to south.")  # two stray marks: too few to tell
    assert not tokenized("Bins go out on Tuesdays , not Mondays. Glass goes fortnightly, plastics weekly, garden "
                         "waste from March, and paper monthly. Call the office if a bin is missed.")  # a typo
    assert not tokenized("Le musée ouvre à 9 h ; fermé le lundi ! Tarif : 5 €, gratuit le dimanche.")  # French
    code = "Call it as `area( 2 , 3 )` or `area( x , y )` .\n\n```\narea( w , h )\nvol( w , h , d )\n```\n"
    assert not tokenized(code + "    return area( w , h ) , 0\n")  # code: fenced, in backticks, indented
    assert tokenized(code + "It returns w times h , in square metres , or zero .")  # prose around it: tokenized
    assert not tokenized("Wait . . . what? She said so, twice, and left.")  # a spaced ellipsis counts once
    assert tokenized("They ' re expected to finish in 2027 . The contractor said it ' ll cost $ 40 million .")
    assert not tokenized("")


def test_an_answer_from_an_ordinary_source_is_never_touched():
    ctx = [_item("S1", PLAIN)]
    for span in ("10 - 5", "Section 3 . 2", "3 / 4", "5,000 and 7,500 staff"):
        v = Verdict("ok", span, ["S1"])
        assert tidy_verdict(v, ctx) is v


def test_only_the_answer_text_changes():
    ctx = [_item("S1", PLAIN), _item("S2", UNI)]
    v = Verdict("ok", "5 , 000 and 7 , 500 staff", ["S2"], None)
    out = tidy_verdict(v, ctx)
    assert out == Verdict("ok", "5,000 and 7,500 staff", ["S2"], None)
    refused = Verdict("refused", "5 , 000", [], "no_evidence")
    assert tidy_verdict(refused, ctx) is refused
    assert tidy_verdict(Verdict("ok", "5 , 000", []), ctx).text == "5 , 000"  # cites nothing: nothing to read


def test_the_sources_copied_from_are_the_cited_ones_holding_the_answer():
    both = "the staff , of whom 1 , 200 are professors . The staff , of whom 1 , 200 are professors ."
    ordinary = "Our notice read: of whom 1 , 200 are professors, as printed."
    ctx = [_item("S1", both), _item("S2", ordinary), _item("S3", UNI)]
    assert [c.id for c in copied_from("1 , 200 are professors", ["S1", "S2"], ctx)] == ["S1", "S2"]
    # held by an ordinary source too: that document may mean it as written
    assert tidy_verdict(Verdict("ok", "1 , 200 are professors", ["S1", "S2"]), ctx).text == "1 , 200 are professors"
    assert tidy_verdict(Verdict("ok", "1 , 200 are professors", ["S1"]), ctx).text == "1,200 are professors"
    # a free answer held by none: every cited source must be tokenized
    assert tidy_verdict(Verdict("ok", "about 1 , 200", ["S1", "S3"]), ctx).text == "about 1,200"
    assert tidy_verdict(Verdict("ok", "about 1 , 200", ["S1", "S2"]), ctx).text == "about 1 , 200"
    assert tokenized_context(ctx) and not tokenized_context([_item("S2", ordinary)])


def test_the_module_is_in_the_answer_code_digest():
    assert "answer_tidy" in ANSWER_MODULES


@pytest.fixture
def store(settings):
    s = open_store(settings.home)
    yield s
    s.close()


def _engine(settings, store, text, answer):
    from ragtune.appliance.answer import AnswerEngine

    hits = [Hit(chunk_id=10, doc_id=0, text=text, source="/docs/uni.txt", start_char=0, end_char=len(text),
                sha256="h0", bm25_rank=1, fused=1.0)]
    settings.generate.evidence_check = False
    settings.generate.answer_candidates = 1
    out = {"status": "ok", "answer": answer, "citations": ["S1"]}
    return AnswerEngine(settings, retriever=FakeRetriever(hits, store=store), generator=FakeGenerator([out]),
                        store=store)


@pytest.mark.parametrize("mode", ["extractive", "free"])
def test_the_engine_serves_streams_logs_and_caches_the_tidied_answer(settings, store, mode):
    eng = _engine(settings, store, UNI, "about 1 , 200 are professors")
    q = "How many professors does the university employ?"
    pieces: list[str] = []
    ans = eng.ask(q, mode=mode, on_token=pieces.append)
    assert ans.status == "ok" and ans.answer == "about 1,200 are professors"
    assert [c.chunk_id for c in ans.citations] == [10] and ans.refusal_reason is None
    # streamed whole once decided: the pieces joined are the served answer (serve/stream.py withdraws otherwise)
    assert "".join(pieces) == ans.answer and pieces[-1] == ans.answer and not any(pieces[:-1])
    row = store.one("SELECT output FROM query_log WHERE id = ?", (ans.log_id,))
    assert json.loads(row[0])["answer"] == "about 1,200 are professors"
    again = eng.ask(q, mode=mode)  # the answer cache holds the served text
    assert again.cached and again.answer == ans.answer


def test_the_engine_leaves_an_ordinary_source_s_answer_and_its_stream_alone(settings, store):
    eng = _engine(settings, store, PLAIN, "10 - 5")
    pieces: list[str] = []
    ans = eng.ask("What was the score at half time?", mode="extractive", use_cache=False, on_token=pieces.append)
    assert ans.status == "ok" and ans.answer == "10 - 5"
    assert "".join(pieces) == ans.answer and len([p for p in pieces if p]) > 1  # streamed as it is decoded


# Round 57 mend3 (readA's review): joins that would change the meaning are not made, on truly tokenized text too
@pytest.mark.parametrize("raw,tidied", [
    ("The tower - finished in 1889 - draws crowds", "The tower - finished in 1889 - draws crowds"),  # clause dashes
    ("- a tent - a stove - matches", "- a tent - a stove - matches"),  # flattened bullets
    ("- 8 degrees at night", "- 8 degrees at night"),  # a leading "- ": a bullet or a minus
    ("dropped to - 8 degrees", "dropped to - 8 degrees"),  # a negative number, not "to-8"
    ("between - 2 and 6", "between - 2 and 6"),
    ("sank to - 40 in January", "sank to - 40 in January"),
    ("2 - 3 weeks", "2-3 weeks"),  # digits: a range, always joined
    ("a non - profit group", "a non-profit group"),  # the answer's one " - ", after a word
    ("gates 12 , 140 and 31", "gates 12 , 140 and 31"),  # a list of numbers, not 12,140: as written
    ("Flats 3 , 4 & 120", "Flats 3 , 4 & 120"),
    ("1 , 500 or 20 seats", "1 , 500 or 20 seats"),  # a list: kept as written (round 57 mend7)
    ("1 , 500 or 2 , 000 seats", "1,500 or 2,000 seats"),  # ... but two groups are groups
    ("from 2 , 000 to 3 , 500", "from 2,000 to 3,500"),
    ("between 10 , 000 and 12 , 000", "between 10,000 and 12,000"),
    ("ages 4 to 10 , 300 children", "ages 4 to 10 , 300 children"),  # a range, then a count: not 10,300
    ("In Q2 , 250 orders", "In Q2, 250 orders"),  # not a whole number before: not Q2,250
    ("in 1987 , 300 homes", "in 1987, 300 homes"),
    ("in 1975 . 12 new wards", "in 1975. 12 new wards"),  # a sentence's end after a year, not 1975.12
    ("in 2012 . 4 , 000 fans", "in 2012. 4,000 fans"),
    ("it ' s 4 . 5 km", "it's 4.5 km"),
    ("a .NET library", "a .NET library"),  # a mark is pulled back only before a space or the end
    ("opens .docx files", "opens .docx files"),
    ("the ' re-run ' clause", "the ' re-run ' clause"),  # quotes, not the clitic 're
    ("marked ' s ' for sale", "marked ' s ' for sale"),
    ("the ' t-bar ' lift", "the ' t-bar ' lift"),
    ("she wouldn ' t go", "she wouldn't go"),
    ("Tom ' s dog , Rex", "Tom's dog, Rex"),
    ('the 12 " pipe and the 6 " one', 'the 12 " pipe and the 6 " one'),  # inch marks: quotes left as written
])
def test_joins_that_would_change_the_meaning_are_not_made(raw, tidied):
    assert tidy(raw) == tidied


GATE = 'The gate reads " No entry " and the shed " Keep out " , she said . The barn , however , is open .'


@pytest.mark.parametrize("span,served", [
    ('No entry " and the shed " Keep out', 'No entry" and the shed "Keep out'),  # starts inside a quotation
    ('" No entry " and', '"No entry" and'),
    ('reads " No entry', 'reads "No entry'),
    ('the shed " Keep out " , she said', 'the shed "Keep out", she said'),
])
def test_straight_quotes_pair_by_their_parity_in_the_source(span, served):
    assert tokenized(GATE)
    assert tidy_verdict(Verdict("ok", span, ["S1"]), [_item("S1", GATE)]).text == served


def test_quotes_are_left_where_the_source_cannot_tell():
    odd = 'The sign said " No dogs , please . The gate , however , is open . She left .'  # a quotation cut off
    assert tokenized(odd)
    assert tidy_verdict(Verdict("ok", 'said " No dogs', ["S1"]), [_item("S1", odd)]).text == 'said " No dogs'
    inches = 'Fit the 12 " pipe first , then the " flexible " hose . It is sold separately , at £ 9 .'
    assert tokenized(inches)
    v = Verdict("ok", 'the " flexible " hose', ["S1"])
    assert tidy_verdict(v, [_item("S1", inches)]).text == 'the " flexible " hose'


# ordinary documents that space a mark here and there by their genre (readA's kinds, written anew): not tokenized
ORDINARY = [
    "Index\nWelcome . . . . . . . 1\nBooking the hall . . . . . 4\nDeposits - how they work . . . . 7\n"
    "Fire safety . . 9",
    "Open a terminal in the folder and type npm install . to fetch the packages. Then run tar -czf site.tgz . and "
    "copy site.tgz to the server. If in doubt, run make test . first.",
    "Download the form at https://example.net/forms/hire . Terms are at https://example.net/terms . Send it to "
    "bookings@example.net . We reply within two days.",
    "The config lives in /etc/hall/hall.toml . Logs go to /var/log/hall.log . Keep a copy of D:\\Backups\\hall.db .",
    "\"Well . . . perhaps,\" said the warden. \"Ask again . . . on Monday.\" The clerk sighed . . . and wrote it down.",
    "Section 2 . 4 , 3 . 1 and 5 . 2 apply. The fee was 12 , 4 or 6 pounds, depending on the room.",
    "item , qty , price\nchairs , 40 , 2.50\ntables , 8 , 12.00\nurns , 2 , 30.00",  # a padded export: commas only
    "Dear members , the hall is shut on Friday , Saturday and Sunday for the floor to be sealed , sorry!",  # commas
    "MINUTES\nPresent: Cllr Ames, Cllr Bose, Cllr Ng.\nItem 3 . Hedges - cut in March.\nItem 4. The clerk will write.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_documents_that_space_a_mark_here_and_there_are_not_tokenized(text):
    assert not tokenized(text), marks(text)


def test_tokenized_text_needs_two_kinds_of_evidence():
    assert marks("One , two . Three ' s four does n't") == (1, 1, 2, 0)
    assert tokenized("The hall , built in 1902 , seats 200 . It has a kitchen , a bar and a stage .")
    assert tokenized("The vicar ' s house is next door . It ' s open on Sundays .")  # clitics and full stops
    assert not tokenized("apples , pears , plums , two loaves , cheese , and tea")  # commas alone: a style
    assert not tokenized("It rose 3 , 4 and then 5 , 6 , 7 . 5 points")  # marks between digits do not count
    assert marks("It cost 5 , 000 pounds")[0] == 1  # ... but a thousands comma does


def test_served_verdict_is_the_ruling_sentence_then_tidied():
    text = "Dogs are n't allowed in the hall , except assistance dogs . Cats , however , are welcome ."
    ctx = [_item("S1", text)]
    v = served_verdict(Verdict("ok", "assistance dogs", ["S1"]), ctx, "Can I bring my dog to the hall?",
                       "extractive", 400)
    assert v.text == "Dogs aren't allowed in the hall, except assistance dogs."
    assert served_verdict(Verdict("ok", "Cats , however", ["S1"]), ctx, "What about cats?", "free", 400).text == \
        "Cats, however"


def test_what_is_sent_whole():
    plain, tok = [_item("S1", PLAIN)], [_item("S1", PLAIN), _item("S2", UNI)]
    assert sent_whole("Can I park here?", "extractive", plain)  # a yes/no question's sentence
    assert not sent_whole("Can I park here?", "free", plain)
    assert not sent_whole("How many staff?", "extractive", plain)
    assert sent_whole("How many staff?", "free", tok)  # any tokenized source: its citation is known at the end
    assert not sent_whole("How many staff?", "extractive", [_item("S1", ORDINARY[1]), _item("S2", ORDINARY[2])])


# Round 57 mend7 (readD's review): a writer who spaces " - " by habit means a dash, not a hyphen; a comma between
# small numbers may be a list or a decimal comma. Invented content (CC0).
NOTE = " ok , thanks . see you at the hall , I'll bring the keys . "
# A tokenizer splits clitics too ("I ' ll", "Qutb ' s"), which no writer does by habit: there a capitalised compound
# is a compound ("al - Turabi", "Saint - Pierre", "Saudi - based"), joined like a plain one (lead, round 57).
PTB_NOTE = " ok , thanks . see you at the hall , I ' ll bring the keys . "


@pytest.mark.parametrize("raw", [
    "No - it was Tuesday", "running late - 10 mins", "Dan Price - Field Engineer", "under the mat - the blue one",
    "Two people came - Tom and Ann", "9 am - 5 pm", "back by 6 - maybe later", "Ward 7 - Oak", "lunch - 45 min",
    "the shed - it leaks", "Rosa - our new chef", "open - Mon to Sat",
])
def test_a_habit_spaced_dash_stays_a_dash(raw):
    src = raw + " ." + NOTE
    assert tokenized(src) and tidy(raw, [src]) == raw


def test_a_word_hyphen_joins_two_plain_words_in_a_sentence_with_no_other_dash():
    src = "It is measured in the kilogram - force , the old unit ." + NOTE
    assert tidy("the kilogram - force", [src]) == "the kilogram-force"
    assert tidy("a well - kept garden", []) == "a well-kept garden"
    # the sentence holds another " - ": the answer's dash is one of a pair of clause dashes
    src = "The hall - rebuilt after the fire - seats a hundred ." + NOTE
    assert tidy("The hall - rebuilt", [src]) == "The hall - rebuilt"
    src = "The barn - sheds - roof work starts in May ." + NOTE
    assert tidy("barn - sheds", [src]) == "barn - sheds"
    assert tidy("3 - 4 days", []) == "3-4 days" and tidy("pages 12 - 18", []) == "pages 12-18"  # digit ranges
    assert tidy("the mid - 1990s", []) == "the mid-1990s" and tidy("a so - called fix", []) == "a so-called fix"
    src = "The kilogram - force is a non - SI unit ." + NOTE  # a prefix's dash before "SI" is no clause dash
    assert tidy("The kilogram - force", [src]) == "The kilogram-force"


@pytest.mark.parametrize("src, raw, out", [
    ("Rooms 101 , 102 , 103 and 205 are free .", "Rooms 101 , 102 , 103", "Rooms 101 , 102 , 103"),
    ("Rooms 101 , 102 , 103 and 205 are free .", "101 , 102 , 103 and 205", "101 , 102 , 103 and 205"),
    ("Flights 212 , 310 , 415 were late .", "212 , 310 , 415", "212 , 310 , 415"),
    ("Buses 5 , 123 and 9 stop here .", "Buses 5 , 123", "Buses 5 , 123"),  # the source goes on " and 9"
    ("Desks 14 , 220 or 31 are booked .", "14 , 220", "14 , 220"),
    ("A coffee costs € 5 , 50 here .", "€ 5 , 50", "€ 5 , 50"),  # a decimal comma: never "€5, 50"
    ("The code is 4 , 7 , 1 on the pad .", "4 , 7 , 1", "4 , 7 , 1"),
    ("About 5 , 000 fans came .", "5 , 000 fans", "5,000 fans"),
    ("The county has 1 , 234 , 567 people .", "1 , 234 , 567", "1,234,567"),
    ("Wages run from 5 , 000 to 30 , 000 a year .", "5 , 000 to 30 , 000", "5,000 to 30,000"),
    ("He owed £ 12 , 400 in all .", "£ 12 , 400", "£12,400"),
    ("The year 1990 , 45 people moved .", "1990 , 45 people", "1990, 45 people"),  # a year: not a small number
])
def test_number_chains_join_only_as_one_number(src, raw, out):
    src = src + NOTE
    assert tokenized(src) and tidy(raw, [src]) == out


def test_the_list_check_reads_a_bounded_window():
    big = "Sales rose to 1 , 000 and then 2 , 500 units , the report ' s author said . " * 2000
    t = time.process_time()
    out = tidy(big)
    assert time.process_time() - t < 2.0  # was quadratic: the whole prefix rescanned at every number
    assert out.startswith("Sales rose to 1,000 and then 2,500 units, the report's author said.")


def test_a_tokenizer_split_source_joins_its_capitalised_compounds():
    src = "It was led by Hassan al - Turabi ." + PTB_NOTE
    assert tidy("Hassan al - Turabi", [src]) == "Hassan al-Turabi"
    src = "The Saudi - based group grew quickly ." + PTB_NOTE
    assert tidy("Saudi - based group", [src]) == "Saudi-based group"
    src = "Jacques de Saint - Pierre led the column ." + PTB_NOTE
    assert tidy("Jacques de Saint - Pierre", [src]) == "Jacques de Saint-Pierre"
    # a function word on either side, a clause pair, or a habit-spaced source (no split clitic) keeps the dash
    src = "No - it was Tuesday ." + PTB_NOTE
    assert tidy("No - it was Tuesday", [src]) == "No - it was Tuesday"
    src = "It was led by Hassan al - Turabi ." + NOTE
    assert tidy("Hassan al - Turabi", [src]) == "Hassan al - Turabi"


def test_a_comma_before_four_digits_loses_its_space():
    src = "It was signed on May 18 , 1756 in Paris ." + PTB_NOTE
    assert tidy("May 18 , 1756", [src]) == "May 18, 1756"
    assert tidy("€ 5 , 50", []) == "€ 5 , 50" and tidy("rooms 101 , 102 , 103", []) == "rooms 101 , 102 , 103"


def test_two_hyphens_far_apart_in_a_tokenized_sentence_are_two_compounds():
    src = ("The pound - force has a metric cousin , less often used than the newton : the kilogram - force ( kgf ) ,"
           " the weight of one kilogram ." + NOTE)
    assert tidy("the kilogram - force", [src]) == "the kilogram-force"
    src = "The bridge - finished in 1932 - carries the road ." + NOTE  # two dashes close: a clause set off
    assert tidy("The bridge - finished in 1932", [src]) == "The bridge - finished in 1932"
