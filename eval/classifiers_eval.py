"""Evaluate the shipped content-risk models and the full controls (classifier + lexicon).

Needs ../shared/data (run from the repository root). Uses the same held-out splits as training
(eval/train_shipped_models.py): COLD dev for Chinese, the hash-chosen fifth of Davidson and the seeded
20% split of the high-risk set, plus two sets of hand-written high-risk requests and look-alikes outside
the training data (eval/data/highrisk_handwritten.jsonl; eval/data/highrisk_handwritten_2.jsonl, written
later in other styles — forum posts, story pretexts, multi-sentence requests), and out-of-domain benign
sets never used in training, on which any flag is a false positive: the held-out fifth of the SPDX
licence texts (whole documents) and of the MMLU questions, the test halves of the composed Chinese formal
and English technical documents (eval/data/{zh_formal,en_technical}_benign_test.jsonl, sentences disjoint
from the training halves; reported apart for the genres of the first version and those added later),
and hand-written documents of genres and styles the generators do not have
(eval/data/zh_formal_handwritten_test.jsonl: court notices, abstracts, drug labels, tenders…;
eval/data/en_product_qa_handwritten_test.jsonl: product Q&A pages).

    .venv/bin/python eval/classifiers_eval.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.train_shipped_models import HARD_SCIENCE, MMLU, REAL, SPDX, jobs  # noqa: E402
from eval.train_harmful_sparse import SETTINGS, feature_matrix, fit_cnn, fit_regression  # noqa: E402
from transforms.content.training import (  # noqa: E402
    TrainingInput,
    classification_metrics,
    decide_labels,
    decision_scores,
    decision_view,
    detection_metrics,
    fpr_threshold,
    is_train_only,
    load_inputs,
    mean_probabilities,
    predict_probabilities,
    read_examples,
    split_examples,
    top_score,
)
from transforms.content.classifier import load_classifier  # noqa: E402
from transforms.content.harmful import HarmfulConfig, load_second  # noqa: E402
from transforms.content.highrisk import HighRiskConfig, load_companion, load_gate  # noqa: E402
from transforms.content.sparse import cascade  # noqa: E402
from transforms.content.text import preprocess_batch  # noqa: E402
from transforms.core.records import Batch  # noqa: E402

HANDWRITTEN = "eval/data/highrisk_handwritten.jsonl"
HANDWRITTEN_2 = "eval/data/highrisk_handwritten_2.jsonl"
ZH_FORMAL_TEST = "eval/data/zh_formal_benign_test.jsonl"
EN_TECHNICAL_TEST = "eval/data/en_technical_benign_test.jsonl"
ZH_FORMAL_HANDWRITTEN = "eval/data/zh_formal_handwritten_test.jsonl"
EN_PRODUCT_QA_HANDWRITTEN = "eval/data/en_product_qa_handwritten_test.jsonl"
# Genres of the first version of the composed sets; later genres are reported apart.
FIRST_GENRES = {"notice", "law", "tech", "news", "company", "readme", "changelog", "product_qa", "it_howto"}


def _by_genre(path: str) -> tuple[list, list]:
    """The benign documents of a composed test set: (genres of the first version, genres added later)."""
    examples = read_examples(path, label="benign", group_field="genre")
    return [ex for ex in examples if ex.group in FIRST_GENRES], [ex for ex in examples if ex.group not in FIRST_GENRES]


def out_of_domain(name: str):
    """Benign sets outside the training data, per control language: {set name: (examples, lang)}."""
    job = jobs()[name]
    spdx = ("spdx_test", (load_inputs([TrainingInput(SPDX, "CC0-1.0", label="benign", part="test")], job), "en"))
    mmlu = ("mmlu_test", (load_inputs([TrainingInput(MMLU, "MIT", part="test")], job), "en"))
    zh_first, zh_added = _by_genre(ZH_FORMAL_TEST)
    tech_first, tech_added = _by_genre(EN_TECHNICAL_TEST)
    zh = [
        ("zh_formal_test", (zh_first, "zh")),
        ("zh_formal_test_added_genres", (zh_added, "zh")),
        ("zh_formal_handwritten", (read_examples(ZH_FORMAL_HANDWRITTEN, label="benign"), "zh")),
    ]
    tech = [
        ("en_technical_test", (tech_first, "en")),
        ("en_technical_test_added_genres", (tech_added, "en")),
        ("en_product_qa_handwritten", (read_examples(EN_PRODUCT_QA_HANDWRITTEN, label="benign"), "en")),
    ]
    return dict({"harmful_en": [spdx, mmlu, *tech], "harmful_zh": zh, "highrisk": [spdx, *tech, *zh]}[name])


def out_of_domain_fpr(name: str, control) -> dict:
    """Share of each out-of-domain benign set the stage would reject (every one is a false positive)."""
    report = {}
    for set_name, (examples, lang) in out_of_domain(name).items():
        decided = control_labels(control, examples, lang, "benign")
        flagged = [d for d in decided if d != "benign"]
        report[set_name] = {"n": len(examples), "fpr": len(flagged) / len(examples), "flagged": len(flagged)}
    return report


def held_out(name: str):
    job = jobs()[name]
    if job.test_inputs:
        return load_inputs(job.test_inputs, job)
    return split_examples(load_inputs([i for i in job.inputs if not is_train_only(i)], job), job.test_fraction, job.seed)[1]


def control_labels(control, examples, lang: str | None, negative: str, label_of=lambda reason: reason) -> list[str]:
    """What the stage decides per example: the rejected category, or ``negative`` when kept."""
    batch = Batch.from_rows(
        {
            "id": str(i), "text": ex.text, "source": "eval", "source_uri": "", "locator": str(i), "license": None,
            "lang": lang, "meta": {}, "content_sha256": "", "tags": [], "lineage": [],
        }
        for i, ex in enumerate(examples)
    )
    decisions = control.decide(batch)
    return [label_of(d.reason) if d.action == "reject" else negative for d in decisions]


def harmful_view(name: str, probs: list[dict], texts: list[str], lexicon: bool) -> list[dict]:
    """The scores ``name``'s thresholds apply to (its job's pooling and lexicon weight); ``lexicon=False``:
    as if no lexicon term matched (the classifier's own share of the decision)."""
    job = jobs()[name]
    labels = sorted(probs[0]) if probs else []
    if lexicon:
        return decision_view(job, labels, probs, texts)
    matrix = np.array([[p[lab] for lab in labels] for p in probs])
    return [dict(zip(labels, row)) for row in decision_scores(matrix, labels, None, job.lexicon_weight, job.pooled).tolist()]


def evaluate_harmful_en() -> dict:
    model = load_classifier("harmful_en.bin")
    test = held_out("harmful_en")
    gold = [ex.label for ex in test]
    labels = ["hate", "neither", "offensive"]
    probs = predict_probabilities(model.model, [ex.text for ex in test])
    clf = decide_labels(harmful_view("harmful_en", probs, [ex.text for ex in test], False), model.thresholds, "neither", "label", ["hate", "offensive"])
    control = HarmfulConfig().create().control
    ctl = control_labels(control, test, "en", "neither")
    binary = lambda seq: ["harmful" if x != "neither" else "neither" for x in seq]  # noqa: E731
    return {
        "n": len(test),
        "classifier": classification_metrics(gold, clf, labels),
        "control": classification_metrics(gold, ctl, labels),
        "control_binary_harmful": classification_metrics(binary(gold), binary(ctl), ["harmful", "neither"]),
        "out_of_domain": out_of_domain_fpr("harmful_en", control),
    }


def evaluate_harmful_zh() -> dict:
    model = load_classifier("harmful_zh.bin")
    test = held_out("harmful_zh")
    gold = [ex.label for ex in test]
    probs = predict_probabilities(model.model, [ex.text for ex in test])
    clf = decide_labels(harmful_view("harmful_zh", probs, [ex.text for ex in test], False), model.thresholds, "safe", "label")
    control = HarmfulConfig().create().control
    ctl = control_labels(control, test, "zh", "safe")
    return {
        "n": len(test),
        "classifier": classification_metrics(gold, clf, ["offensive", "safe"]),
        "control": classification_metrics(gold, ctl, ["offensive", "safe"]),
        "out_of_domain": out_of_domain_fpr("harmful_zh", control),
    }


def _highrisk_report(examples, decided) -> dict:
    report = detection_metrics(examples, decided, "benign", HARD_SCIENCE)
    report["per_domain_recall"] = {
        lab: sum(d != "benign" for ex, d in zip(examples, decided) if ex.label == lab)
        / max(1, sum(ex.label == lab for ex in examples))
        for lab in sorted({ex.label for ex in examples} - {"benign"})
    }
    return report


def evaluate_highrisk() -> dict:
    model = load_classifier("highrisk.bin")
    control = HighRiskConfig().create().control
    out = {}
    job = jobs()["highrisk"]
    sets = {
        "held_out": held_out("highrisk"),
        "handwritten": load_inputs([TrainingInput(HANDWRITTEN, "Apache-2.0")], job),
        "handwritten_2": load_inputs([TrainingInput(HANDWRITTEN_2, "Apache-2.0")], job),
    }
    models = [m.model for m in (model, load_companion(model)) if m is not None]
    for name, examples in sets.items():
        probs = mean_probabilities(models, [ex.text for ex in examples])
        clf = decide_labels(probs, model.thresholds, "benign", model.scoring)
        ctl = control_labels(control, examples, None, "benign", lambda reason: f"hazard_{reason}")
        out[name] = {"n": len(examples), "classifier": _highrisk_report(examples, clf), "control": _highrisk_report(examples, ctl)}
    out["out_of_domain"] = out_of_domain_fpr("highrisk", control)
    return out


def _slice_fpr(*reports: dict) -> list[float | None]:
    """The bio/chem/medicine false-positive rate, or None where the set has no such negatives."""
    return [r["fpr_slice"] if r.get("slice_negatives") else None for r in reports]


# News corpora no content model trains on (eval/benign_news_eval.py; People's Daily dev may train, so not here).
NEWS = ("msra_test", "pd_test", "cluener", "gum")


def real_benign_fpr(limit: int = 5000) -> dict:
    """Share of the real-100k reviews and statutes the harmful and high-risk stages flag, on the hash-chosen fifth
    that training never used, and of the news corpora's sentences and ~1 KB documents (scored as
    eval/benign_news_eval.py scores them: language routing by script, classifier + lexicon)."""
    from eval.benign_news_eval import flag_counts, score, sentences, stage_controls, units

    job = jobs()["harmful_en"]
    sets = {
        name: [ex.text for ex in load_inputs([TrainingInput(REAL, "", label="benign", where={"src": src}, part="test")], job)[:limit]]
        for name, src in (("imdb_reviews", "imdb"), ("prc_statutes", "laws"))
    }
    news = sentences()
    for corpus in NEWS:
        for unit, texts in units(corpus, news[corpus]):
            sets[f"{corpus}_{'docs' if unit == '1KB docs' else unit}"] = texts
    controls = stage_controls(("harmful", "highrisk"))
    scored = {name: score(controls, texts) for name, texts in sets.items()}
    return {f"{stage}/{name}": flag_counts(scored[name][stage]) for stage in controls for name in sets}


def harmful_zh_long_documents(control=None) -> dict:
    """Share of ~1 KB Chinese documents the stage flags, made of COLD dev comments (held out of training; one
    comment a line, one topic a document): all offensive; safe ones with one or two offensive comments at seeded
    places (a document-level rule's cost in recall); all safe (comment threads on race, gender, region)."""
    from eval.benign_news_eval import documents, flag_counts, score

    control = control or HarmfulConfig().create().control
    rng = random.Random(0)
    sets: dict[str, list[str]] = {"offensive": [], "one_offensive": [], "two_offensive": [], "safe": []}
    test = held_out("harmful_zh")
    for topic in sorted({ex.group for ex in test}):
        offensive = [ex.text for ex in test if ex.group == topic and ex.label == "offensive"]
        safe = [ex.text for ex in test if ex.group == topic and ex.label == "safe"]
        sets["offensive"] += documents(offensive, "zh", sep="\n")
        sets["safe"] += documents(safe, "zh", sep="\n")
        inserted = iter(rng.sample(offensive, len(offensive)))
        for k, name in ((1, "one_offensive"), (2, "two_offensive")):
            for doc in documents(safe, "zh", sep="\n"):
                lines = doc.split("\n")
                for _ in range(k):
                    lines.insert(rng.randrange(len(lines) + 1), next(inserted))
                sets[name].append("\n".join(lines))
    return {name: flag_counts(score({"harmful": control}, texts)["harmful"]) for name, texts in sets.items()}


def _fit_like(job, train, hyperparameters=None) -> object:
    """A fastText model trained like ``job``'s shipped one (or with ``hyperparameters``), on ``train``."""
    import tempfile

    from transforms.content.training import fit_fasttext

    with tempfile.TemporaryDirectory(prefix="steward-eval-") as tmp:
        return fit_fasttext(train, hyperparameters or job.hyperparameters, job.seed, Path(tmp), quantize=True)


# The 13 hard science/medicine/computing subjects in three rotations: each subject is held out of training
# in exactly one of them.
UNSEEN_SUBJECT_ROTATIONS = [HARD_SCIENCE[i::3] for i in range(3)]
TARGET_FPR = 0.02


def _risk_scores(models, texts: list[str], scoring: str) -> list[float]:
    probs = mean_probabilities(models, texts)
    return [1.0 - p["benign"] if scoring == "risk" else top_score(p, "benign")[1] for p in probs]


# Thresholds of the nested evaluation in 0.001 steps (training's 0.01 grid is coarse for one rotation's scores).
NESTED_GRID = [t / 1000 for t in range(50, 1000)]


def highrisk_unseen_subjects() -> dict:
    """High-risk recall and false positives with group-wise held-out subjects, nested: for each of three
    rotations a model is trained with the shipped recipe minus that rotation's subjects; its threshold is the
    2%-false-positive point of the *other* rotations' held-out-subject scores, and it is measured on its own
    held-out subjects, chosen by the recipe's rule (with ``fpr_unseen_groups``, lowered until each calibration
    subject left out stays within 2%: training.fpr_threshold). No subject is in the training of the model that
    scores it, nor in the calibration of the threshold it is measured at. Recall: held-out hazard split (all; WMDP questions alone) and the
    hand-written hazard sets, with and without the term gate (a hazard without a gate term is never scored).
    Also reported: the same models at the shipped threshold, and at the plain pooled 2% point. The shared MMLU copy lacks virology, college
    biology, nutrition, anatomy…: this is how a threshold holds on subjects no calibration saw."""
    job = jobs()["highrisk"]
    meta = load_classifier("highrisk.bin")
    shipped = max(meta.thresholds.values())
    examples = load_inputs([i for i in job.inputs if not is_train_only(i)], job)
    train, test = split_examples(examples, job.test_fraction, job.seed)
    train += load_inputs([i for i in job.inputs if is_train_only(i)], job)
    hazards = [ex for ex in test if ex.label != "benign"]
    handwritten = [ex for path in (HANDWRITTEN, HANDWRITTEN_2) for ex in load_inputs([TrainingInput(path, "Apache-2.0")], job) if ex.label != "benign"]
    gate = load_gate("highrisk_gate.txt", "highrisk.tsv")
    passed = {name: set(gate.candidates([ex.text for ex in rows])) for name, rows in (("held_out", hazards), ("handwritten", handwritten))}
    rotations = []
    for k, subjects in enumerate(UNSEEN_SUBJECT_ROTATIONS):
        held = set(subjects)
        # the shipped recipe's model(s): with a second model, scores are the mean of both (as the stage's)
        rows = [ex for ex in train if ex.group not in held]
        models = [_fit_like(job, rows, hp) for hp in (job.hyperparameters, job.second) if hp is not None]
        negatives = [ex for ex in examples if ex.group in held]
        scored = {
            f"{key}_{name}": _risk_scores(variant, [ex.text for ex in rows], meta.scoring)
            for key, variant in (("recipe", models), ("first", models[:1] if len(models) > 1 else None)) if variant
            for name, rows in (("negatives", negatives), ("held_out", hazards), ("handwritten", handwritten))
        }
        rotations.append({"subjects": subjects, "negative_subjects": [ex.group for ex in negatives], **scored})
    wmdp = [ex.group == "" for ex in hazards]  # WMDP rows carry no subject; authored ones their class

    def recall(scores, threshold, mask=None, gated=None):
        rows = [i for i in range(len(scores)) if mask is None or mask[i]]
        return sum(scores[i] >= threshold and (gated is None or i in gated) for i in rows) / len(rows)

    # "nested" / "shipped": the shipped recipe (the mean of both models where it has two) at the recipe's rule /
    # the shipped threshold; "nested_pooled": the plain pooled 2% point (the rule before fpr_unseen_groups);
    # "nested_first_model": its first model alone, calibrated like "nested" (what the second model adds, same run)
    out = {"rotations": [], "shipped_threshold": shipped}
    unseen_rule = job.fpr_unseen_groups
    variants = [("nested", "recipe", unseen_rule), ("shipped", "recipe", None), ("nested_pooled", "recipe", False)]
    variants += [("nested_first_model", "first", unseen_rule)] if "first_negatives" in rotations[0] else []
    for k, rot in enumerate(rotations):
        row = {"subjects": rot["subjects"], "n_negatives": len(rot["recipe_negatives"])}
        for name, key, by_subject in variants:
            others = [other for j, other in enumerate(rotations) if j != k]
            calibration = [s for other in others for s in other[f"{key}_negatives"]]
            subjects = [g for other in others for g in other["negative_subjects"]]
            threshold = shipped if by_subject is None else fpr_threshold(calibration, TARGET_FPR, NESTED_GRID, subjects if by_subject else None)
            negatives, held_out, hand = rot[f"{key}_negatives"], rot[f"{key}_held_out"], rot[f"{key}_handwritten"]
            flagged = [s >= threshold for s in negatives]
            row[name] = {
                "threshold": threshold,
                "fpr": sum(flagged) / len(flagged),
                "flagged_by_subject": {g: sum(f for f, h in zip(flagged, rot["negative_subjects"]) if h == g) for g in rot["subjects"]},
                "recall": recall(held_out, threshold),
                "recall_gated": recall(held_out, threshold, gated=passed["held_out"]),
                "recall_wmdp": recall(held_out, threshold, wmdp),
                "recall_wmdp_gated": recall(held_out, threshold, wmdp, passed["held_out"]),
                "recall_handwritten_gated": recall(hand, threshold, gated=passed["handwritten"]),
            }
        out["rotations"].append(row)
    n = sum(r["n_negatives"] for r in out["rotations"])
    for name, *_ in variants:
        out[name] = {
            "fpr": sum(r[name]["fpr"] * r["n_negatives"] for r in out["rotations"]) / n,
            **{key: sum(r[name][key] for r in out["rotations"]) / len(out["rotations"])
               for key in ("recall", "recall_gated", "recall_wmdp", "recall_wmdp_gated", "recall_handwritten_gated")},
        }
    out["n_negatives"] = n
    out["gate_passed"] = {name: len(p) / len(rows) for (name, p), rows in zip(passed.items(), (hazards, handwritten))}
    return out


def harmful_zh_unseen_topics() -> dict:
    """Chinese accuracy on COLD comments of a topic the model never saw (race, gender, region in turn;
    train and dev rows of that topic), at the shipped thresholds, trained with the shipped recipe minus it:
    fastText and, where the stage has one, the second model of its cascade and its CNN companion
    (eval/train_harmful_sparse.py; the companion scored on the whole band, which decides as the stage's bound does)."""
    job = jobs()["harmful_zh"]
    meta = load_classifier("harmful_zh.bin")
    second_path = HarmfulConfig.model_fields["second_zh"].default
    second = load_second(second_path) if second_path else None
    thresholds = second.thresholds if second else meta.thresholds
    labels = list(meta.labels)
    train = load_inputs(job.inputs, job)
    test_all = train + load_inputs(job.test_inputs, job)
    topics = ("race", "gender", "region")
    # every fastText fold model before any regression: fastText training after other numeric work in this
    # process has diverged (NaN for every retry seed; see main)
    probs_of = {topic: predict_probabilities(_fit_like(job, [ex for ex in train if ex.group != topic]),
                                             [ex.text for ex in test_all if ex.group == topic]) for topic in topics}
    per_topic = {}
    for topic in topics:
        kept = [ex for ex in train if ex.group != topic]
        rows = [ex for ex in test_all if ex.group == topic]
        texts = [ex.text for ex in rows]
        probs = probs_of[topic]
        if second:
            setting = SETTINGS["harmful_zh"]
            regression = fit_regression(feature_matrix([ex.text for ex in kept], second.spec), [labels.index(ex.label) for ex in kept], setting["C"])
            first = np.array([[p[lab] for lab in labels] for p in probs])
            mixed, band = cascade(first, labels.index(meta.negative_label), second.gate, second.mix,
                               lambda band: regression.predict_proba(feature_matrix([texts[i] for i in band], second.spec)))
            if second.companion:
                with tempfile.TemporaryDirectory(prefix="steward-eval-cnn-") as tmp:
                    companion = fit_cnn([ex.text for ex in kept], np.array([labels.index(ex.label) for ex in kept]), labels,
                                         setting["cnn"], Path(tmp) / "cnn.npz", {})
                mixed[band] = (1.0 - companion.mix) * mixed[band] + companion.mix * companion.probabilities(
                    preprocess_batch([texts[i] for i in band]))
            probs = [dict(zip(labels, row)) for row in mixed.tolist()]
        # as the stage decides (classifier + lexicon)
        decided = decide_labels(harmful_view("harmful_zh", probs, texts, True), thresholds, "safe", "label")
        per_topic[topic] = {"n": len(rows), "accuracy": sum(d == ex.label for d, ex in zip(decided, rows)) / len(rows)}
    n = sum(r["n"] for r in per_topic.values())
    return {"per_topic": per_topic, "accuracy": sum(r["accuracy"] * r["n"] for r in per_topic.values()) / n, "n": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the full results here")
    parser.add_argument("--unseen", action="store_true", help="also train fold models to score unseen MMLU subjects and COLD topics (slow)")
    args = parser.parse_args()
    results = {}
    if args.unseen:
        # Fold models first: fastText training after the stage evaluations ran in this process diverged
        # (NaN for every retry seed) on the high-risk rotations, and trained fine before them.
        results["highrisk_unseen_subjects"] = highrisk_unseen_subjects()
        results["harmful_zh_unseen_topics"] = harmful_zh_unseen_topics()
    results.update({"harmful_en": evaluate_harmful_en(), "harmful_zh": evaluate_harmful_zh(), "highrisk": evaluate_highrisk()})
    results["real_benign"] = real_benign_fpr()
    results["harmful_zh_long_documents"] = harmful_zh_long_documents()
    en, zh, hr = results["harmful_en"], results["harmful_zh"], results["highrisk"]
    rows = [
        ("harmful_en macro-F1 (hate/offensive/neither)", en["classifier"]["macro_f1"], en["control"]["macro_f1"], "≥ 0.75"),
        ("harmful_en F1 hate", en["classifier"]["per_label"]["hate"]["f1"], en["control"]["per_label"]["hate"]["f1"], ""),
        ("harmful_en precision hate", en["classifier"]["per_label"]["hate"]["precision"], en["control"]["per_label"]["hate"]["precision"], "≥ 0.60"),
        ("harmful_en recall hate", en["classifier"]["per_label"]["hate"]["recall"], en["control"]["per_label"]["hate"]["recall"], ""),
        ("harmful_en binary harmful-vs-neither accuracy", None, en["control_binary_harmful"]["accuracy"], ""),
        ("harmful_zh accuracy (COLD dev)", zh["classifier"]["accuracy"], zh["control"]["accuracy"], ""),
    ]
    for name in ("held_out", "handwritten", "handwritten_2"):
        c, k = hr[name]["classifier"], hr[name]["control"]
        rows += [
            (f"highrisk {name} recall", c["recall"], k["recall"], "≥ 0.90"),
            (f"highrisk {name} FPR, MMLU science/medicine (seen subjects)", *_slice_fpr(c, k), "≤ 0.02"),
            (f"highrisk {name} FPR, all benign", c["fpr"], k["fpr"], ""),
        ]
    for name, ood in (("harmful_en", en), ("harmful_zh", zh), ("highrisk", hr)):
        for set_name, r in ood["out_of_domain"].items():
            rows.append((f"{name} out-of-domain FPR, {set_name} (n={r['n']})", None, r["fpr"], ""))
    for name, r in results["real_benign"].items():
        rows.append((f"benign flagged, {name} (n={r['n']})", None, r["rate"], "≤ 0.01"))
    for name, r in results["harmful_zh_long_documents"].items():
        rows.append((f"harmful_zh flagged, COLD dev 1 KB docs, {name} (n={r['n']})", None, r["rate"], ""))
    if args.unseen:
        u = results["highrisk_unseen_subjects"]
        for name in [v for v in ("nested", "shipped", "nested_pooled", "nested_first_model") if v in u]:
            v = u[name]
            rows.append((f"highrisk FPR, held-out subjects, {name} threshold (n={u['n_negatives']})", v["fpr"], None, "≤ 0.02"))
            rows.append((f"highrisk recall held-out / gated, {name} threshold", v["recall"], v["recall_gated"], "≥ 0.90"))
            rows.append((f"highrisk recall WMDP only / gated, {name} threshold", v["recall_wmdp"], v["recall_wmdp_gated"], "≥ 0.90"))
            rows.append((f"highrisk recall hand-written (gated), {name} threshold", None, v["recall_handwritten_gated"], ""))
        z = results["harmful_zh_unseen_topics"]
        rows.append((f"harmful_zh accuracy, unseen COLD topic (n={z['n']})", z["accuracy"], None, "≥ 0.83"))
    print(f"{'metric':<52} {'classifier':>10} {'control':>10}  target")
    for metric, clf, ctl, target in rows:
        fmt = lambda x: f"{x:10.3f}" if x is not None else f"{'—':>10}"  # noqa: E731
        print(f"{metric:<52} {fmt(clf)} {fmt(ctl)}  {target}")
    for name in ("held_out", "handwritten", "handwritten_2"):
        print(f"highrisk {name} per-domain recall (control):", {k: round(v, 3) for k, v in hr[name]["control"]["per_domain_recall"].items()})
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
