"""Run a command inside the project's own virtual environment, creating or updating it first.

    python3 resources/bootstrap.py labeler resources/demo     # the app on the demo images (no torch)
    python3 resources/bootstrap.py labeler train DIR          # retraining: adds the train extra (torch, onnx)
    python3 resources/bootstrap.py pytest                     # the tests (extras test and train)
    python3 resources/bootstrap.py --dry-run COMMAND ...      # say what would be installed, install nothing

Standard library only, so it works on a fresh machine. The environment lives in `.venv/` at the repo root
(LABELER_VENV overrides the location). Each command installs only what it needs: the window needs the base
package, not the 1.5 GB train extra. The first install shows pip's own progress and a line per step with
the elapsed seconds; later runs reinstall only when pyproject.toml changed or the command needs an extra
the environment does not have yet, so the second run starts at once.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("LABELER_VENV", REPO / ".venv"))
STAMP_NAME = ".labeler-install-stamp"
APP_EXTRAS: frozenset[str] = frozenset()  # the window and the headless commands: base package only
TRAIN_EXTRAS = frozenset({"train"})  # `labeler train`: torch==2.13.0 (CPU) and onnx
TEST_EXTRAS = frozenset({"test", "train"})  # the tests run the retrain tests too
_STAMP = re.compile(r"(?P<digest>[0-9a-f]+) extras=(?P<extras>[a-z0-9_,-]*) python=(?P<python>.+)")


@dataclass(frozen=True)
class Stamp:
    """What the environment was installed from: pyproject.toml's digest, the extras, the Python version."""

    digest: str
    extras: frozenset[str]
    python: str

    def text(self) -> str:
        return f"{self.digest} extras={','.join(sorted(self.extras))} python={self.python}"

    @classmethod
    def parse(cls, text: str) -> Stamp | None:
        """The stamp in a file's text (the older `extras=test,train` ones too), or None when it is not one."""
        match = _STAMP.fullmatch(text.strip())
        if match is None:
            return None
        extras = frozenset(name for name in match["extras"].split(",") if name)
        return cls(match["digest"], extras, match["python"])


def extras_for(argv: list[str]) -> frozenset[str]:
    """The extras a command needs: `labeler ...` the base package (`labeler train` adds train), anything else all."""
    if Path(argv[0]).name == "labeler":
        return TRAIN_EXTRAS if "train" in argv[1:2] else APP_EXTRAS
    return TEST_EXTRAS  # pytest, python, scripts: whatever the checkout's tools may import


def plan_install(stamp: Stamp | None, wanted: Stamp) -> frozenset[str] | None:
    """The extras to install now (an empty set: the base package alone), or None when nothing is to be done.

    The stamp lists the extras installed from the current pyproject.toml: a command needing fewer reuses the
    environment as it is (the app after the tests reinstalls nothing); one needing more installs them too.
    A changed pyproject.toml or Python reinstalls what this command needs, and the stamp then lists only that.
    """
    if stamp is None or stamp.digest != wanted.digest or stamp.python != wanted.python:
        return wanted.extras
    if wanted.extras <= stamp.extras:
        return None
    return stamp.extras | wanted.extras


def _bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def _wanted(extras: frozenset[str]) -> Stamp:
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    return Stamp(digest, extras, str(sys.version_info[:2]))


def _read_stamp(path: Path) -> Stamp | None:
    try:
        return Stamp.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


class Steps:
    """One line per step on stderr with the seconds since the start, so a first install is never silent."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        print(f"bootstrap [{time.monotonic() - self.started:6.1f} s] {text}", file=sys.stderr, flush=True)


def _requirement(extras: frozenset[str]) -> str:
    return f"{REPO}[{','.join(sorted(extras))}]" if extras else str(REPO)


def ensure_environment(extras: frozenset[str], dry_run: bool = False) -> None:
    steps = Steps()
    fresh = not _bin("python").exists()
    stamp_path = VENV / STAMP_NAME
    stamp = None if fresh else _read_stamp(stamp_path)  # a stamp left in a broken environment says nothing
    wanted = _wanted(extras)
    todo = plan_install(stamp, wanted)
    if todo is None:
        if dry_run:
            print(f"bootstrap: {VENV} is up to date for extras {sorted(extras)}", file=sys.stderr)
        return
    what = f"labeler with extras {', '.join(sorted(todo))}" if todo else "labeler (base package, no extras)"
    if dry_run:
        print(f"bootstrap: would {'create ' + str(VENV) + ' and ' if fresh else ''}install {what}", file=sys.stderr)
        return
    if fresh:
        import venv  # only here: importing it costs the second start time

        steps.say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(_bin("python")), "-m", "pip", "--disable-pip-version-check"]
    out = sys.stderr  # pip's output (progress bars included) on stderr: stdout stays the command's own
    if fresh:
        steps.say("upgrading pip")
        subprocess.run(pip + ["install", "--upgrade", "pip"], check=True, stdout=out)
    steps.say(f"installing {what}; pip's output follows")
    subprocess.run(pip + ["install", "-e", _requirement(todo)], check=True, stdout=out)
    stamp_path.write_text(Stamp(wanted.digest, todo, wanted.python).text(), encoding="utf-8")
    steps.say("environment ready")


def main(argv: list[str]) -> int:
    dry_run = bool(argv) and argv[0] == "--dry-run"
    if dry_run:
        argv = argv[1:]
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment(extras_for(argv), dry_run=dry_run)
    if dry_run:
        return 0
    exe = _bin(argv[0])
    cmd = [str(exe) if exe.exists() else argv[0], *argv[1:]]
    env = dict(
        os.environ, VIRTUAL_ENV=str(VENV), PATH=f"{_bin('python').parent}{os.pathsep}{os.environ.get('PATH', '')}"
    )
    os.chdir(REPO)
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
