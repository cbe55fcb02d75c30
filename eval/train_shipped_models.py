"""Retrain the content-risk models shipped in transforms/models/ from ../shared/data.

Run from the repository root (needs ../shared/data; the pipeline itself never does):

    .venv/bin/python eval/make_highrisk_examples.py      # authored nuclear/missile/Chinese examples
    .venv/bin/python eval/train_shipped_models.py [harmful_en harmful_zh highrisk]

Each model gets its ``.ftz``, ``.json`` (labels, thresholds) and ``.md`` model card beside it.
Hyperparameters favour throughput: no character n-grams (they cost ~7 extra lookups per word),
which keeps a 1 KB document at ~20 µs of fastText time. Training is single-threaded, so a rerun
reproduces the shipped files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from transforms.classifier_training import Hyperparameters, TrainingInput, TrainingJob, train_classifier

DATA = "../shared/data"
MODELS = Path("transforms/models")
AUTHORED = "transforms/models/training/highrisk_authored.jsonl"

# Benign slice on which the high-risk false-positive rate is held to the target.
BIO_CHEM_MED = [
    "high_school_biology",
    "high_school_chemistry",
    "clinical_knowledge",
    "professional_medicine",
    "human_aging",
]

ANY_BENIGN = {"hate": "benign", "offensive": "benign", "neither": "benign", "safe": "benign"}

ATTRIBUTION = {
    "davidson": "Davidson et al., *Automated Hate Speech Detection and the Problem of Offensive Language* "
    "(ICWSM 2017), t-davidson/hate-speech-and-offensive-language, MIT licence, © 2017 Thomas Davidson.",
    "cold": "Deng et al., *COLD: A Benchmark for Chinese Offensive Language Detection* (EMNLP 2022), "
    "thu-coai/COLDataset, Apache License 2.0.",
    "wmdp": "Li et al., *The WMDP Benchmark: Measuring and Reducing Malicious Use with Unlearning* (2024), "
    "questions from a public copy under the MIT licence.",
    "mmlu": "Hendrycks et al., *Measuring Massive Multitask Language Understanding* (ICLR 2021), MIT licence.",
    "authored": "Authored for datasteward by eval/make_highrisk_examples.py (template questions; project licence Apache-2.0).",
}


def jobs() -> dict[str, TrainingJob]:
    return {
        "harmful_en": TrainingJob(
            name="harmful_en",
            description="English hateful / offensive language classifier (tweets): `hate`, `offensive`, `neither`.",
            inputs=[TrainingInput(f"{DATA}/harmful/en_davidson_dev.jsonl", "MIT")],
            output=str(MODELS / "harmful_en.ftz"),
            negative_label="neither",
            objective="f1",
            hyperparameters=Hyperparameters(epoch=20, lr=0.2, dim=50, word_ngrams=2, cutoff=50_000),
            notes=["Attribution: " + ATTRIBUTION["davidson"]],
        ),
        "harmful_zh": TrainingJob(
            name="harmful_zh",
            description="Chinese offensive language classifier (social-media comments on race, gender, region): "
            "`offensive`, `safe`.",
            inputs=[TrainingInput(f"{DATA}/harmful/zh_cold_train.jsonl", "Apache-2.0")],
            test_inputs=[TrainingInput(f"{DATA}/harmful/zh_cold_dev.jsonl", "Apache-2.0")],
            output=str(MODELS / "harmful_zh.ftz"),
            negative_label="safe",
            objective="accuracy",
            hyperparameters=Hyperparameters(epoch=10, lr=0.3, dim=32, word_ngrams=2, cutoff=50_000),
            notes=["Attribution: " + ATTRIBUTION["cold"]],
        ),
        "highrisk": TrainingJob(
            name="highrisk",
            description="High-risk domain classifier (4.1.2(b)): hazardous knowledge about biological, chemical, "
            "nuclear weapons, missiles and offensive cyber, in English and Chinese, against benign science and "
            "general text. Labels `hazard_bio`, `hazard_chem`, `hazard_cyber`, `hazard_nuclear`, `hazard_missile`, `benign`.",
            inputs=[
                TrainingInput(f"{DATA}/highrisk/wmdp_bio_dev.jsonl", "MIT"),
                TrainingInput(f"{DATA}/highrisk/wmdp_chem_dev.jsonl", "MIT"),
                TrainingInput(f"{DATA}/highrisk/wmdp_cyber_dev.jsonl", "MIT"),
                TrainingInput(f"{DATA}/highrisk/mmlu_benign_dev.jsonl", "MIT"),
                TrainingInput(AUTHORED, "Apache-2.0"),
                # General web text in both languages as negatives (offensive is not high-risk): single
                # comments, and comments joined into document-length texts so length alone never looks risky.
                TrainingInput(f"{DATA}/harmful/en_davidson_dev.jsonl", "MIT", label_map=ANY_BENIGN, sample=2000),
                TrainingInput(f"{DATA}/harmful/en_davidson_dev.jsonl", "MIT", label_map=ANY_BENIGN, sample=6000, concat=12),
                TrainingInput(f"{DATA}/harmful/zh_cold_train.jsonl", "Apache-2.0", label_map=ANY_BENIGN, sample=3000),
                TrainingInput(f"{DATA}/harmful/zh_cold_train.jsonl", "Apache-2.0", label_map=ANY_BENIGN, sample=12000, concat=12),
            ],
            output=str(MODELS / "highrisk.ftz"),
            negative_label="benign",
            group_field="subject",
            objective="fpr",
            scoring="risk",
            target_fpr=0.01,
            fpr_groups=BIO_CHEM_MED,
            hyperparameters=Hyperparameters(epoch=20, lr=0.3, dim=32, word_ngrams=2, cutoff=50_000),
            notes=[
                "Attribution: " + ATTRIBUTION["wmdp"],
                "",
                "Attribution: " + ATTRIBUTION["mmlu"],
                "",
                "Attribution: " + ATTRIBUTION["davidson"],
                "",
                "Attribution: " + ATTRIBUTION["cold"],
                "",
                "Authored examples: " + ATTRIBUTION["authored"] + " Their held-out scores are optimistic (same "
                "templates); eval/classifiers_eval.py also scores hand-written sentences outside the templates.",
            ],
        ),
    }


def main(names: list[str]) -> None:
    available = jobs()
    for name in names or list(available):
        meta = train_classifier(available[name])
        m = meta["metrics"]
        print(
            f"{name}: {meta['size_bytes'] / 1024:.0f} KiB thresholds={meta['thresholds']} "
            f"test accuracy={m['test']['accuracy']:.3f} macro-F1={m['test']['macro_f1']:.3f} "
            f"recall={m['test_detection']['recall']:.3f} fpr={m['test_detection']['fpr']:.3f} "
            f"fpr_slice={m['test_detection'].get('fpr_slice', float('nan')):.3f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
