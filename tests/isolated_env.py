"""A child Python without some installed packages, for real (not a stub that fails to import).

`python -S` reads no site-packages and no .pth files; PYTHONPATH then holds the repository and a folder of
links to every entry of this environment's site-packages except the hidden packages. find_spec finds none of
them, as on a machine where they were never installed; a stub package that raises on import would be found.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import REPO

TRAIN_MODULES = frozenset({"torch", "onnx"})  # the train extra's packages; onnxruntime (base) stays


def site_without(folder: Path, hidden: frozenset[str] = TRAIN_MODULES) -> Path:
    """`folder`/site-packages: links to this environment's site-packages entries except the `hidden` packages."""
    site = folder / "site-packages"
    site.mkdir(parents=True)
    for source in {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}:
        for entry in source.iterdir():
            top = re.split(r"[-.]", entry.name, maxsplit=1)[0].lower()  # torch-2.13.0+cpu.dist-info -> torch
            if top not in hidden and not (site / entry.name).exists():
                (site / entry.name).symlink_to(entry)
    return site


def run_without(
    folder: Path, *args: str, hidden: frozenset[str] = TRAIN_MODULES, timeout: float = 60
) -> subprocess.CompletedProcess:
    """`python -S ARGS...` in `folder` with the `hidden` packages absent; text output captured."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), str(site_without(folder, hidden))]),
        QT_QPA_PLATFORM="offscreen",
        PYTHONNOUSERSITE="1",
    )
    return subprocess.run(
        [sys.executable, "-S", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=timeout
    )
