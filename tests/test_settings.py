"""Settings: a typo or a bad value stops the program with a message saying which setting."""

import re
import secrets

import pytest
from helpers import ROOT, run_steward

from steward.settings import DEV_SECRET, Settings, load, names
from storage.errors import StewardError


def test_defaults_put_sqlite_under_home(tmp_path):
    s = load({"STEWARD_HOME": str(tmp_path)})
    assert s.db_url == f"sqlite:///{tmp_path / 'steward.db'}"
    assert s.files_dir == tmp_path / "files"


def test_misspelt_setting_is_refused_with_a_suggestion():
    with pytest.raises(StewardError) as err:
        load({"STEWARD_DATABSE_URL": "sqlite://"})
    assert "STEWARD_DATABASE_URL" in err.value.zh and "Did you mean STEWARD_DATABASE_URL" in err.value.en


def test_bad_value_names_the_setting():
    with pytest.raises(StewardError) as err:
        load({"STEWARD_PORT": "eighty"})
    assert err.value.field == "STEWARD_PORT"


def test_production_refuses_the_development_secret():
    with pytest.raises(StewardError, match="STEWARD_SECRET_KEY"):
        load({"STEWARD_ENV": "production"})
    strong = secrets.token_urlsafe(32)
    assert load({"STEWARD_ENV": "production", "STEWARD_SECRET_KEY": strong}).secret_key != DEV_SECRET
    for weak in ("x" * 40, "short-key", DEV_SECRET):
        with pytest.raises(StewardError, match="STEWARD_SECRET_KEY"):
            load({"STEWARD_ENV": "production", "STEWARD_SECRET_KEY": weak})
    with pytest.raises(StewardError, match="published example"):  # nowhere, not even in development
        load({"STEWARD_SECRET_KEY": DEV_SECRET})


def test_an_unset_key_is_generated_once_and_kept_for_this_user_only(tmp_path):
    from steward.context import Context
    first = Context(load({"STEWARD_HOME": str(tmp_path)})).session_secret
    again = Context(load({"STEWARD_HOME": str(tmp_path)})).session_secret
    assert first == again and len(first) >= 32 and first != DEV_SECRET
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert Context(load({"STEWARD_HOME": str(tmp_path / "other")})).session_secret != first


def test_a_weak_key_is_refused_on_a_network_address(tmp_path):
    from steward.context import Context
    weak = Context(load({"STEWARD_HOME": str(tmp_path), "STEWARD_SECRET_KEY": "only-on-my-laptop"}))
    weak.check_serving("127.0.0.1")
    with pytest.raises(StewardError, match="0.0.0.0"):
        weak.check_serving("0.0.0.0")
    Context(load({"STEWARD_HOME": str(tmp_path)})).check_serving("0.0.0.0")  # the generated key is strong


def test_cli_reports_unknown_setting_and_writes_nothing(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "STEWARD_HOME": str(tmp_path / "h"), "STEWARD_PROT": "9000"}
    result = run_steward(["demo", "--no-serve"], env)
    assert result.returncode == 2
    assert "STEWARD_PROT" in result.stderr and "STEWARD_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "h").exists()


def test_cli_reports_an_unreachable_database(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "STEWARD_HOME": str(tmp_path),
           "STEWARD_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = run_steward(["demo", "--no-serve"], env)
    assert result.returncode == 2
    assert "无法连接数据库" in result.stderr and "Cannot reach database" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_reports_a_database_url_it_cannot_parse(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "STEWARD_HOME": str(tmp_path), "STEWARD_DATABASE_URL": "not a url"}
    result = run_steward(["verify"], env)
    assert result.returncode == 2 and "Cannot parse database URL" in result.stderr


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(STEWARD_[A-Z_]+)`", readme))
    assert set(names()) <= documented
    assert documented - set(names()) == set(), "README names a setting that does not exist"
    assert len(Settings.model_fields) == len(names())
