"""Retrain the content-risk models shipped in transforms/content/models/ from ../shared/data.

Run from the repository root (needs ../shared/data; the pipeline itself never does):

    .venv/bin/python eval/make_highrisk_examples.py      # authored nuclear/missile/Chinese examples
    .venv/bin/python eval/make_zh_formal_examples.py     # hand-written Chinese formal benign documents
    .venv/bin/python eval/make_en_technical_examples.py  # hand-written English technical benign documents
    .venv/bin/python eval/train_shipped_models.py [harmful_en harmful_zh highrisk]

Each model gets its ``.bin`` (logit rows), ``.json`` (labels, thresholds) and ``.md`` model card beside it.
Hyperparameters favour throughput: no character n-grams in the models every scored document meets (they
cost ~7 extra lookups per word), which keeps a 1 KB document at ~20 µs of fastText time; high-risk's
character n-gram model is averaged in only where the word model leaves the mean able to reach the
threshold. Training is single-threaded and runs in a fresh process per model, so a rerun reproduces the
shipped files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from transforms.content.training import Hyperparameters, TrainingInput, TrainingJob, train_classifier

DATA = "../shared/data"
MODELS = Path("transforms/content/models")
AUTHORED = "transforms/content/models/training/highrisk_authored.jsonl"

# Benign slice on which the high-risk false-positive rate is held to the target.
BIO_CHEM_MED = [
    "high_school_biology",
    "high_school_chemistry",
    "clinical_knowledge",
    "professional_medicine",
    "human_aging",
]

# Hard negatives the high-risk threshold is calibrated on: every science, medicine and computing subject
# the shared MMLU copy has (its cross-validation folds by subject, so each subject is scored by a model
# that never saw it: the threshold holds for subjects the data lacks, e.g. virology or nutrition).
HARD_SCIENCE = BIO_CHEM_MED + [
    "human_sexuality",
    "conceptual_physics",
    "college_physics",
    "astronomy",
    "electrical_engineering",
    "computer_security",
    "college_computer_science",
    "high_school_computer_science",
]
# Real benign long-form text (../shared/data/bench/real-100k): IMDB reviews (English) and PRC statute
# chunks (Chinese formal). Training uses the hash-chosen four fifths; the other fifth measures the benign
# false-positive rate (eval/classifiers_eval.py). The corpus's tweets and COLD comments are the task
# corpora's own rows, so they are never used from here.
REAL = f"{DATA}/bench/real-100k"

ZH_FORMAL_TRAIN = "eval/data/zh_formal_benign_train.jsonl"
EN_TECHNICAL_TRAIN = "eval/data/en_technical_benign_train.jsonl"
SPDX = f"{DATA}/licenses/spdx_license_texts.jsonl"
DAVIDSON = f"{DATA}/harmful/en_davidson_dev.jsonl"
MMLU = f"{DATA}/highrisk/mmlu_benign_dev.jsonl"
PEOPLES_DAILY_DEV = f"{DATA}/ner/zh/peoples_daily_dev.bio"  # 1998 news sentences (NER corpus; its tags are not read)

ANY_BENIGN = {"hate": "benign", "offensive": "benign", "neither": "benign", "safe": "benign"}

ATTRIBUTION = {
    "real": "Real-text negatives from ../shared/data/bench/real-100k (four fifths by text hash; the other fifth "
    "measures benign false positives): IMDB Large Movie Review Dataset, Maas et al., ACL 2011 (research use); PRC laws "
    "and regulations via LawRefBook/Laws (statutes are not subject to copyright, PRC Copyright Law art. 5).",
    "davidson": "Davidson et al., *Automated Hate Speech Detection and the Problem of Offensive Language* "
    "(ICWSM 2017), t-davidson/hate-speech-and-offensive-language, MIT licence, © 2017 Thomas Davidson.",
    "cold": "Deng et al., *COLD: A Benchmark for Chinese Offensive Language Detection* (EMNLP 2022), "
    "thu-coai/COLDataset, Apache License 2.0.",
    "wmdp": "Li et al., *The WMDP Benchmark: Measuring and Reducing Malicious Use with Unlearning* (2024), "
    "questions from a public copy under the MIT licence.",
    "mmlu": "Hendrycks et al., *Measuring Massive Multitask Language Understanding* (ICLR 2021), MIT licence.",
    "authored": "Authored for datasteward by eval/make_highrisk_examples.py (template questions, and hand-written requests "
    "and look-alikes each with varied lead-ins; project licence Apache-2.0).",
    "spdx": "SPDX licence texts, spdx-license-list 6.12.0, CC0-1.0.",
    "en_technical": "Hand-written English technical and product documents (READMEs, changelogs, product Q&A incl. network "
    "and security products, IT how-tos) composed by eval/make_en_technical_examples.py (project licence Apache-2.0).",
    "zh_formal": "Hand-written Chinese formal text (notices, law articles, technical docs, news, company texts, policy "
    "texts, public-service notices, encyclopedia entries on ethnic groups, regions and gender) composed by "
    "eval/make_zh_formal_examples.py (project licence Apache-2.0).",
    "peoples_daily": "News negatives: People's Daily 1998 sentences, the dev split of the ChineseNER corpus "
    "(zjy-ucas/ChineseNER via OYE93/Chinese-NLP-Corpus, research use); text only, its entity tags are not used.",
}


# What the previous shipped versions (2026-11-22, trained on the task corpora alone) measured, for the
# model cards; out-of-domain rates are the classifier's on the same test sets as eval/classifiers_eval.py.
PREVIOUS = {
    "harmful_en": "Previous version (2026-11-22, Davidson tweets only): macro-F1 0.706 on its seeded 20% split "
    "(this version holds out a hash-chosen fifth instead, so that joined tweets never contain a test tweet); "
    "out-of-domain false-positive rate 0.067 on SPDX licence texts, 0.212 on MMLU questions, 0.165 on English "
    "technical/product documents. 2026-11-22 → 2026-12-06: per-label F1-optimal thresholds on leaky out-of-fold "
    "scores (joined tweets shared folds with their single copies): hate 0.08, which on unseen Davidson tweets flagged "
    "629 for 392 true (precision 0.31); classifier macro-F1 0.707 on the held-out fifth. 2026-12-06 (morning; quantised, "
    "dim 50, 20 epochs, hate precision floor 0.65): classifier macro-F1 0.673 (hate 0.96, offensive 0.31), stage (with the "
    "lexicon) macro-F1 0.714, hate precision 0.671 / recall 0.266; 52-63 µs per real-100k English document to score "
    "(afternoon: 22-26, same documents and load). 2026-12-06 (afternoon; logit rows, thresholds hate 0.75 / offensive "
    "0.50 on probabilities, the lexicon flagging only on its own at 0.9): stage macro-F1 0.710, hate precision 0.688 / "
    "recall 0.248; IMDB test fifth 0.2% flagged.",
    "harmful_zh": "Previous versions: 2026-11-22 (COLD only): accuracy 0.888 on COLD dev, out-of-domain false-positive "
    "rate 0.275 on the Chinese formal test documents; 2026-11-23 (plus 400 formal documents, accuracy-optimal "
    "threshold 0.42): control accuracy 0.887, false-positive rate 0.095 on the formal test documents of the first "
    "genres, 0.300 on those of the genres added later, 0.167 on the hand-written formal documents. 2026-11-23 → "
    "2026-12-06 (threshold 0.51): classifier accuracy 0.890 on COLD dev; unseen COLD test 0.796 with 22.5% of safe "
    "comments flagged (measured by the project). 2026-12-06 (morning; quantised, threshold 0.73): classifier accuracy "
    "0.878 on COLD dev, stage 0.873, 6.5% of its safe comments flagged; 0.805 on COLD topics the model never saw; "
    "36 µs per real-100k Chinese document to score (afternoon: 13, same documents and load). 2026-12-06 (afternoon; "
    "logit rows, character bigrams, 10 epochs, threshold 0.69 on P(offensive)): COLD dev 0.885 / stage 0.880, 0.805 on "
    "COLD topics the model never saw; statutes test fifth 0.15% flagged.",
    "highrisk": "Previous versions: 2026-11-22 (rule risk = 1 − P(benign) ≥ 0.77, chosen at 1% FPR): held-out recall "
    "0.922, bio/chem/medicine FPR 0.008; hand-written recall 0.630; out-of-domain false-positive rate 0.008 on "
    "SPDX texts, 0.080 on English technical/product documents, 0.020 on Chinese formal documents. 2026-11-23 "
    "(template examples only): held-out recall 0.932, bio/chem/medicine FPR 0.008, hand-written recall 0.630 and "
    "0.341 (second set), false-positive rate 0.085 on English technical/product documents. 2026-11-23 (dsub 4) → "
    "2026-12-06: threshold 0.50 chosen on out-of-fold scores of subjects the fold models had seen; held-out recall "
    "0.949 at 1.2% on bio/chem/medicine; on unseen WMDP vs unseen MMLU subjects (measured by the project) recall "
    "0.62 at 2% false positives, virology 47 of 166 flagged. 2026-12-06 (morning): top-class rule at 0.82, 20 epochs; "
    "held-out recall 0.919, 2.7% false positives on unseen subjects (two rotations at the shipped threshold), "
    "hand-written 0.63 / 0.32; in the nested held-out-subject evaluation of this version's recipe (same design, "
    "previous split) 2.44% false positives at recall 0.874 (WMDP questions alone 0.742, hand-written 0.415). 2026-12-06 "
    "(afternoon): quantised `.ftz` (dsub 4, bucket 200k, lr 0.3), term gate, risk rule at 0.86; nested held-out "
    "subjects 1.97% false positives at recall 0.914 (WMDP alone 0.765, hand-written 0.59), 2.27% / 0.913 / 0.760 / "
    "0.588 when re-run beside this version's recipe; stage on the hand-written sets 0.685 / 0.409; 77 µs per scored "
    "(gated) real-100k document to predict (evening: 55, same documents and load). 2026-12-06 (evening): the word "
    "model alone as logit rows, threshold 0.92; nested held-out subjects 2.22% false positives at recall 0.911 (WMDP "
    "alone 0.762, hand-written 0.646; the same figures for its recipe in this version's evaluation run); held-out "
    "split recall 0.890 with 0.6% of its 13-subject questions flagged; stage on the hand-written sets 0.685 / 0.409.",
}


def jobs() -> dict[str, TrainingJob]:
    return {
        "harmful_en": TrainingJob(
            name="harmful_en",
            description="English hateful / offensive language classifier (tweets): `hate`, `offensive`, `neither`.",
            # Held out: the deterministic fifth of Davidson by text hash, so that tweets joined into longer
            # training examples (below) never include a test tweet.
            inputs=[
                TrainingInput(DAVIDSON, "MIT", part="train", hash_groups=5),
                # Tweets of one label joined 4 at a time: harmful text is not always short, and without this
                # the long benign examples below teach that length alone means `neither`. Joined within a
                # hash group, the fold of their single copies (below: group_folds), or the out-of-fold scores
                # leak: the last version's OOF hate precision was 0.65 where unseen tweets gave 0.54.
                TrainingInput(DAVIDSON, "MIT", part="train", sample=8000, concat=4, hash_groups=5, calibrate=False),
                # `neither` tweets joined 8 at a time: with the short review sentences below alone, documents of clean
                # tweets drifted to `offensive` (18.9% of WNUT17's 1 KB documents without a profanity, 1.8% before).
                TrainingInput(DAVIDSON, "MIT", part="train", where={"label": "neither"}, concat=8, hash_groups=5, calibrate=False),
                # Long-form formal text as `neither`: the tweets alone make any long formal document drift
                # towards `offensive`. Exam questions of every MMLU subject and licence texts cut into paragraph
                # windows; the other fifth of each file is an out-of-domain false-positive test (eval/classifiers_eval.py).
                TrainingInput(MMLU, "MIT", label_map={"benign": "neither"}, sample=4000, part="train", calibrate=False),
                TrainingInput(SPDX, "CC0-1.0", label="neither", chunk_chars=600, sample=3000, part="train", calibrate=False),
                # Long-form reviews (profanity and violence in a plot summary are not abuse).
                TrainingInput(REAL, "IMDB (research use)", label="neither", where={"src": "imdb"}, sample=4000, part="train"),
                # Short sentences of reviews as `neither`: a short plain sentence ("Sure.", "Mix together.", a heading)
                # has no word the tweets taught as harmless, and scored near their prior (77% offensive) it was flagged
                # (4.5% of GUM sentences, 0% of its 1 KB documents). Train only: the thresholds stay the tweets'.
                TrainingInput(REAL, "IMDB (research use)", label="neither", where={"src": "imdb"}, sentences=12, sample=4000,
                              part="train", calibrate=False),
            ],
            test_inputs=[TrainingInput(DAVIDSON, "MIT", part="test")],
            output=str(MODELS / "harmful_en.bin"),
            negative_label="neither",
            # Both thresholds chosen together for the best macro-F1 of the stage's decision (hate before
            # offensive), on the out-of-fold scores of single tweets only (calibrate=False above: joined
            # tweets and long-form negatives train but are not what the thresholds meet).
            objective="macro_f1",
            label_priority=["hate", "offensive"],
            # A `hate` reject is "major": its threshold must be right 60% of the time out of fold (the
            # target on unseen tweets; the F1-optimal 0.08 was right 31% of the time there). Out-of-fold
            # precision here is that of models trained on four fifths, in groups: no longer leaky (it was
            # 0.65 when the folds leaked).
            min_precision={"hate": 0.6},
            # Hate is also offensive: P(hate) counts towards `offensive` (held-out neither F1 0.82 -> 0.84). The
            # lexicon's hate score is added to P(hate) (weight 1: their mean) instead of flagging only on its own
            # at 0.9: a capped slur (hate weight ~0.5) and a middling P(hate) together flag hate (out-of-fold
            # macro-F1 of single tweets 0.661 -> 0.676). Not for `offensive`: +0.006 on tweets, but then one
            # profanity in a film review flags it (IMDB test fifth 0.2% -> 0.6%): tweets overrate swearing.
            pooled={"offensive": ["hate"]},
            lexicon="harmful.tsv",
            lexicon_weight={"hate": 1.0},
            group_folds=True,
            # Full precision, shipped as logit rows (training._to_logit_rows): scores 2-3x faster than the
            # quantised model at the same ranking. 5 epochs, not 20: the longer-trained model is
            # over-confident (out-of-fold hate precision never reached 0.6 at any threshold) and ranks hate
            # tweets slightly worse (average precision 0.364 at 20 epochs, 0.387 at 5, held-out fifth).
            hyperparameters=Hyperparameters(epoch=5, lr=0.2, dim=50, word_ngrams=2, quantize=False),
            notes=[
                "Attribution: " + ATTRIBUTION["davidson"], "", "Attribution: " + ATTRIBUTION["mmlu"], "",
                "Attribution: " + ATTRIBUTION["spdx"], "", "Attribution: " + ATTRIBUTION["real"], "", PREVIOUS["harmful_en"],
            ],
        ),
        "harmful_zh": TrainingJob(
            name="harmful_zh",
            description="Chinese offensive language classifier (social-media comments on race, gender, region): "
            "`offensive`, `safe`.",
            inputs=[
                TrainingInput(f"{DATA}/harmful/zh_cold_train.jsonl", "Apache-2.0"),
                # Formal documents as `safe`: COLD comments alone make a law article on trade secrets look offensive.
                TrainingInput(ZH_FORMAL_TRAIN, "Apache-2.0", label_map={"benign": "safe"}, train_only=True),
                # Real statutes as `safe`: COLD alone flagged 8-12% of statute chunks (topic-held-out models).
                TrainingInput(REAL, "public domain (PRC Copyright Law art. 5)", label="safe", where={"src": "laws"}, sample=3000, part="train"),
                # News sentences as `safe`: crime reports, education policy (素质), ethnic mentions and war history
                # share COLD's offensive vocabulary; 1.3-1.6% of news sentences were flagged. People's Daily dev only
                # (MSRA test, People's Daily test and CLUENER measure it, eval/benign_news_eval.py: no sentence of
                # this file shares half its character 8-grams with one of theirs). Train only: COLD sets the thresholds.
                TrainingInput(PEOPLES_DAILY_DEV, "research use", label="safe", train_only=True, calibrate=False),
            ],
            test_inputs=[TrainingInput(f"{DATA}/harmful/zh_cold_dev.jsonl", "Apache-2.0")],
            output=str(MODELS / "harmful_zh.bin"),
            negative_label="safe",
            group_field="topic",
            # Folds by COLD topic (race, gender, region): the threshold is chosen on comments about a topic
            # the fold model never saw, closer to comment data unlike the training split.
            group_folds=True,
            folds=3,
            objective="accuracy",
            # COLD's out-of-fold accuracy is flat over a wide range of thresholds (0.38-0.70 within 0.2
            # points), while the share of formal text flagged halves across it: take the top of the plateau.
            threshold_tolerance=0.002,
            # Full precision, shipped as logit rows (one number per row): see harmful_en.
            # The lexicon's offensive score added to P(offensive) at weight 0.5, (P + 0.5 L) / 1.5: +0.4 points on
            # unseen topics (leave-one-topic-out, same models). Weight 1 gave +0.6 but its threshold (0.27) let
            # one weak term (weight >= 0.54) flag a text on its own, which the lexicon's design forbids.
            lexicon="harmful.tsv",
            lexicon_weight={"offensive": 0.5},
            # Character trigrams (word_ngrams 3 over one-character tokens), 5 epochs: 0.804 -> 0.814 on COLD
            # topics the model never saw (leave-one-topic-out), at ~1.5x the row lookups; 4-grams diverged (NaN).
            hyperparameters=Hyperparameters(epoch=5, lr=0.2, dim=32, word_ngrams=3, quantize=False),
            notes=[
                "Attribution: " + ATTRIBUTION["cold"], "", "Formal negatives: " + ATTRIBUTION["zh_formal"], "",
                "Attribution: " + ATTRIBUTION["real"], "", ATTRIBUTION["peoples_daily"], "", PREVIOUS["harmful_zh"],
            ],
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
                # Formal prose in both languages (training only): licence texts as paragraph windows, Chinese notices,
                # law articles, technical docs and news; the model had almost no benign Chinese formal text.
                TrainingInput(SPDX, "CC0-1.0", label="benign", chunk_chars=800, sample=2000, part="train"),
                TrainingInput(ZH_FORMAL_TRAIN, "Apache-2.0", train_only=True),
                # Everyday English technical and product text (READMEs, changelogs, product Q&A, IT how-tos):
                # without it, a headset's pairing FAQ scored as offensive cyber.
                TrainingInput(EN_TECHNICAL_TRAIN, "Apache-2.0", train_only=True),
                # Real long-form benign text: reviews (violent plots, "nuclear", "virus") and statutes.
                TrainingInput(REAL, "IMDB (research use)", label="benign", where={"src": "imdb"}, sample=3000, part="train"),
                TrainingInput(REAL, "public domain (PRC Copyright Law art. 5)", label="benign", where={"src": "laws"}, sample=3000, part="train"),
            ],
            output=str(MODELS / "highrisk.bin"),
            negative_label="benign",
            group_field="subject",
            objective="fpr",
            # Hazard against benign (1 - P(benign)), whichever domain carries the evidence: with the top-class
            # rule 15% of hazard questions could never be flagged (P(benign) beat every single hazard class
            # while the hazard classes together beat it). On group-held-out subjects (eval/classifiers_eval.py
            # --unseen, nested) it kept recall 0.917 where the top rule kept 0.904 at the same 2.3-2.4%
            # false positives, and hand-written recall 0.59 vs 0.48.
            scoring="risk",
            # The task budget (2%) itself; the 1% margin cost a third of the recall on hand-written hazard text.
            target_fpr=0.02,
            fpr_groups=HARD_SCIENCE,
            group_folds=True,
            # ...held for unseen subjects: the pooled 2% point landed at 2.2-2.4% on held-out subjects (computer
            # security or high-school biology, left out, score above the point the other subjects choose); the target
            # is lowered until each subject, left out, keeps the pooled rate within 2% (training.fpr_threshold).
            fpr_unseen_groups=True,
            # 10 epochs, not 20: less over-confident scores on unseen subjects (nested held-out-subject FPR 2.35% vs
            # 2.48%, recall 0.918 vs 0.912, in the same evaluation).
            # Full precision, shipped as logit rows (training._to_logit_rows; 5 numbers per row): the same
            # probabilities as the trained model, scored without the quantised model's per-token decode. Bucket
            # 100k keeps the file at ~3.5 MB; at bucket 100k lr 0.3 diverged (NaN) for every seed, lr 0.2 did not.
            hyperparameters=Hyperparameters(epoch=10, lr=0.2, dim=32, word_ngrams=2, bucket=100_000, quantize=False),
            # A character n-gram (3-5) model on the same rows, averaged with the word model (risk = mean of the two):
            # it reads spellings and word pieces the word bigrams miss (hand-written requests), the word model keeps
            # the WMDP questions; in the nested held-out-subject evaluation the mean beat the word model alone at every
            # false-positive rate measured (2026-12-06 evening). lr 0.2 diverged (NaN) for every seed, 0.1 did not.
            # The stage runs it only where the word model leaves the mean able to reach the threshold.
            second=Hyperparameters(epoch=10, lr=0.1, dim=32, word_ngrams=2, minn=3, maxn=5, bucket=100_000, quantize=False),
            notes=[
                "Attribution: " + ATTRIBUTION["wmdp"],
                "",
                "Attribution: " + ATTRIBUTION["mmlu"],
                "",
                "Attribution: " + ATTRIBUTION["davidson"],
                "",
                "Attribution: " + ATTRIBUTION["cold"],
                "",
                "Attribution: " + ATTRIBUTION["spdx"],
                "",
                "Formal negatives: " + ATTRIBUTION["zh_formal"],
                "",
                "Technical negatives: " + ATTRIBUTION["en_technical"],
                "",
                "Attribution: " + ATTRIBUTION["real"],
                "",
                "Authored examples: " + ATTRIBUTION["authored"] + " Their held-out scores are optimistic (same "
                "templates); eval/classifiers_eval.py also scores hand-written sentences outside the templates.",
                "",
                "Gate: records holding none of the terms in `transforms/content/lexicons/highrisk_gate.txt` (chosen from "
                "the training split of 2026-12-06 afternoon by eval/build_highrisk_gate.py) nor a lexicon term are kept "
                "unscored; 1.2% of the held-out hazards (0.5% before the everyday-word requests joined the data) and 1% "
                "of the hand-written ones hold no term.",
                "",
                "Threshold held for unseen subjects (2026-12-06, fifth session; eval/classifiers_eval.py --unseen, nested, same "
                "models as below): the pooled 2% point landed at 2.40% false positives on held-out subjects (rotations 3.0 / 3.2 / "
                "0.6%); lowering the target until each calibration subject, left out, stays within 2% (training.fpr_threshold) "
                "chose 0.70 here (was 0.61) and gives 1.45% (rotations 1.4 / 2.7 / 0.3%) at recall 0.907 on the held-out hazards "
                "(WMDP alone 0.750, hand-written 0.690); the shipped 0.70 on the rotation models 1.33% / 0.905 / 0.743 / 0.680. "
                "Stage on the hand-written sets 0.778 / 0.545; look-alikes flagged 4 of 40 / 0 of 24; held-out split recall 0.907, "
                "its 13-subject questions 0.6% flagged; real-100k test fifth 0 of 5,000 reviews, 0 of 4,069 statutes.",
                "",
                "Averaged pair (2026-12-06 evening, threshold 0.61 by the pooled rule; eval/classifiers_eval.py --unseen, nested: 13 MMLU subjects in three "
                "rotations, each unseen by its models and by its threshold's calibration): 2.40% false positives at recall 0.916 "
                "on the held-out hazards (WMDP alone 0.775, hand-written 0.748); the word model alone in the same run 2.22% / "
                "0.911 / 0.762 / 0.646; at the shipped threshold (0.61) on the rotation models 2.22% / 0.915 / 0.773 / 0.748. "
                "The stage scores the character model only where 1 − P_word(benign) / 2 reaches the threshold (none of the "
                "first 20,000 real-100k documents, 2 of 100,000). Stage on the hand-written sets 0.815 / 0.614 (word model "
                "at 0.92: 0.685 / 0.409); hand-written benign look-alikes flagged 5 of 40 / 0 of 24 (word model at 0.92: 0 / 0); "
                "real-100k test fifth: 0 of 5,000 reviews, 0 of 4,069 statutes.",
                "",
                PREVIOUS["highrisk"],
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
