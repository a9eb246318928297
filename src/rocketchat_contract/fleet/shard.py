"""A stable share of a fleet for one of N machines: ``--shard K/N`` runs the targets whose name falls in shard K.

A target's shard is the SHA-256 of its name taken modulo N, so every machine, every ordering of the fleet file and
every Python hash seed gives the same split, and a target stays in its shard when others are added or removed (a
split by position would move every target after an insertion). The price: with few targets the shards are uneven,
and one may be empty.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

SHARD_SYNTAX = "K/N"
"""How ``--shard`` is written: this job's shard K of N, K counting from 1 (GitLab's CI_NODE_INDEX/CI_NODE_TOTAL)."""
_SHARD = re.compile(r"(?P<index>[0-9]{1,6})/(?P<count>[0-9]{1,6})")
SHOWN = 40
"""How much of a bad --shard value its error line repeats."""


class ShardError(ValueError):
    """A ``--shard`` value that is not K/N with 1 <= K <= N; one line."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        """Whether the target called ``name`` runs in this shard."""
        return shard_of(name, self.count) == self.index

    def positions(self, names: Iterable[str]) -> list[int]:
        """The 1-based positions (in the fleet file) of the names that run in this shard."""
        return [position for position, name in enumerate(names, start=1) if self.holds(name)]


def shard_of(name: str, count: int) -> int:
    """The shard (1..count) a target name falls in: SHA-256 of the name's UTF-8, its first 8 bytes mod count."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """``K/N`` as a Shard; ShardError (one line) for anything else."""
    shown = text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
    match = _SHARD.fullmatch(text.strip())
    if match is None:
        raise ShardError(
            f"--shard takes {SHARD_SYNTAX}, this run's shard K of N shards with 1 <= K <= N "
            f"(e.g. --shard 2/3), not {shown!r}"
        )
    index, count = int(match["index"]), int(match["count"])
    if count < 1:
        raise ShardError(f"--shard {shown}: N, the number of shards, must be at least 1")
    if index < 1:
        raise ShardError(f"--shard {shown}: K counts from 1 (the first of {count} shards is 1/{count})")
    if index > count:
        raise ShardError(f"--shard {shown}: K is at most N ({count}); the last of {count} shards is {count}/{count}")
    return Shard(index, count)
