"""Declarative description of a benchmark: variants, metrics and targets.

A benchmark module exposes ``SPEC: Spec`` and ``run(client, params, url) -> dict``.
The orchestrator reads the spec in the parent process; ``run`` executes in a fresh
worker process and returns one number per metric key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Clients every network benchmark compares.  "floor" is hand-written httpx + json,
# "floor_httpx2" the same code on httpx2, "anchor" langchain-google-genai, "ours"
# langchain-gemini.
FLOORS = ("floor", "floor_httpx2")
ALL_CLIENTS = (*FLOORS, "anchor", "ours")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    higher_is_better: bool = False
    digits: int = 0


@dataclass(frozen=True)
class Target:
    """What ``ours`` must reach on one metric.

    ``reference`` is "floor" (the httpx floor) or "best_floor" (the faster of the
    floors in the same repeat); ratios are ours / reference.  ``zero`` names metrics
    that must be 0 in every repeat (e.g. new connections after warm-up).
    """

    metric: str
    reference: str | None = "floor"
    max_ratio: float | None = None
    min_ratio: float | None = None
    max_value: float | None = None
    zero: tuple[str, ...] = ()
    anchor_note: str = ""

    def describe(self) -> str:
        parts = []
        ref = "best floor" if self.reference == "best_floor" else "floor"
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:g}x {ref}")
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio:g}x {ref}")
        if self.max_value is not None:
            parts.append(f"<= {self.max_value:g}")
        parts.extend(f"{name} = 0" for name in self.zero)
        return ", ".join(parts)


@dataclass(frozen=True)
class Variant:
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)  # overrides for --quick
    server: dict[str, Any] = field(default_factory=dict)  # POST /_emulator/config
    target: Target | None = None
    clients: tuple[str, ...] | None = None  # a subset of the spec's clients; None: all of them

    def resolved(self, quick: bool) -> dict[str, Any]:
        return {**self.params, **self.quick} if quick else dict(self.params)


# (client's metrics, floor's metrics in the same variant and repeat) -> extra metrics for the client.
Derive = Callable[[Mapping[str, float], Mapping[str, float]], dict[str, float]]


@dataclass(frozen=True)
class Spec:
    name: str
    module: str
    variants: tuple[Variant, ...]
    metrics: tuple[Metric, ...]  # the first one is the primary metric
    clients: tuple[str, ...] = ALL_CLIENTS
    # What ratios are computed against when no target says otherwise; None: no ratios.
    reference: str | None = "floor"
    prime: bool = False  # run each client once, discarded, before the repeats (pyc, disk cache)
    needs_server: bool = True
    default: bool = True  # False: only with --only (exploratory sweeps)
    # Metrics that need the floor's run of the same repeat (e.g. a cost net of the floor's); the harness adds
    # them to every client's metrics before summarising, the floor's own included.
    derive: Derive | None = None
