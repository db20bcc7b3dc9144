"""Data-parallel training across processes with ``accelerate``: ``accelerate launch --num_processes 2 [--cpu]
-m casus train RECIPE`` runs the same recipe in every process (DDP; gloo on the CPU, NCCL on GPUs).

One process (``WORLD_SIZE`` unset or 1) is the default and does exactly what it always did. With N processes
every rank draws the same batches (same seed), takes every N-th example of each batch, and scales its loss so
that the all-reduced gradient equals the one-process gradient of the whole batch (sum of token losses over the
whole batch's labelled tokens): the same optimizer steps, hence the same model and metrics, up to floating-point
order (with dropout 0; dropout masks differ per rank). Rank 0 evaluates on dev, decides early stopping for all
(broadcast), and alone writes the run folder; the others wait at barriers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass
class Dist:
    world: int = 1
    rank: int = 0
    accelerator: Any = None

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1

    def shard(self, batch: list[int]) -> list[int]:
        return batch[self.rank::self.world] if self.active else batch

    def wrap(self, model):
        return self.accelerator.prepare_model(model) if self.active else model

    def unwrap(self, model):
        return self.accelerator.unwrap_model(model) if self.active else model

    def barrier(self) -> None:
        if self.active:
            self.accelerator.wait_for_everyone()

    def broadcast(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank."""
        if not self.active:
            return value
        import torch.distributed as td

        box = [value]
        td.broadcast_object_list(box, src=0)
        return box[0]

    def sum_over_ranks(self, value) -> float:
        """The sum of a scalar tensor over ranks."""
        import torch.distributed as td

        v = value.detach().clone().float()
        td.all_reduce(v)
        return float(v)

    def all_reduce_mean(self, params) -> None:
        """Average the gradients of parameters DDP does not own (the multi-task trigger head)."""
        if not self.active:
            return
        import torch.distributed as td

        for p in params:
            if p.grad is not None:
                td.all_reduce(p.grad)
                p.grad /= self.world


_DIST: Dist | None = None


def world_size() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def get(device_type: str = "cpu") -> Dist:
    """The process group of this run (created once, by accelerate, when ``WORLD_SIZE`` > 1)."""
    global _DIST
    if _DIST is not None:
        return _DIST
    if world_size() <= 1:
        _DIST = Dist()
        return _DIST
    from accelerate import Accelerator

    acc = Accelerator(cpu=device_type == "cpu")
    _DIST = Dist(world=acc.num_processes, rank=acc.process_index, accelerator=acc)
    return _DIST
