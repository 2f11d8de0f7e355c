"""Training-engine tests: torch on one thread (the test machines are small and shared)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_thread():
    try:
        import torch
    except ImportError:  # the torch-free tests (rec_data) still run; the others skip themselves
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
