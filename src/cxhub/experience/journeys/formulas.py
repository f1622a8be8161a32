"""The last, tiny step of journey analytics, pure Python over the engine's aggregates (a row per
stage, per channel, per Sankey link): funnel conversion and drop-off, NPS and mean sentiment,
Sankey node numbering. Worked examples in docs/journeys.md; tests use hand-computed cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FunnelStage:
    key: str
    name: str
    position: int
    #: customers whose furthest stage is this one or a later one
    reached: int
    #: reached(next) / reached(this); None for the last stage or when nobody reached this one
    conversion_to_next: float | None
    #: reached(this) / reached(first stage)
    conversion_from_start: float | None
    #: customers whose furthest stage is this one (they stopped here); 0 for the last stage
    #: is not a drop-off: those customers finished the journey
    drop_off: int
    drop_off_rate: float | None


def funnel(stages: Sequence[Mapping[str, Any]], furthest: Mapping[int, int]) -> list[FunnelStage]:
    """`furthest` maps a stage position to how many customers have it as their furthest stage
    (positions outside the journey, e.g. from a removed stage, are ignored)."""
    count = len(stages)
    at_least = [0] * (count + 1)
    for position in range(count - 1, -1, -1):
        at_least[position] = at_least[position + 1] + int(furthest.get(position, 0))
    first = at_least[0]
    result: list[FunnelStage] = []
    for position, stage in enumerate(stages):
        reached = at_least[position]
        last = position == count - 1
        following = at_least[position + 1]
        dropped = 0 if last else reached - following
        result.append(
            FunnelStage(
                key=str(stage["key"]),
                name=str(stage.get("name", stage["key"])),
                position=position,
                reached=reached,
                conversion_to_next=None if last or reached == 0 else following / reached,
                conversion_from_start=reached / first if first else None,
                drop_off=dropped,
                drop_off_rate=None if last or reached == 0 else dropped / reached,
            )
        )
    return result


@dataclass(frozen=True)
class ScoreSummary:
    touchpoints: int
    responses: int
    nps: float | None
    mean_score: float | None
    sentiment_count: int
    mean_sentiment: float | None
    negative_share: float | None


def score_summary(row: Mapping[str, Any]) -> ScoreSummary:
    """NPS = 100 × (promoters − detractors) / responses; mean sentiment over touchpoints that
    carry one; negative share = sentiment < −0.25 among those."""
    responses = int(row.get("responses") or 0)
    sentiments = int(row.get("sentiment_count") or 0)
    promoters = int(row.get("promoters") or 0)
    detractors = int(row.get("detractors") or 0)
    return ScoreSummary(
        touchpoints=int(row.get("touchpoints") or 0),
        responses=responses,
        nps=100.0 * (promoters - detractors) / responses if responses else None,
        mean_score=float(row.get("score_sum") or 0) / responses if responses else None,
        sentiment_count=sentiments,
        mean_sentiment=float(row.get("sentiment_sum") or 0.0) / sentiments if sentiments else None,
        negative_share=int(row.get("negative") or 0) / sentiments if sentiments else None,
    )


def sankey(
    nodes: Iterable[Mapping[str, Any]], links: Iterable[Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Nodes numbered in (step, label) order and links by node index: what plotly's Sankey
    trace takes (`node.label`, `link.source`, `link.target`, `link.value`)."""
    ordered = sorted(nodes, key=lambda n: (int(n["step"]), str(n["label"])))
    index = {(int(n["step"]), str(n["label"])): i for i, n in enumerate(ordered)}
    node_list = [
        {"step": int(n["step"]), "label": str(n["label"]), "customers": int(n["customers"])}
        for n in ordered
    ]
    link_list = [
        {
            "source": index[(int(link["step"]), str(link["source"]))],
            "target": index[(int(link["step"]) + 1, str(link["target"]))],
            "value": int(link["customers"]),
        }
        for link in sorted(
            links, key=lambda k: (int(k["step"]), str(k["source"]), str(k["target"]))
        )
        if (int(link["step"]) + 1, str(link["target"])) in index
    ]
    return {"nodes": node_list, "links": link_list}
