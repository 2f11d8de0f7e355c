"""Data-parallel training across processes (torch.distributed): the few collective calls the loops need.

A run started by `python -m torch.distributed.run --nproc_per_node=N` sees WORLD_SIZE / RANK / LOCAL_RANK
in its environment; `init_from_env` joins the group (gloo on the CPU, nccl on CUDA) and returns a
`DistContext`, or None for a plain single-process run. Every decision that ends a loop (cancel, time
budget, early stop) goes through `any_flag` so all ranks leave a loop at the same step: a rank that
stopped alone would leave the others waiting in the next gradient all-reduce for ever.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistContext:
    rank: int
    world: int
    local_rank: int
    device: str  # the device this rank computes on ("cpu" or "cuda:<local_rank>")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def _tensor(self, values: Sequence[float], dtype: torch.dtype) -> torch.Tensor:
        # nccl reduces only CUDA tensors, gloo only CPU ones.
        return torch.tensor(list(values), dtype=dtype, device=self.device if self.device.startswith("cuda") else "cpu")

    def any_flag(self, *flags: bool) -> tuple[bool, ...]:
        """Each flag OR-ed over all ranks (one all-reduce)."""
        t = self._tensor([1.0 if f else 0.0 for f in flags], torch.float32)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return tuple(bool(v) for v in t.tolist())

    def sum(self, *values: float) -> tuple[float, ...]:
        """Each value summed over all ranks (one all-reduce, float64 so counts stay exact)."""
        t = self._tensor(values, torch.float64)
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return tuple(float(v) for v in t.tolist())

    def broadcast_flag(self, flag: bool) -> bool:
        """Rank 0's flag on every rank."""
        t = self._tensor([1.0 if flag else 0.0], torch.float32)
        dist.broadcast(t, src=0)
        return bool(t.item())

    def wrap(self, model: nn.Module) -> nn.Module:
        """DistributedDataParallel around `model`: backward() leaves the ranks' mean gradient on every rank."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.local_rank] if self.device.startswith("cuda") else None
        # No buffer sync per forward: the only buffers are frozen BatchNorm statistics, identical on every rank
        # (torch 2.13 renamed broadcast_buffers to forward_sync_buffers and warns on the old name).
        if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters:
            return DistributedDataParallel(model, device_ids=ids, forward_sync_buffers=False)
        return DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)

    def shard(self, items: Sequence) -> list:
        """This rank's share of `items` (every world-th item, starting at rank)."""
        return list(items[self.rank :: self.world])


def world_size_from_env() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def init_from_env(device: str = "cpu") -> DistContext | None:
    """Join the process group torch.distributed.run set up; None when this is a single-process run."""
    world = world_size_from_env()
    if world <= 1:
        return None
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    if device.startswith("cuda"):
        torch.cuda.set_device(local_rank)
        device, backend = f"cuda:{local_rank}", "nccl"
    else:
        backend = "gloo"
    dist.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistContext(rank, world, local_rank, device)


def shutdown(ctx: DistContext | None) -> None:
    if ctx is not None and dist.is_initialized():
        dist.destroy_process_group()
