"""Round 45's second read, mended: a malformed base_url's password never shown; an eval run against another remote
server is another run (as the answer cache keys it); a missing file is a problem of `backup --verify`, not a file
it checked."""

from __future__ import annotations

import json
import shutil

from ragtune.appliance.backup_verify import verify_backup
from ragtune.appliance.config import GenerateConfig, Settings
from ragtune.appliance.eval.identity import answer_settings
from ragtune.appliance.remote import shown_url

from .test_r45_backup_verify import made  # noqa: F401  (the fixture: a backup of a small home)


def test_no_password_is_shown_even_in_a_malformed_url():
    assert shown_url("http://team:hunter2@gpu-box:8080/v1") == "http://gpu-box:8080/v1"
    assert shown_url("http://user:pa/ss@host/v1") == "http://host/v1"  # was: http://pa/ss@host/v1 … "user:pa"
    assert shown_url("https://u@h/v1?x=1") == "https://h/v1?x=1"
    assert shown_url("http://host/v1/a@b") == "http://host/v1/a@b"  # an "@" in a path after a plain host stays


def test_an_eval_against_another_server_is_another_run(home):
    def keyed(**gen):
        return json.dumps(answer_settings(Settings(home=home, generate=GenerateConfig(**gen))), sort_keys=True)

    local = keyed()
    a = keyed(backend="openai", base_url="http://a:8080/v1")
    b = keyed(backend="openai", base_url="http://b:8080/v1")
    assert len({local, a, b}) == 3  # was: a == b (base_url dropped as transport)
    assert keyed(base_url="http://a:8080/v1") == local  # the local backend's run ids are unchanged
    assert "hunter2" not in keyed(backend="openai", base_url="http://u:hunter2@a:8080/v1")


def test_a_missing_file_is_not_counted_as_checked(made):  # noqa: F811
    before = verify_backup(made).files
    shutil.rmtree(made / "eval")
    res = verify_backup(made)
    assert not res.ok and res.files < before  # was: every file of backup.json counted, found or not
