"""The real consumer: a Label Studio 1.23 server (sqlite, 127.0.0.1) imports labeler's tasks and exports them back.

Heavy (a Django server): runs only with LABELER_LABEL_STUDIO naming the `label-studio` command (installed as
benchmarks/labelstudio_consumer.py's docstring says):

    LABELER_LABEL_STUDIO=/tmp/ls-venv/bin/label-studio PYTHONPATH=. python -m pytest -m consumer \\
        tests/integration/test_labelstudio_consumer.py
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
    spec = importlib.util.spec_from_file_location(
        "labelstudio_consumer", REPO / "benchmarks" / "labelstudio_consumer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_label_studio_round_trip_keeps_regions_and_status(shared_eval):
    exe = os.environ.get("LABELER_LABEL_STUDIO", "")
    if not exe or not Path(exe).is_file():
        pytest.skip("LABELER_LABEL_STUDIO (the label-studio command) is not set")
    quick, all_tasks, snapshot = _benchmark().run(exe, shared_eval / "public", 18091)
    # the full export: nothing lost, confirmed and pre-labelled as sent
    assert snapshot.regions_back == snapshot.regions_sent and snapshot.images_status_kept == snapshot.images
    # Label Studio's defaults leave the pre-labelled tasks out (annotated tasks only): what comes is exact
    assert quick.tasks == snapshot.images // 2 and quick.images_status_kept == quick.tasks
    # all tasks, predictions as ids: every such task is reported, none read as empty confirmed labels
    assert all_tasks.id_only_warned == snapshot.images // 2
