"""Round 45: a question in another language than its sources. `normalize.language` guesses the language from
function words (Han/kana by script); `refusal.refusal_check` then names the cause of a word-matching refusal
("language") instead of "off_topic"/"model", without changing any answer, and leaves English questions alone."""

from __future__ import annotations

import pytest

from ragtune.appliance.normalize import language
from ragtune.appliance.prompt import REFUSAL_TEXT
from ragtune.appliance.refusal import language_reason, other_language, refusal_check
from ragtune.appliance.types import ContextItem

ENGLISH = [
    "How many days of annual leave do I get?", "What are the core hours?", "How long is paternity leave?",
    "Who wrote La vie en rose?", "What does c'est la vie mean?", "Where is Den Haag?",
    "How far is the Straße des 17. Juni from Zürich?", "When did Jean de la Fontaine die?",
    "What is the price of a docking station in the price list?", "HS-MSA-0417 initial term length",
    "Is the Casa de la Moneda open on Sundays?", "Who is Lech Wałęsa?", "What is El Niño?",
    "Does the Alte Nationalgalerie open on Mondays?", "Was the museum in Den Bosch closed?",
    "What is the meaning of dolce far niente?", "Who sang Que sera sera?", "Where does Pedro da Silva work?",
    "What did the Rijksmuseum buy in 2020?", "When is the Día de los Muertos celebrated?",
]
OTHER = {
    "Wie viele Urlaubstage habe ich im Jahr?": "de", "Was kostet eine Dockingstation?": "de",
    "Combien de jours de congés payés ai-je par an ?": "fr", "Combien coûte une station d'accueil ?": "fr",
    "¿Cuántos días de vacaciones tengo al año?": "es", "cuanto cuesta una docking station": "es",
    "Hoeveel vakantiedagen heb ik per jaar?": "nl", "Wat zijn de kernuren?": "nl",
    "Ile kosztuje stacja dokująca?": "pl", "Jak długie musi być hasło?": "pl",
    "Quantos dias de férias tenho por ano?": "pt", "我每年有多少天年假？": "zh",
    "年次有給休暇は何日ありますか？": "ja",
    "Wie viele Urlaubstage habe ich per the handbook?": "de", "Quelle est la password minimum length ?": "fr",
}
DOC = ("Every full-time employee is entitled to 28 days of paid annual leave per calendar year, including public "
       "holidays. The IT service desk is open from 8:00 to 18:00 and can be reached at extension 4455.")
DOC_DE = ("Jeder Mitarbeiter hat im Jahr 28 Urlaubstage. Der IT-Service ist von 8:00 bis 18:00 erreichbar, die "
          "Durchwahl ist 4455, und eine Dockingstation kostet 229 Euro.")


@pytest.mark.parametrize("question", ENGLISH)
def test_english_questions_are_never_read_as_another_language(question):
    assert language(question) in ("en", None)


@pytest.mark.parametrize("question,lang", OTHER.items())
def test_questions_in_other_languages_are_told(question, lang):
    assert language(question) == lang


def test_too_few_words_tell_nothing():
    assert language("Dockingstation") is None and language("4455") is None and language("") is None


def test_other_language_needs_both_sides_clear_and_different():
    assert other_language("Wie viele Urlaubstage habe ich im Jahr?", [DOC]) == "de"
    assert other_language("Wie viele Urlaubstage habe ich im Jahr?", [DOC_DE]) is None  # German sources
    assert other_language("How many days of annual leave do I get?", [DOC]) is None
    assert other_language("Urlaubstage 2027", [DOC]) is None  # the question's language unknown


def _check(question: str, answer: dict, context: list[ContextItem]):
    return refusal_check(answer, context, min_support=0.34, mode="extractive", question=question,
                         min_relevance=0.01, refuse_echo=True)


def test_an_off_topic_refusal_of_a_german_question_says_language():
    ctx = [ContextItem("S1", DOC)]
    ok = {"status": "ok", "answer": "28 days", "citations": ["S1"]}
    de = _check("Wie viele Urlaubstage habe ich im Jahr?", ok, ctx)
    assert (de.status, de.text, de.citations, de.reason) == ("refused", REFUSAL_TEXT, [], "language")
    # the same refusal of an English question keeps its reason
    en = _check("Which tram goes to the airport?", ok, ctx)
    assert (en.status, en.text, en.citations, en.reason) == ("refused", REFUSAL_TEXT, [], "off_topic")


def test_the_models_own_refusal_of_a_french_question_says_language():
    refused = {"status": "refused", "answer": REFUSAL_TEXT, "citations": []}
    ctx = [ContextItem("S1", DOC)]
    assert _check("Combien de jours de congés payés ai-je par an ?", refused, ctx).reason == "language"
    assert _check("How many days of annual leave do I get?", refused, ctx).reason == "model"
    assert _check("Wie viele Urlaubstage habe ich im Jahr?", refused, [ContextItem("S1", DOC_DE)]).reason == "model"


def test_answers_are_never_changed_only_the_reason_of_a_refusal():
    ctx = [ContextItem("S1", DOC)]
    ok = {"status": "ok", "answer": "extension 4455", "citations": ["S1"]}
    v = _check("Welche Durchwahl hat der IT service desk?", ok, ctx)  # shares "service", "desk": not off topic
    assert (v.status, v.text, v.citations, v.reason) == ("ok", "extension 4455", ["S1"], None)


def test_reasons_that_are_not_about_matching_words_are_kept():
    for reason in ("injection", "override", "invalid_output", "no_citations", "not_extractive"):
        assert language_reason(reason, "Wie viele Urlaubstage habe ich im Jahr?", [DOC]) == reason
    assert language_reason("no_evidence", "Wie viele Urlaubstage habe ich im Jahr?", [DOC]) == "language"
    assert language_reason("no_evidence", "Wie viele Urlaubstage habe ich im Jahr?", []) == "no_evidence"


def test_capitalised_particles_inside_a_sentence_are_names_not_function_words():
    # disflqa-dev's passage on Southern California's teams was read as Spanish by its "Los Angeles", "San Diego"
    passage = ("Professional sports teams in Southern California include teams from the NFL ( Los Angeles Rams , San "
               "Diego Chargers ) ; NBA ( Los Angeles Lakers , Los Angeles Clippers ) ; MLB ( Los Angeles Dodgers , Los "
               "Angeles Angels of Anaheim , San Diego Padres ) ; NHL ( Los Angeles Kings , San Jose Sharks )")
    assert language(passage) in ("en", None)
    assert other_language("When did the Los Angeles Rams move?", [passage]) is None
    assert language("No parking as of May?") in ("en", None)  # "no", "as": English words, in no other list
    assert language("Hello. ¿Cuántos días de vacaciones tengo?") == "es"  # a capital after a sentence end counts
