"""resources/bootstrap.py: the app installs the base package only, the tests everything; the install stamp
reuses an environment that has more than a command needs and adds what it lacks (issue 12)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "resources" / "bootstrap.py"


@pytest.fixture(scope="module")
def bootstrap():
    spec = importlib.util.spec_from_file_location("labeler_bootstrap", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_each_command_gets_only_the_extras_it_needs(bootstrap):
    assert bootstrap.extras_for(["labeler", "resources/demo"]) == frozenset()
    assert bootstrap.extras_for(["labeler"]) == frozenset()
    assert bootstrap.extras_for(["labeler", "models", "--json"]) == frozenset()
    assert bootstrap.extras_for(["labeler", "train", "DIR"]) == {"train"}
    assert bootstrap.extras_for(["pytest", "-q"]) == {"test", "train"}
    assert bootstrap.extras_for(["python", "-m", "labeler"]) == {"test", "train"}


def test_the_stamp_decides_what_to_install(bootstrap):
    stamp, plan = bootstrap.Stamp, bootstrap.plan_install
    app, tests, train = frozenset(), frozenset({"test", "train"}), frozenset({"train"})
    assert plan(None, stamp("d1", app, "(3, 11)")) == app  # a new environment: the base package only
    assert plan(stamp("d1", app, "(3, 11)"), stamp("d1", app, "(3, 11)")) is None
    assert plan(stamp("d1", app, "(3, 11)"), stamp("d1", tests, "(3, 11)")) == tests  # app first, then the tests
    assert plan(stamp("d1", tests, "(3, 11)"), stamp("d1", app, "(3, 11)")) is None  # the reverse reinstalls nothing
    assert plan(stamp("d1", tests, "(3, 11)"), stamp("d1", train, "(3, 11)")) is None
    assert plan(stamp("d1", train, "(3, 11)"), stamp("d1", {"test"}, "(3, 11)")) == tests  # keeps what it has
    assert plan(stamp("d1", tests, "(3, 11)"), stamp("d2", app, "(3, 11)")) == app  # pyproject.toml changed
    assert plan(stamp("d1", app, "(3, 11)"), stamp("d1", app, "(3, 12)")) == app  # another Python


def test_stamps_of_the_old_format_are_read(bootstrap):
    old = f"{'ab' * 32} extras=test,train python=(3, 11)"  # what the bootstrap before issue 12 wrote
    stamp = bootstrap.Stamp.parse(old + "\n")
    assert stamp == bootstrap.Stamp("ab" * 32, frozenset({"test", "train"}), "(3, 11)")
    assert stamp.text() == old
    app = bootstrap.Stamp("cd" * 32, frozenset(), "(3, 11)")
    assert bootstrap.Stamp.parse(app.text()) == app and app.text().endswith(" extras= python=(3, 11)")
    assert bootstrap.Stamp.parse("") is None and bootstrap.Stamp.parse("garbage") is None


def _run(venv: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LABELER_VENV=str(venv))
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=30)


def _fake_environment(venv: Path, extras: str) -> None:
    """A folder that looks installed to the bootstrap: its python and a stamp for this pyproject.toml."""
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    (venv / ".labeler-install-stamp").write_text(f"{digest} extras={extras} python={sys.version_info[:2]}")


@pytest.mark.skipif(os.name == "nt", reason="the fake environment has a POSIX layout")
def test_the_script_says_what_it_would_install(tmp_path):
    done = _run(tmp_path / "none", "--help")
    assert done.returncode == 0 and "bootstrap.py pytest" in done.stdout
    done = _run(tmp_path / "none", "--dry-run", "labeler", "resources/demo")
    assert done.returncode == 0, done.stderr
    assert "would create" in done.stderr and "install labeler (base package, no extras)" in done.stderr
    assert not (tmp_path / "none").exists()  # a dry run creates nothing

    _fake_environment(tmp_path / "app", "")
    assert "would install labeler with extras test, train" in _run(tmp_path / "app", "--dry-run", "pytest").stderr
    assert "up to date" in _run(tmp_path / "app", "--dry-run", "labeler", "resources/demo").stderr
    assert "would install labeler with extras train" in _run(tmp_path / "app", "--dry-run", "labeler", "train").stderr

    _fake_environment(tmp_path / "all", "test,train")  # an environment the old bootstrap made
    assert "up to date" in _run(tmp_path / "all", "--dry-run", "labeler", "resources/demo").stderr
    assert "up to date" in _run(tmp_path / "all", "--dry-run", "pytest").stderr
