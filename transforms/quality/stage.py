"""Quality control: drop text that is empty, too short, garbled or low-quality (Framework 4.1.2(b): filter wrong and low-quality data).

Character checks first, in order, each a reject reason:
- ``empty_text``: nothing but whitespace;
- ``too_short``: fewer than ``min_chars`` non-space characters (``min_chars_cjk``, by default half of
  ``min_chars``, for Chinese, Japanese and Korean text, where a character carries about a short word);
- ``replacement_chars``: too many U+FFFD characters (bytes lost in an earlier decode);
- ``mojibake``: too many UTF-8-read-as-Latin-1/CP1252 sequences (``Ã©``, ``â€™``, ``å¤§``);
- ``control_chars``: too many C0/C1 control characters (binary data read as text).

Then the literature rules of :mod:`transforms.quality.rules` (Gopher quality and repetition, C4,
FineWeb, template/markup residue), each its own reject reason, with Chinese/Japanese/Korean
counterparts chosen by the record's ``lang`` (run the ``language`` stage first). Statistics are
computed a batch at a time (:mod:`transforms.quality.stats`); per-source histograms of the main ones
go to the run report so thresholds can be chosen by looking.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cached_property
from typing import Any, Literal, Mapping

import numpy as np
from pydantic import ConfigDict, Field, NonNegativeInt, create_model, model_validator

from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, Decision, StageConfig, count
from transforms.quality import stats as qstats
from transforms.quality.rules import RULES, GopherDupNgram, GopherStopWords, GopherTopNgram, LineFilter, Rule, failures, judged_by

STAGE = "quality"
CLAUSE = "4.1.2(b)"
LINES_REMOVED = "lines_removed"
TOO_SHORT_AFTER_LINES = "too_short_after_line_removal"

_MOJIBAKE = re.compile(f"[{qstats.MOJIBAKE_LEAD}][{qstats.MOJIBAKE_CONTINUATION}]")
_CONTROL = re.compile(f"[{qstats.CONTROL}]")


HISTOGRAMS: dict[str, tuple[float, ...]] = {
    # statistic -> bin edges (the last bin is open); ratios share one set of edges
    "words": (0, 10, 20, 50, 100, 200, 500, 1000, 5000),
    "mean_word_length": (0, 2, 3, 4, 5, 6, 8, 10, 15),
    "stop_words": (0, 1, 2, 3, 5, 10, 20, 50),
    **{
        name: (0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0)
        for name in ("symbol_ratio", "alpha_words", "terminal_punct_lines", "top_2gram", "dup_5gram")
    },
}
"""The statistics the report shows per source (counted on every record the quality stage sees): one
line each, ``▁▃█▅▂ | 0:3 50:120 100:870 ...`` (bars, then each non-empty bin's lower edge and count)."""


def histogram_counter(stat: str, source: str, bin_: int) -> str:
    return f"hist:{stat}:{source}:{bin_}"


class QualityControl(Control):
    """Reject empty, too-short, garbled and low-quality text (character checks, Gopher, C4, FineWeb, template residue)."""

    stage = STAGE

    def __init__(self, config: "QualityConfig", domains: Mapping[str, str | None] | None = None):
        self.config = config
        self.domains = dict(domains or {})  # source name -> domain, for per-domain overrides
        self._rules: dict[str, list[tuple[str, Rule]]] = {}

    def rules_for(self, source: str) -> list[tuple[str, Rule]]:
        """The enabled rules for ``source``, with its domain's and its own overrides applied."""
        if source not in self._rules:
            self._rules[source] = [
                (name, rule)
                for name, rule in self.config.resolved_rules(source, self.domains.get(source)).items()
                if rule.enabled and (rule.only_sources is None or source in rule.only_sources) and source not in rule.skip_sources
            ]
        return self._rules[source]

    @cached_property
    def _stat_options(self) -> dict:
        """The n-gram sizes and stop-word lists any source's rules need."""
        top, dup, top_cjk, dup_cjk, stop = set(), set(), set(), set(), {}
        rule_sets = [self.config.resolved_rules(None, None)] + [
            self.config.resolved_rules(key, None) for key in self.config.overrides if not key.startswith("domain:")
        ] + [self.config.resolved_rules(None, key.removeprefix("domain:")) for key in self.config.overrides if key.startswith("domain:")]
        for rules in rule_sets:
            for rule in rules.values():
                if isinstance(rule, GopherTopNgram):
                    top |= set(rule.max_share)
                    top_cjk |= set(rule.max_share_cjk)
                elif isinstance(rule, GopherDupNgram):
                    dup |= set(rule.max_share)
                    dup_cjk |= set(rule.max_share_cjk)
                elif isinstance(rule, GopherStopWords):
                    for lang, words in rule.stop_words.items():
                        stop.setdefault(lang, set()).update(words)
        top.add(2)  # histograms
        dup.add(5)
        top_cjk.add(2)
        dup_cjk.add(5)
        return {"top": sorted(top), "dup": sorted(dup), "top_cjk": sorted(top_cjk), "dup_cjk": sorted(dup_cjk),
                "stop_words": {k: sorted(v) for k, v in stop.items()}}

    def statistics(self, texts, langs) -> dict[str, np.ndarray]:
        return qstats.compute(texts, langs, **self._stat_options)

    def check(self, text: str, cjk: bool = False, chars: int | None = None) -> Decision:
        """The character checks; ``chars`` (non-space characters) when already counted."""
        c = self.config
        if chars is None:
            chars = sum(map(len, text.split()))
        if chars == 0:
            return self._reject("empty_text", {"chars": 0})
        min_chars = (c.min_chars_cjk if c.min_chars_cjk is not None else -(-c.min_chars // 2)) if cjk else c.min_chars
        if chars < min_chars:
            return self._reject("too_short", {"chars": chars, "min_chars": min_chars})
        replacement = text.count("\ufffd") / chars
        if replacement > c.max_replacement_ratio:
            return self._reject("replacement_chars", {"ratio": round(replacement, 4), "max": c.max_replacement_ratio})
        if not text.isascii():
            mojibake = 2 * len(_MOJIBAKE.findall(text)) / chars
            if mojibake > c.max_mojibake_ratio:
                return self._reject("mojibake", {"ratio": round(mojibake, 4), "max": c.max_mojibake_ratio})
        control = len(_CONTROL.findall(text)) / chars if _CONTROL.search(text) else 0.0
        if control > c.max_control_ratio:
            return self._reject("control_chars", {"ratio": round(control, 4), "max": c.max_control_ratio})
        return KEEP

    def _may_fail_check(self, stats: dict[str, np.ndarray]) -> np.ndarray:
        """Texts that :meth:`check` could reject: too short, or with any replacement, mojibake or control character."""
        c = self.config
        min_cjk = c.min_chars_cjk if c.min_chars_cjk is not None else -(-c.min_chars // 2)
        short = stats["chars"] < np.where(stats["cjk"], min_cjk, c.min_chars)
        return short | (stats["chars"] == 0) | (stats["replacement_chars"] > 0) | (stats["mojibake_pairs"] > 0) | (stats["control_chars"] > 0)

    def _reject(self, reason: str, detail: dict) -> Decision:
        return Decision.reject(
            rule=f"quality.{reason}", clause=CLAUSE, risk_level="low", category="quality", reason=reason, detail=detail
        )

    def decide(self, batch):
        if not len(batch):
            return []
        stats = self.statistics(batch.text, batch.lang)
        decisions: list[Decision] = [KEEP] * len(batch)
        for i in np.flatnonzero(self._may_fail_check(stats)).tolist():  # the others pass every character check
            decisions[i] = self.check(batch.text[i], bool(stats["cjk"][i]), int(stats["chars"][i]))
        open_ = np.array([d is KEEP for d in decisions])
        sources = np.array(batch.source, dtype=object)
        groups: dict[tuple, list[np.ndarray]] = {}  # sources with the same rules are judged together
        for source in dict.fromkeys(batch.source):
            members = np.flatnonzero(sources == source)
            if self.config.histograms:
                self._count_histograms(stats, members, source)
            groups.setdefault(tuple(id(rule) for _, rule in self.rules_for(source)), []).append(members)
        for members in groups.values():
            todo = np.sort(np.concatenate(members))
            todo = todo[open_[todo]]
            if len(todo):
                self._judge(batch, stats, todo, self.rules_for(batch.source[int(todo[0])]), decisions)
        return decisions

    def _judge(self, batch, stats, todo: np.ndarray, rules: list[tuple[str, Rule]], decisions: list[Decision]) -> None:
        """Apply ``rules`` to the records ``todo`` (line filters first; the other rules then judge the cleaned text)."""
        removing = [(name, rule) for name, rule in rules if isinstance(rule, LineFilter) and rule.action == "remove_lines"]
        cleaned = self._remove_lines(batch, stats, todo, removing) if removing else {}
        for i, decision in cleaned.items():
            decisions[i] = decision
        if cleaned:
            todo = todo[[decisions[i].action != "reject" for i in todo.tolist()]]
            idx = np.array([i for i in cleaned if decisions[i].action == "modify"], int)
            if len(idx):
                fresh = self.statistics([decisions[i].text for i in idx.tolist()], [batch.lang[i] for i in idx.tolist()])
                for key, values in fresh.items():
                    stats[key][idx] = values
        skip = {name for name, _ in removing}
        for name, rule in rules:
            if not len(todo):
                break
            if name in skip:
                continue
            failed, which = failures(rule, stats, todo)
            for k in np.flatnonzero(failed):
                i = int(todo[k])
                stat, op, threshold = which[k]
                detail = {"statistic": stat, "value": round(float(stats[stat][i]), 4), op: threshold}
                if stats["cjk"][i]:
                    detail["cjk"] = True
                if i in cleaned:
                    detail["removed_lines"] = cleaned[i].detail["removed_lines"]
                decisions[i] = Decision.reject(
                    rule=f"quality.{name}", clause=CLAUSE, risk_level=rule.risk_level, category="quality",
                    reason=name, detail=detail,
                )
            todo = todo[~failed]

    def _remove_lines(self, batch, stats, todo: np.ndarray, filters: list[tuple[str, LineFilter]]) -> dict[int, Decision]:
        """The records of ``todo`` that lose lines to ``filters``: a ``modify`` with the cleaned text, or a
        reject when fewer than ``min_chars_left`` non-space characters are left. Lineage gets counts only:
        a removed line can hold personal data."""
        flagged: dict[int, list[tuple[str, LineFilter]]] = {}
        for name, rule in filters:
            may = rule.may_remove(stats)[todo] & judged_by(rule, stats, todo)
            for i in todo[may].tolist():
                flagged.setdefault(i, []).append((name, rule))
        out = {}
        removed_by_rule: Counter = Counter()
        for i, rules in flagged.items():
            text = batch.text[i]
            lines = text.split("\n")
            by_rule: Counter = Counter()
            kept = []
            for line in lines:
                hit = next((name for name, rule in rules if rule.offending(line)), None)
                if hit:
                    by_rule[hit] += 1
                else:
                    kept.append(line)
            if not by_rule:
                continue
            removed_by_rule.update(by_rule)
            cleaned = "\n".join(kept)
            left = sum(map(len, cleaned.split()))
            need = max(rule.min_chars_left for name, rule in rules if name in by_rule)
            need = -(-need // 2) if stats["cjk"][i] else need
            first = next(name for name, _ in rules if name in by_rule)
            detail = {"removed_lines": sum(by_rule.values()), "by_rule": dict(by_rule), "lines": len(lines),
                      "removed_chars": len(text) - len(cleaned)}  # fmt: skip
            risk = dict(rules)[first].risk_level
            if left < need:
                out[i] = Decision.reject(rule=f"quality.{first}", clause=CLAUSE, risk_level=risk, category="quality",
                                         reason=TOO_SHORT_AFTER_LINES, detail={**detail, "chars_left": left, "min_chars_left": need})  # fmt: skip
            else:
                out[i] = Decision("modify", rule=f"quality.{first}", clause=CLAUSE, risk_level=risk, category="quality",
                                  reason=LINES_REMOVED, detail=detail, text=cleaned)  # fmt: skip
        for name, n in removed_by_rule.items():
            count(STAGE, f"{LINES_REMOVED}:{name}", n)
        return out

    def _count_histograms(self, stats: dict[str, np.ndarray], members: np.ndarray, source: str) -> None:
        for stat, edges in HISTOGRAMS.items():
            values = stats[stat][members]
            values = values[~np.isnan(values)]
            if not len(values):
                continue
            bins = np.clip(np.searchsorted(np.asarray(edges[1:]), values, side="right"), 0, len(edges) - 1)
            for b, n in zip(*np.unique(bins, return_counts=True)):
                count(STAGE, histogram_counter(stat, source, int(b)), int(n))


class QualityStage(ControlStage):
    """Applies :class:`QualityControl`, knowing each source's ``domain`` (for per-domain overrides)."""

    def __init__(self, config: "QualityConfig"):
        super().__init__(QualityControl(config))
        self.config = config

    def expand(self, batches, ctx):
        domains = {s.name: getattr(s, "domain", None) for s in getattr(ctx.config, "sources", [])}
        self.control = QualityControl(self.config, domains)
        return super().expand(batches, ctx)

    def report(self, ctx, counters: Mapping[str, int]) -> dict | None:
        """Per-source histograms of the statistics (so thresholds can be chosen by looking) and the rules in force."""
        counts: dict[str, dict[str, list[int]]] = {}
        prefix = f"{STAGE}:hist:"
        for key, n in counters.items():
            if key.startswith(prefix) and n:
                stat, source, b = key[len(prefix):].rsplit(":", 2)
                if stat in HISTOGRAMS:
                    counts.setdefault(source, {}).setdefault(stat, [0] * len(HISTOGRAMS[stat]))[int(b)] += n
        # one line per source and statistic: bars, then "lower edge: records" for the non-empty bins
        hist = {
            source: {stat: f"{_bars(c)} | " + " ".join(f"{_edge(HISTOGRAMS[stat][i])}:{v}" for i, v in enumerate(c) if v)
                     for stat, c in sorted(stats.items())}
            for source, stats in sorted(counts.items())
        }
        rejected = {k.split(":", 2)[2]: v for k, v in counters.items() if k.startswith(f"{STAGE}:rejected:") and v}
        removed = {k.split(":", 2)[2]: v for k, v in counters.items() if k.startswith(f"{STAGE}:{LINES_REMOVED}:") and v}
        return {
            "rejected_by_rule": dict(sorted(rejected.items(), key=lambda kv: -kv[1])),
            "records_cleaned": counters.get(f"{STAGE}:modify", 0),
            "lines_removed_by_rule": dict(sorted(removed.items(), key=lambda kv: -kv[1])),
            "rules": {name: rule.model_dump() for name, rule in self.config.resolved_rules(None, None).items() if rule.enabled},
            "overrides": self.config.overrides,
            "histograms": hist,
        }


def _edge(value: float) -> str:
    return f"{value:g}"


def _bars(counts: list[int]) -> str:
    """A one-line picture of a histogram: one block character per bin, height by count."""
    top = max(counts) or 1
    return "".join("·▁▂▃▄▅▆▇█"[min(8, -(-8 * c // top))] for c in counts)


RuleSet = create_model(
    "RuleSet",
    __config__=ConfigDict(extra="forbid", frozen=True),
    **{name: (cls, Field(default_factory=cls)) for name, cls in RULES.items()},
)
"""One field per rule of :data:`transforms.quality.rules.RULES`, each with its defaults."""


@register_stage(STAGE)
class QualityConfig(StageConfig):
    stage: Literal["quality"] = "quality"
    min_chars: NonNegativeInt = 20
    min_chars_cjk: NonNegativeInt | None = None  # Chinese/Japanese/Korean text; default half of min_chars
    max_replacement_ratio: float = Field(0.01, ge=0, le=1)
    max_mojibake_ratio: float = Field(0.02, ge=0, le=1)
    max_control_ratio: float = Field(0.01, ge=0, le=1)
    rules: RuleSet = Field(default_factory=RuleSet)  # type: ignore[valid-type]
    # per source name, or "domain:<domain>": {rule: {field: value}}; a source's own entry wins over its domain's
    overrides: dict[str, dict[str, dict[str, Any]]] = {}
    histograms: bool = True

    @model_validator(mode="after")
    def _check_overrides(self):
        for key, rules in self.overrides.items():
            for name, fields in rules.items():
                if name not in RULES:
                    raise ValueError(f"overrides.{key}.{name}: unknown rule (known: {', '.join(RULES)})")
                try:
                    RULES[name](**{**getattr(self.rules, name).model_dump(), **fields})
                except Exception as exc:  # pydantic's message names the field
                    raise ValueError(f"overrides.{key}.{name}: {str(exc).splitlines()[1:3]}") from None
        return self

    def resolved_rules(self, source: str | None, domain: str | None) -> dict[str, Rule]:
        """Every rule with the overrides of ``domain`` and then of ``source`` applied."""
        out = {}
        layers = [self.overrides.get(f"domain:{domain}", {}) if domain else {}, self.overrides.get(source, {}) if source else {}]
        for name in RULES:
            rule = getattr(self.rules, name)
            changes = {k: v for layer in layers for k, v in layer.get(name, {}).items()}
            out[name] = rule.model_copy(update=changes) if changes else rule
            if changes:
                out[name] = type(rule)(**out[name].model_dump())  # validated
        return out

    def create(self) -> ControlStage:
        return QualityStage(self)
