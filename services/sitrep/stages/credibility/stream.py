"""Credibility measures from the other reports of the same event: originality, corroboration,
contradiction.

Only independent reports count: not a copy (``copy_of``), not the report's own original,
not the same outlet. Each outlet counts once, with the weight of its source prior, so three
reposts of one ministry statement by one agency are one voice, and a wire service outweighs a
party's mouthpiece.

Casualty figures are compared as ACLED's coders would: two figures agree when they differ by
at most 3 deaths or the larger is at most one and a half times the smaller ("at least 20"
and "23" agree; "45" and "90" do not), and when one does not count civilians where the other counts fighters. The
event's consensus is the claim at the prior-weighted median of the independent figures, the
lower one on a tie (ACLED keeps the most conservative figure); a report is contradicted when
its claim disagrees with the consensus and the outlets behind the consensus weigh at least
as much as the report's own outlet.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sitrep.stages.types import Report

Measure = tuple[float, list[str]]

MIN_WEIGHT = 0.05  # an outlet's voice never falls to nothing
ABSOLUTE_SLACK = 3  # deaths: differences up to this always agree
RELATIVE_SLACK = 0.5  # share of the smaller figure: differences up to this agree
FIGURELESS_SHARE = 0.4  # a report of the event that gives no figure corroborates this much
VICTIMS_GAP = 0.75  # how far apart "20 civilians" and "20 fighters" are, as a share of the toll


def weight_of(report: Report) -> float:
    """The outlet's source prior, read back from the report's source_prior signal."""
    for signal in report.text_signals:
        if signal.name == "source_prior":
            return max(MIN_WEIGHT, (signal.value + 1.0) / 2.0)
    return 0.5


def agree(a: int, b: int) -> bool:
    """Two death tolls for one event that do not contradict each other."""
    gap = abs(a - b)
    return gap <= ABSOLUTE_SLACK or gap <= RELATIVE_SLACK * min(a, b)


def conflict(a: str, b: str) -> bool:
    """One report counts civilians where the other counts fighters: two accounts of who died."""
    return {a, b} == {"civilians", "combatants"}


def same_claim(a: Report, b: Report) -> bool:
    return a.killed is not None and b.killed is not None and agree(a.killed, b.killed) and not conflict(a.victims, b.victims)


def independent(report: Report, other: Report) -> bool:
    """Whether ``other`` is a voice of its own with respect to ``report``."""
    if other.id == report.id or other.copy_of is not None:
        return False
    if report.copy_of is not None and other.id == report.copy_of:
        return False
    return not (report.outlet is not None and report.outlet == other.outlet)


def peers(report: Report, others: list[Report]) -> list[Report]:
    """The independent reports, one per outlet: its latest report with a figure, else its latest."""
    chosen: dict[str, Report] = {}
    for other in others:
        if not independent(report, other):
            continue
        key = other.outlet or f"id:{other.id}"
        held = chosen.get(key)
        if held is None or ((other.killed is not None, other.order) > (held.killed is not None, held.order)):
            chosen[key] = other
    return sorted(chosen.values(), key=lambda r: r.order)


def _label(report: Report) -> str:
    return f"{report.id} ({report.outlet or 'unknown outlet'})"


def originality(report: Report) -> Measure:
    """[-1, 0]: -1 for a copy of another article, 0 for an original report."""
    if report.copy_of is not None:
        return -1.0, [f"copy of {report.copy_of}"]
    return 0.0, ["not a copy"]


def corroboration(report: Report, voices: list[Report]) -> Measure:
    """[0, 1): 1 - exp(-n), n the prior-weighted count of independent outlets that agree."""
    n = 0.0
    evidence = []
    for other in voices:
        weight = weight_of(other)
        if report.killed is not None and other.killed is not None:
            if not same_claim(report, other):
                continue
            n += weight
            evidence.append(f"{_label(other)}: {other.killed} killed, agrees")
        else:
            n += FIGURELESS_SHARE * weight
            evidence.append(f"{_label(other)}: reports the event")
    return 1.0 - math.exp(-n), evidence


def consensus(reports: list[Report]) -> Report:
    """The report at the prior-weighted median toll; the lower toll when the weight splits evenly."""
    ordered = sorted(reports, key=lambda r: (r.killed, r.order))
    half = sum(weight_of(r) for r in ordered) / 2.0
    running = 0.0
    for report in ordered:
        running += weight_of(report)
        if running >= half - 1e-9:
            return report
    return ordered[-1]


def contradiction(report: Report, voices: list[Report]) -> Measure:
    """[-1, 0]: the report's claim against the consensus of the independent reports."""
    if report.killed is None:
        return 0.0, []
    counted = [o for o in voices if o.killed is not None]
    if not counted:
        return 0.0, []
    middle = consensus([*counted, report])
    if middle.id == report.id or same_claim(report, middle):
        return 0.0, []
    support = sum(weight_of(o) for o in counted if same_claim(o, middle))
    if support < weight_of(report):
        return 0.0, []
    figure = middle.killed or 0
    gap = abs(report.killed - figure) / max(report.killed, figure, 1)
    if conflict(report.victims, middle.victims):
        gap = max(gap, VICTIMS_GAP)
    value = -min(1.0, gap) * min(1.0, support)
    who = f" {middle.victims}" if middle.victims != "unknown" else ""
    evidence = [f"this report {report.killed} {report.victims}; consensus {figure}{who} (weighted median of {len(counted) + 1} reports)"]
    evidence += [f"{_label(o)}: {o.killed} killed" for o in counted[:8]]
    return value, evidence
