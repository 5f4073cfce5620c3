"""Medians, per-repeat ratios, target checks and the printed table."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks._spec import FLOORS, Metric, Spec, Target, Variant


@dataclass
class Run:
    """One worker: a (benchmark, variant, client, repeat) and what it measured."""

    bench: str
    variant: str
    client: str
    repeat: int
    metrics: dict[str, float] | None
    error: str | None = None
    wall_s: float = 0.0
    server_cpu_s: float | None = None


@dataclass
class Row:
    bench: str
    variant: str
    metric: str
    label: str
    reference: str | None
    clients: tuple[str, ...] = ()
    values: dict[str, float | None] = field(default_factory=dict)
    ratios: dict[str, float | None] = field(default_factory=dict)
    target: str = ""
    result: str = ""
    anchor_result: str = ""
    note: str = ""


class Table:
    """Results indexed by (bench, variant, client, repeat) -> metrics."""

    def __init__(self, runs: list[Run]) -> None:
        self._data = {(r.bench, r.variant, r.client, r.repeat): r.metrics for r in runs if r.metrics is not None}
        self.repeats = sorted({r.repeat for r in runs})

    def value(self, bench: str, variant: str, client: str, repeat: int, key: str) -> float | None:
        metrics = self._data.get((bench, variant, client, repeat))
        return None if metrics is None else metrics.get(key)

    def reference(self, spec: Spec, variant: str, ref: str, repeat: int, metric: Metric) -> float | None:
        if ref != "best_floor":
            return self.value(spec.name, variant, ref, repeat, metric.key)
        floors = [self.value(spec.name, variant, f, repeat, metric.key) for f in FLOORS]
        present = [v for v in floors if v is not None]
        if not present:
            return None
        return max(present) if metric.higher_is_better else min(present)

    def series(self, bench: str, variant: str, client: str, key: str) -> list[float]:
        values = (self.value(bench, variant, client, r, key) for r in self.repeats)
        return [v for v in values if v is not None]

    def ratio(self, spec: Spec, variant: str, client: str, ref: str, metric: Metric) -> float | None:
        """Median over repeats of client / reference within the same repeat."""
        ratios = []
        for repeat in self.repeats:
            mine = self.value(spec.name, variant, client, repeat, metric.key)
            base = self.reference(spec, variant, ref, repeat, metric)
            if mine is not None and base:
                ratios.append(mine / base)
        return statistics.median(ratios) if ratios else None


def _check(table: Table, spec: Spec, variant: Variant, row: Row, client: str) -> str:
    target = variant.target
    assert target is not None
    value, ratio = row.values.get(client), row.ratios.get(client)
    if value is None:
        return "n/a"
    ok = _within(target, value, ratio)
    for key in target.zero:
        series = table.series(spec.name, variant.name, client, key)
        ok = ok and bool(series) and max(series) == 0
    return "PASS" if ok else "FAIL"


def _within(target: Target, value: float, ratio: float | None) -> bool:
    if target.max_value is not None and value > target.max_value:
        return False
    if target.max_ratio is not None and (ratio is None or ratio > target.max_ratio):
        return False
    return not (target.min_ratio is not None and (ratio is None or ratio < target.min_ratio))


def add_derived(specs: list[Spec], runs: list[Run]) -> None:
    """Add each spec's derived metrics to its runs, from the floor's run of the same variant and repeat."""
    derive = {spec.name: spec.derive for spec in specs if spec.derive is not None}
    floors = {(r.bench, r.variant, r.repeat): r.metrics for r in runs if r.client == "floor" and r.metrics}
    for run in runs:
        compute = derive.get(run.bench)
        floor = floors.get((run.bench, run.variant, run.repeat))
        if compute is not None and floor is not None and run.metrics is not None:
            run.metrics.update(compute(run.metrics, floor))


def summarize(specs: list[Spec], runs: list[Run], clients: dict[str, tuple[str, ...]]) -> list[Row]:
    """One row per (benchmark, variant, metric); ``clients`` maps a benchmark to its clients."""
    table = Table(runs)
    rows = []
    for spec in specs:
        for variant in spec.variants:
            ref = variant.target.reference if variant.target else spec.reference
            for metric in spec.metrics:
                row = Row(spec.name, variant.name, metric.key, metric.label, ref, clients[spec.name])
                for client in row.clients:
                    series = table.series(spec.name, variant.name, client, metric.key)
                    row.values[client] = statistics.median(series) if series else None
                    row.ratios[client] = table.ratio(spec, variant.name, client, ref, metric)
                if variant.target and variant.target.metric == metric.key:
                    row.target = variant.target.describe()
                    row.note = variant.target.anchor_note
                    row.result = _check(table, spec, variant, row, "ours")
                    row.anchor_result = _check(table, spec, variant, row, "anchor")
                rows.append(row)
    return rows


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def render(rows: list[Row], specs: list[Spec]) -> str:
    """Fixed-width tables, one per set of clients: a line per (benchmark, variant, metric)."""
    digits = {(s.name, m.key): m.digits for s in specs for m in s.metrics}
    groups: list[list[Row]] = []
    for row in rows:
        if groups and groups[-1][0].clients == row.clients:
            groups[-1].append(row)
        else:
            groups.append([row])
    return "\n\n".join(_render_group(group, digits) for group in groups)


def _render_group(rows: list[Row], digits: dict[tuple[str, str], int]) -> str:
    clients = rows[0].clients
    compared = [c for c in clients if c not in FLOORS]
    header = ["benchmark", "variant", "metric", *clients, *(f"{c}/ref" for c in compared)]
    header += ["ref", "target", "result"]
    lines = [header]
    for row in rows:
        if not row.target and all(value is None for value in row.values.values()):
            continue  # a metric this variant does not measure
        d = digits[(row.bench, row.metric)]
        cells = [row.bench, row.variant, row.label]
        cells += [_fmt(row.values.get(client), d) for client in clients]
        cells += [_ratio(row.ratios.get(client)) for client in compared]
        cells += [(row.reference or "-").replace("_", " "), row.target, row.result]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for line in lines:
        cells = (c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
        out.append("  ".join(cells).rstrip())
    out.insert(1, "-" * max(len(line) for line in out))
    return "\n".join(out)


def to_json(rows: list[Row], runs: list[Run]) -> dict[str, Any]:
    return {"summary": [asdict(r) for r in rows], "runs": [asdict(r) for r in runs]}


def render_targets(rows: list[Row]) -> str:
    """One line per target: ours, the anchor against the same target, and the baseline."""
    lines = ["", "targets (ours; the anchor measured here against the same target):"]
    for row in rows:
        if row.target:
            lines.append(
                f"  {row.result:4}  {row.bench} {row.variant}: {row.label} {row.target}; "
                f"ours {_brief(row, 'ours')}, anchor {_brief(row, 'anchor')} "
                f"{row.anchor_result} (baseline: {row.note})"
            )
    return "\n".join(lines)


def _brief(row: Row, client: str) -> str:
    value, ratio = row.values.get(client), row.ratios.get(client)
    shown = "-" if value is None else f"{value:,.1f}"
    return shown if ratio is None else f"{shown} = {ratio:.2f}x"
