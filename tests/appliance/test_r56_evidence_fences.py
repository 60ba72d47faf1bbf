"""Round 56: the evidence check's heading reading skips `# comment` lines inside a code fence opened in the chunk
(a reader's round-55 finding; mend6: a chunk ending inside a fence keeps its real headings). Invented text (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

from ragtune.appliance.evidence import _read_with, features


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


# A reader's finding (round 55): the evidence check read a `# comment` line of a fenced code block as a heading, so
# every sentence after it was read "about" the comment. Headings are read outside ``` and ~~~ fences only.
def about(text: str, ending: str) -> str:
    """The headings the sentence of `text` that ends with `ending` is read with."""
    return next(a for s, a in _read_with(text) if s.endswith(ending))


def test_a_comment_inside_a_code_fence_is_not_a_heading():
    text = ("## Backups\nRun it nightly.\n```bash\n# restore the staging database\nrestic restore latest\n```\n"
            "Keep 30 days. Ask the admin.")
    assert about(text, "Keep 30 days.") == "Backups"  # not "Backups restore the staging database"
    assert about(text, "Ask the admin.") == "Backups"
    assert features("staging admin", [hit(text)])["best_sentence"] == 0.5  # was 1.0: "Ask the admin." about staging
    tilde = "# Setup\n~~~~\n# not a heading\n~~~\n# still code\n~~~~\nDone now."
    assert about(tilde, "Done now.") == "Setup"  # "~~~" does not close a "~~~~" fence
    info = "# Setup\n```python\n# code\n```python\n# code too\n```\nDone now."
    assert about(info, "Done now.") == "Setup"  # a fence with an info string opens, never closes


def test_a_chunk_ending_inside_a_fence_keeps_its_real_headings():
    # mend6: h2 guessed that a chunk ending in a fence whose first fence is bare had started inside one, and dropped
    # the chunk's real heading. No guess: only fences opened in the chunk hide `#` lines.
    bare = "## Install\n```\n# a comment\nmake. Done here."
    assert about(bare, "Done here.") == "Install"
    assert about(bare, "make.") == "Install"
    opened = "## Install\n```sh\n# a comment\nmake"
    assert all(about == "Install" for _, about in _read_with(opened))
    # the cost, as in round 55: a chunk cut inside a fence reads its leading comment as a heading (was "Next steps"
    # under h2's guess; "## Next steps" is now inside the fence the chunk's ``` opens)
    text = "# apt-get comment, code\napt-get install foo\n```\n## Next steps\nReboot the box."
    assert about(text, "Reboot the box.") == "apt-get comment, code"


def test_headings_outside_fences_read_as_before():
    text = "# Fees\n## Allotments\nRent is £30 a year.\n## Hall hire\nThe main hall costs £12 an hour. Ask the clerk."
    assert about(text, "Ask the clerk.") == "Fees Hall hire"


def test_the_askers_own_numbers_still_count():
    # round 56 tried leaving out the asker's age, arrival time and party as numbers the context must hold, and took
    # it out: the age can be what the answer turns on ("a dose for my 14-month-old" over a leaflet from age 2)
    leaflet = [hit("Children aged 2 to 5: 5 ml twice a day. Children aged 6 to 11: 10 ml twice a day.")]
    assert features("My baby is 14 months old, what dose can she have?", leaflet)["number_missing"] == 1.0
    assert features("What dose for a child aged 6?", leaflet)["number_missing"] == 0.0
