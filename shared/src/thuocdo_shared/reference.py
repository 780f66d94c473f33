"""Reference data shipped with the package as JSON files: issue taxonomy, procedure
fields and the SIPAS questionnaire. Loaded once and cached; never edited in code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


def load_json(name: str) -> Any:
    """Parse ``data/<name>`` from this package."""
    text = resources.files("thuocdo_shared").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Label:
    vi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Issue:
    code: str
    label: Label
    problem: Label
    praise: Label
    seeds: tuple[str, ...]


@dataclass(frozen=True)
class Field:
    code: str
    label: Label
    # False for "chua_chon": what the kiosk sends when a citizen left before choosing
    # a field; a field to count, never one to offer.
    choosable: bool = True


@dataclass(frozen=True)
class Criterion:
    code: str
    dimension: str
    label: Label
    weight: float


@dataclass(frozen=True)
class Dimension:
    code: str
    label: Label
    weight: float
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Sipas:
    scale: tuple[tuple[int, Label], ...]
    dimensions: tuple[Dimension, ...]

    @property
    def criteria(self) -> dict[str, Criterion]:
        return {c.code: c for d in self.dimensions for c in d.criteria}


def _label(obj: dict[str, str]) -> Label:
    return Label(vi=obj["vi"], en=obj["en"])


@cache
def issues() -> dict[str, Issue]:
    """The issue taxonomy, in display order, keyed by code."""
    out: dict[str, Issue] = {}
    for raw in load_json("issues.json")["issues"]:
        out[raw["code"]] = Issue(
            code=raw["code"],
            label=_label(raw),
            problem=_label(raw["problem"]),
            praise=_label(raw["praise"]),
            seeds=tuple(raw["seeds"]),
        )
    return out


@cache
def fields() -> dict[str, Field]:
    """Fields of procedure (lĩnh vực), in display order, keyed by code."""
    return {
        raw["code"]: Field(raw["code"], _label(raw), bool(raw.get("choosable", True)))
        for raw in load_json("fields.json")["fields"]
    }


def choosable_fields() -> dict[str, Field]:
    """The fields a citizen or a kiosk's configuration may choose (not "chua_chon")."""
    return {code: f for code, f in fields().items() if f.choosable}


NO_FIELD = "chua_chon"  # the field of a rating left before the field question


@cache
def sipas() -> Sipas:
    """The SIPAS questionnaire: 5-level scale, 5 dimensions and their criteria."""
    raw = load_json("sipas.json")
    dims = tuple(
        Dimension(
            code=d["code"],
            label=_label(d),
            weight=float(d["weight"]),
            criteria=tuple(
                Criterion(c["code"], d["code"], _label(c), float(c["weight"]))
                for c in d["criteria"]
            ),
        )
        for d in raw["dimensions"]
    )
    scale = tuple((int(s["value"]), _label(s)) for s in raw["scale"])
    return Sipas(scale=scale, dimensions=dims)
