"""Run a command inside the project's own virtual environment, creating or updating it first.

    python3 resources/bootstrap.py labeler resources/demo     # the app on the demo images
    python3 resources/bootstrap.py pytest                     # the tests

Standard library only, so it works on a fresh machine. The environment lives in `.venv/` at the
repo root; it is (re)installed only when pyproject.toml changed since the last install, so the
second run starts at once. LABELER_VENV overrides the location.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("LABELER_VENV", REPO / ".venv"))
STAMP = VENV / ".labeler-install-stamp"
EXTRAS = "test,train"  # train: torch==2.13.0 (CPU), so CI runs the retrain tests too


def _bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def _wanted_stamp() -> str:
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} extras={EXTRAS} python={sys.version_info[:2]}"


def ensure_environment() -> None:
    if not _bin("python").exists():
        print(f"bootstrap: creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _wanted_stamp():
        return
    print("bootstrap: installing labeler and its dependencies (first run only)", file=sys.stderr)
    pip = [str(_bin("python")), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(pip + ["install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run(pip + ["install", "--quiet", "-e", f"{REPO}[{EXTRAS}]"], check=True)
    STAMP.write_text(_wanted_stamp())


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    exe = _bin(argv[0])
    cmd = [str(exe) if exe.exists() else argv[0], *argv[1:]]
    env = dict(os.environ, VIRTUAL_ENV=str(VENV), PATH=f"{_bin('python').parent}{os.pathsep}{os.environ.get('PATH', '')}")
    os.chdir(REPO)
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
