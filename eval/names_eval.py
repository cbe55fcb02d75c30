"""Person-name precision/recall of the shipped taggers on the held-out 20% of ../shared/data/ner.

    python eval/names_eval.py                 # the detector's PERSON spans (model + cues), per corpus
    python eval/names_eval.py --model-only    # the taggers alone
    python eval/names_eval.py --bias 1 2 3    # Chinese decoding bias sweep (model only), held-out split
    python eval/names_eval.py --dev --model m.npz --bias 0.5 1 1.5   # the sweep on the dev fifth of the training
                                              # split, with a model trained without it (how the shipped bias is chosen)
    python eval/names_eval.py --dev --en-model m.json.gz --threshold -3 -8 --threshold-alone -1 0   # the English
                                              # thresholds (every pair), likewise
    python eval/names_eval.py --gum-folds DIR # all of GUM by five-fold cross-validation (~3 min: five English
                                              # models trained into DIR, reused when there); also per part: folds
                                              # 1–4 (dev) and fold 0 (held out); --threshold / --threshold-alone
                                              # (first values) replace the models' own

A prediction is a true positive when its span overlaps a gold name by at least half of the longer of the
two (the rule of eval/pii_eval.py); "exact" counts identical boundaries. News/encyclopedic: GUM (EN), CLUENER,
MSRA, People's Daily (ZH); social media: WNUT17 + BTC (EN), Weibo (ZH). See eval/ner_corpora.py for the
type mapping and the split.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import ner_corpora  # noqa: E402

from transforms.pii import detectors as det  # noqa: E402
from transforms.pii import names  # noqa: E402

GROUPS = {
    "en news/encyclopedic (GUM)": ("en", ("gum",)),
    "en social (WNUT17+BTC)": ("en", ("wnut17", "btc")),
    "zh news (MSRA+People's Daily)": ("zh", ("msra", "pd")),
    "zh news (CLUENER)": ("zh", ("cluener",)),
    "zh social (Weibo)": ("zh", ("weibo",)),
}


def _overlap(a, b) -> bool:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter > 0 and inter * 2 >= max(a[1] - a[0], b[1] - b[0])


# Titles after a bare surname (李先生, 缪行长, 张教授): CLUENER marks no name there; the detector keeps them (a surname
# with a title can point to a person), so ``score`` counts those false names apart.
ZH_TITLES = ("先生", "女士", "小姐", "老师", "医生", "教授", "律师", "行长", "经理", "老板", "师傅", "阿姨", "书记",
             "主任", "局长", "记者", "同学", "总")  # fmt: skip
_ZH_BEFORE_SURNAME = frozenset("向和对给跟与被让替为")


def surname_with_title(text: str, span) -> bool:
    """Whether ``span`` of ``text`` is a bare surname with a title after it or in it (李先生, 缪行长, 向陈先生)."""
    name = text[span[0] : span[1]]
    titled = next((t for t in ZH_TITLES if name.endswith(t) or text.startswith(t, span[1])), None)
    if titled is None:
        return False
    name = name[: -len(titled)] if name.endswith(titled) else name
    surname = name[-1:] in names.ZH_SURNAMES
    return surname and (len(name) == 1 or (len(name) == 2 and name[0] in _ZH_BEFORE_SURNAME))


def score(pairs, texts=None) -> dict:
    """Precision and recall of (gold spans, predicted spans) pairs; given the ``texts``, also the false names that are
    a bare surname with a title (``surname_with_title``) and the precision without them."""
    tp = fp = fn = exact = titled = 0
    for k, (gold, pred) in enumerate(pairs):
        used: set[int] = set()
        for p in pred:
            hit = next((i for i, g in enumerate(gold) if i not in used and _overlap(g, p)), None)
            if hit is None:
                fp += 1
                titled += texts is not None and surname_with_title(texts[k], p)
            else:
                used.add(hit)
                tp += 1
                exact += tuple(gold[hit]) == tuple(p)
        fn += len(gold) - len(used)
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    out = {"gold": tp + fn, "pred": tp + fp, "tp": tp, "exact": exact, "precision": p, "recall": r}
    if texts is not None:
        out["surname_title"] = titled
        out["precision_without_surname_title"] = tp / (tp + fp - titled) if tp + fp - titled else float("nan")
    return out


def predictions(samples: list[dict], lang: str, model_only: bool, zh_model=None) -> list[list[tuple[int, int]]]:
    texts = [d["text"] for d in samples]
    if model_only:
        if lang == "zh":
            m = zh_model or names.zh_model()
            out = []
            for i in range(0, len(texts), 256):
                out += [[(s.start, s.end) for s in spans] for spans in names.zh_names_batch(texts[i : i + 256], m)]
            return out
        m = names.en_model()
        return [[(s.start, s.end) for s in spans] for spans in names.en_names_batch(texts, m)]
    detector = det.Detector([det.PERSON], languages=(lang,))
    return [[(s.start, s.end) for s in spans] for spans in detector.detect_batch(texts)]


def gum_folds(model_dir: Path, folds: int = 5, thresholds: tuple | None = None) -> dict[str, dict]:
    """GUM as five folds (fold 0 is the held-out fifth): each scored by the detector with an English model trained
    on the other four and the social training split (``train_name_tagger.train_english``; models are kept in
    ``model_dir`` and reused), with ``thresholds`` (word in a longer name, name of one word) instead of the models'
    own if given. 53 held-out names are too few to tell a change from noise; all of GUM's are not. Scores of all
    folds, of folds 1–4 (where settings may be chosen) and of fold 0."""
    import train_name_tagger

    rows = ner_corpora.english()
    model_dir.mkdir(parents=True, exist_ok=True)
    pairs: dict[int, list] = {}
    shipped = names.en_model
    try:
        for k in range(folds):
            path = model_dir / f"name_tagger_en_fold{k}.json.gz"
            if not path.exists():
                train = [d for d in rows if (d["fold"] != k if d["corpus"] == "gum" else d["split"] == "train")]
                train_name_tagger.save_english(train_name_tagger.train_english(train), path)
            m = names.load_en(path)
            if thresholds:
                m.threshold, m.threshold_alone = thresholds
            names.en_model = lambda m=m: m  # what the detector loads
            test = [d for d in rows if d["corpus"] == "gum" and d["fold"] == k]
            pairs[k] = list(zip((d["spans"] for d in test), predictions(test, "en", False)))
    finally:
        names.en_model = shipped
    return {
        "all five": score([p for k in pairs for p in pairs[k]]),
        "dev folds 1-4": score([p for k in pairs if k for p in pairs[k]]),
        "held-out fold 0": score(pairs[0]),
    }


HIGHRISK_TEXTS = ("transforms/content/models/training/highrisk_authored.jsonl", "eval/data/highrisk_handwritten.jsonl",
                  "eval/data/highrisk_handwritten_2.jsonl")
CARRIERS = ("{}", "求助：{}怎么制备？", "关于{}的问题，请详细说明。", "他们讨论了{}的合成路线。")


def highrisk_terms() -> None:
    """How often the Chinese tagger (model and cue words) marks a high-risk lexicon term, or part of one, as a name:
    each Chinese term alone and in carrier sentences, and the Chinese hazard texts the high-risk stage trains and is
    evaluated on."""
    import json

    from transforms.content.classifier import load_lexicon

    terms = sorted({term for term, lang, *_ in load_lexicon("highrisk.tsv").entries if lang == "zh"})

    def marked(texts: list[str]) -> list[list[tuple[str, bool]]]:
        """Per text, each name found and whether it shares a character with a lexicon term there."""
        def on_term(text: str, a: int, b: int) -> bool:
            return any(s < b and s + len(t) > a for t in terms for s in range(len(text)) if text.startswith(t, s))
        found = det.Detector([det.PERSON], languages=("zh",)).detect_batch(texts)
        return [[(text[s.start : s.end], on_term(text, s.start, s.end)) for s in spans] for text, spans in zip(texts, found)]

    for carrier in CARRIERS:
        hits = [t for t, names_found in zip(terms, marked([carrier.format(t) for t in terms])) if any(on for _, on in names_found)]
        print(f"{len(terms)} lexicon terms in {carrier!r}: {len(hits)} marked as (part of) a name {hits}")
    rows = [json.loads(line) for path in HIGHRISK_TEXTS for line in Path(path).read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in rows if r["label"] != "benign" and any("\u4e00" <= ch <= "\u9fff" for ch in r["text"])]
    found = marked(texts)
    on_terms = Counter(name for names_found in found for name, on in names_found if on)
    others = Counter(name for names_found in found for name, on in names_found if not on)
    print(f"{len(texts)} Chinese hazard texts: {sum(any(on for _, on in f) for f in found)} with a name on a lexicon term "
          f"{dict(on_terms)}, {sum(any(not on for _, on in f) for f in found)} with another name {dict(others)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-only", action="store_true")
    parser.add_argument("--bias", type=float, nargs="*", help="Chinese decoding bias (replaces the model's own)")
    parser.add_argument("--dev", action="store_true", help="score the dev fifth of the training split instead")
    parser.add_argument("--model", type=Path, help="Chinese model file (default: the shipped one)")
    parser.add_argument("--threshold", type=float, nargs="*", help="English decision threshold (replaces the model's own)")
    parser.add_argument("--threshold-alone", type=float, nargs="*", help="English threshold of a one-word name (replaces the model's own)")
    parser.add_argument("--en-model", type=Path, help="English model file (default: the shipped one)")
    parser.add_argument("--gum-folds", type=Path, metavar="DIR",
                        help="score all of GUM by five-fold cross-validation (fold models trained into / read from DIR)")
    parser.add_argument("--highrisk-terms", action="store_true", help="names found on the high-risk lexicon's Chinese terms")
    args = parser.parse_args()
    if args.highrisk_terms:
        highrisk_terms()
        return
    if args.gum_folds:
        import train_name_tagger

        chosen = None
        if args.threshold or args.threshold_alone:
            chosen = (args.threshold[0] if args.threshold else train_name_tagger.EN_THRESHOLD,
                      args.threshold_alone[0] if args.threshold_alone else train_name_tagger.EN_THRESHOLD_ALONE)
        for part, r in gum_folds(args.gum_folds, thresholds=chosen).items():
            print(f"GUM {part} (detector): P {r['precision']:.3f} R {r['recall']:.3f} ({r['gold']} gold, {r['pred']} predicted)")
        return
    data = {"en": ner_corpora.english(), "zh": ner_corpora.chinese()}
    chosen = ner_corpora.in_dev if args.dev else (lambda d: d["split"] == "test")
    held = {lang: [d for d in rows if chosen(d)] for lang, rows in data.items()}
    if args.threshold or args.threshold_alone:
        m = names.load_en(args.en_model) if args.en_model else names.en_model()
        names.en_model = lambda: m  # what the detector loads
        print(f"model thresholds {m.threshold:+.2f} / {m.threshold_alone:+.2f} (one word); "
              f"scored on the {'dev' if args.dev else 'held-out'} split")
        for threshold in args.threshold or [m.threshold]:
            for alone in args.threshold_alone or [m.threshold_alone]:
                m.threshold, m.threshold_alone = threshold, alone
                for title, (lang, corpora) in GROUPS.items():
                    if lang == "en":
                        rows = [d for d in held["en"] if d["corpus"] in corpora]
                        r = score(zip((d["spans"] for d in rows), predictions(rows, "en", args.model_only)))
                        print(f"thresholds {threshold:+.2f} / {alone:+.2f} {title}: P {r['precision']:.3f} "
                              f"R {r['recall']:.3f} ({r['gold']} gold)")
        return
    if args.bias:
        base = names.load_zh(args.model) if args.model else names.zh_model()
        print(f"model name_bias {base.name_bias:+.2f}; scored on the {'dev' if args.dev else 'held-out'} split")
        groups = {t: c for t, (lang, c) in GROUPS.items() if lang == "zh"}
        groups["zh news (all three)"] = ("msra", "pd", "cluener")
        for bias in args.bias:
            m = base.with_name_bias(bias)
            names.zh_model = lambda m=m: m  # what the detector loads: score it (model + cue words) with this bias
            for title, corpora in groups.items():
                rows = [d for d in held["zh"] if d["corpus"] in corpora]
                r = score(zip((d["spans"] for d in rows), predictions(rows, "zh", args.model_only, m)), [d["text"] for d in rows])
                print(f"bias {bias:+.2f} {title}: P {r['precision']:.3f} R {r['recall']:.3f} ({r['gold']} gold; P "
                      f"{r['precision_without_surname_title']:.3f} without {r['surname_title']} surnames with a title)")
        return
    print("| set | gold names | predicted | precision | recall | exact boundaries | surname + title (P without) | docs/s |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for title, (lang, corpora) in GROUPS.items():
        rows = [d for d in held[lang] if d["corpus"] in corpora]
        t = time.perf_counter()
        pred = predictions(rows, lang, args.model_only)
        rate = len(rows) / (time.perf_counter() - t)
        r = score(zip((d["spans"] for d in rows), pred), [d["text"] for d in rows] if lang == "zh" else None)
        titled = f"{r['surname_title']} ({r['precision_without_surname_title']:.3f})" if lang == "zh" else "—"
        print(f"| {title} | {r['gold']} | {r['pred']} | {r['precision']:.3f} | {r['recall']:.3f} | "
              f"{r['exact'] / max(r['tp'], 1):.0%} | {titled} | {rate:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
