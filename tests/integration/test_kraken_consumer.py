"""The real consumer: kraken 7.1 (eScriptorium's engine) reads every line of labeler's PAGE and ALTO.

kraken needs torch, which labeler's environment does not have, so it runs in its own Python, named by
LABELER_KRAKEN_PYTHON (set up as benchmarks/kraken_consumer.py's docstring says); skipped without it:

    LABELER_KRAKEN_PYTHON=/tmp/kraken-venv/bin/python PYTHONPATH=. python -m pytest -m consumer \\
        tests/integration/test_kraken_consumer.py
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.consumer, pytest.mark.shared]
REPO = Path(__file__).resolve().parents[2]


def _benchmark():
    spec = importlib.util.spec_from_file_location("kraken_consumer", REPO / "benchmarks" / "kraken_consumer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_kraken_reads_every_line_with_its_text_polygon_and_baseline(shared_eval):
    kraken_python = os.environ.get("LABELER_KRAKEN_PYTHON", "")
    if not kraken_python or not Path(kraken_python).is_file():
        pytest.skip("LABELER_KRAKEN_PYTHON (a Python with kraken) is not set")
    rows = _benchmark().run(shared_eval / "public", kraken_python)
    assert [r.fmt for r in rows] == ["page", "alto", "synthetic page", "synthetic alto"]
    for row in rows:
        assert row.written > 0 and row.ok, row
    assert rows[0].explicit_orders == rows[0].files  # PAGE's ReadingOrder is followed
