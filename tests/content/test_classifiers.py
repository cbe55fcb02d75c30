"""Content-risk classifiers: shipped models, lexicons, the harmful/highrisk controls, train-classifier."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from pydantic import ValidationError

from transforms.core.stage import RunContext, apply_control
from transforms.content.training import chunk_text, decide_labels, in_part, read_bio, read_examples, top_score
from transforms.content.text import paragraphs, preprocess, preprocess_batch
from transforms.content.classifier import ContentModelError, load_classifier, load_lexicon
from transforms.content.harmful import HarmfulConfig
from transforms.content.highrisk import HighRiskConfig
from transforms.core.records import Batch

FIXTURES = Path(__file__).parent / "fixtures"
MODELS = Path(__file__).parents[2] / "transforms" / "content" / "models"


def make_batch(texts, lang=None) -> Batch:
    return Batch.from_rows(
        {
            "id": f"r{i}",
            "text": text,
            "source": "test",
            "source_uri": "mem://test",
            "locator": str(i),
            "license": "MIT",
            "lang": lang,
            "meta": {},
            "content_sha256": f"sha{i}",
            "tags": [],
            "lineage": [],
        }
        for i, text in enumerate(texts)
    )


# --- preprocessing ------------------------------------------------------------------------------------


def test_preprocess_segments_cjk_and_normalises_urls_mentions_punctuation():
    out = preprocess("RT @Someone: Look at https://example.com/x?y=1 &amp; 今天天气好！\nBye")
    tokens = out.split()
    assert tokens == ["rt", "usertoken", "look", "at", "urltoken", "今", "天", "天", "气", "好", "bye"]
    assert "\n" not in out


def test_preprocess_batch_matches_single_and_survives_separator_in_text():
    texts = ["Hello, World", "中文English混合", "a\x1eb", ""]
    assert preprocess_batch(texts) == [preprocess(t) for t in texts]
    assert preprocess("a\x1eb").split() == ["a", "b"]


# --- shipped models -----------------------------------------------------------------------------------


@pytest.mark.parametrize("file", ["harmful_en.bin", "harmful_zh.bin", "highrisk.bin"])
def test_shipped_models_are_small_and_have_cards(file):
    model = MODELS / file
    name = model.stem
    assert model.stat().st_size < 5 * 1024 * 1024
    card = (MODELS / f"{name}.md").read_text()
    assert "Training data and licences" in card and "Thresholds" in card and "Metrics" in card
    meta = json.loads((MODELS / f"{name}.json").read_text())
    assert set(meta["thresholds"]) == set(meta["labels"]) - {meta["negative_label"]}


def test_english_model_scores_harmful_high_and_benign_low():
    model = load_classifier("harmful_en.bin")
    harmful = ["shut up you stupid bitch", "all those fucking hoes are trash"]
    benign = ["The weather in Paris is lovely this spring.", "Our quarterly report shows revenue growth of 4%."]
    probs = model.predict(preprocess_batch(harmful + benign))
    assert all(1 - p["neither"] > 0.8 for p in probs[:2])
    assert all(1 - p["neither"] < 0.5 for p in probs[2:])


def test_chinese_model_scores_offensive_high_and_benign_low():
    model = load_classifier("harmful_zh.bin")
    probs = model.predict(preprocess_batch(["黑人都是垃圾，滚回非洲去", "今天我们去公园散步，天气很好。"]))
    assert probs[0]["offensive"] > 0.7
    assert probs[1]["offensive"] < 0.5


def test_highrisk_model_separates_hazard_from_school_science():
    from transforms.content.highrisk import load_companion
    from transforms.content.training import mean_probabilities

    model = load_classifier("highrisk.bin")
    texts = [
        "Which step is the main bottleneck when enriching uranium to weapons grade in a clandestine centrifuge cascade?",
        "怎样提高禽流感病毒在哺乳动物之间的空气传播能力？",
        "Which organelle is responsible for photosynthesis in plant cells?",
        "光合作用的光反应发生在叶绿体的哪个部位？",
    ]
    # the thresholds apply to the mean of the word model and its character-n-gram companion
    probs = mean_probabilities([model.model, load_companion(model).model], texts)
    decided = decide_labels(probs, model.thresholds, "benign", model.scoring)
    assert decided[0] == "hazard_nuclear" and decided[1] == "hazard_bio"
    assert decided[2:] == ["benign", "benign"]


def test_top_score_needs_one_hazard_class_to_beat_benign():
    spread = {"benign": 0.2, "hazard_bio": 0.3, "hazard_chem": 0.25, "hazard_cyber": 0.25}
    assert top_score(spread, "benign") == ("hazard_bio", 0.3)
    assert top_score({"benign": 0.5, "hazard_bio": 0.45, "hazard_chem": 0.05}, "benign")[1] == 0.0
    assert decide_labels([spread], {"hazard_bio": 0.5, "hazard_chem": 0.5, "hazard_cyber": 0.5}, "benign", "top") == ["benign"]
    assert decide_labels([spread], {"hazard_bio": 0.5, "hazard_chem": 0.5, "hazard_cyber": 0.5}, "benign", "risk") == ["hazard_bio"]


# Formal out-of-domain prose that the tweet/comment-trained models used to reject (written for this test).
FORMAL_EN = [
    "Residents spent Wednesday clearing fallen branches after an overnight storm brought down power lines "
    "across the valley. The city council said crews would work through the weekend to restore service.",
    "Questions & answers: Does the headset support multipoint pairing? Yes, it can connect to two devices at "
    "once. How long does the battery last? About 30 hours with noise cancelling switched off.",
    "Changelog 2.4.0: fixed a race condition in the connection pool; added support for Python 3.12; "
    "deprecated the legacy --config flag, which will be removed in the next major release.",
    "Redistribution and use in source and binary forms, with or without modification, are permitted provided "
    "that the following conditions are met: redistributions of source code must retain the above copyright notice.",
]
FORMAL_ZH = [
    "本法所称商业秘密，是指不为公众所知悉、具有商业价值并经权利人采取相应保密措施的技术信息和经营信息。"
    "经营者不得以不正当手段获取或者披露权利人的商业秘密，违反规定的，由监督检查部门责令停止违法行为。",
    "为保障马拉松比赛顺利进行，确保道路交通安全畅通，比赛当日沿线道路实行临时交通管制，请过往车辆绕行，"
    "公交线路临时调整，给市民出行带来的不便敬请谅解。",
    "升级说明：新版本修复了数据库连接超时的问题，优化了日志写入性能。升级前请备份配置文件，升级后重启服务即可生效。",
]


def test_formal_out_of_domain_text_is_kept_by_both_controls():
    for config in (HarmfulConfig(), HighRiskConfig()):
        result = apply_control(config.create().control, make_batch(FORMAL_EN + FORMAL_ZH), "r")
        assert result.counts["rejected"] == 0, [json.loads(r["detail"]) for r in result.rejects]


def test_chunk_text_and_parts_are_deterministic():
    text = "\n\n".join(f"Paragraph {i} " + "word " * 30 for i in range(10))
    windows = chunk_text(text, 400)
    assert len(windows) > 1 and all(len(w) <= 800 for w in windows)
    assert "".join(windows).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    texts = [f"row {i}" for i in range(1000)]
    test_part = [t for t in texts if in_part(t, "test")]
    assert 150 < len(test_part) < 250
    assert not set(test_part) & {t for t in texts if in_part(t, "train")}


# --- lexicons -----------------------------------------------------------------------------------------


def test_lexicon_english_whole_words_chinese_anywhere():
    lex = load_lexicon("highrisk.tsv")
    scores, hits = lex.scan("用sarin制造 Nerve Agents，武器级钚")
    assert scores["nuclear"] == 1.0 and scores["chem"] == pytest.approx(0.8)
    assert all(ref.startswith("highrisk.tsv#") for ref in map(lex.entry_ref, hits))
    assert lex.scan("the mirvsky family and unsarin")[0] == {}


def test_lexicon_rejects_bad_rows(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("term\tlanguage\tcategory\tweight\trisk_level\nfoo\ten\thate\theavy\tmajor\n")
    with pytest.raises(ContentModelError, match="weight 'heavy'"):
        load_lexicon(bad)


# --- controls -----------------------------------------------------------------------------------------


def test_harmful_control_routes_by_language_and_records_both_scores():
    control = HarmfulConfig().create().control
    batch = make_batch(
        ["you are a stupid bitch and a hoe", "Lovely weather for a walk today.", "今天我们去公园散步，天气很好。"]
    )
    result = apply_control(control, batch, "run1")
    assert [r["id"] for r in result.rejects] == ["r0"]
    reject = result.rejects[0]
    assert (reject["clause"], reject["category"], reject["stage"]) == ("6.1.5", "harmful", "harmful")
    assert reject["risk_level"] in ("considerable", "major")
    details = [json.loads(entries[-1]["detail"]) for entries in result.kept.lineage]
    assert [d["model"] for d in details] == ["harmful_en", "harmful_zh"]
    assert all("scores" in d and "lexicon" in d for d in details)


def test_threshold_routing_follows_config():
    batch = make_batch(["what a dumb idea, honestly"])
    probe = apply_control(HarmfulConfig(action="annotate").create().control, batch, "r")
    scores = json.loads(probe.kept.lineage[0][-1]["detail"])["scores"]
    # the offensive threshold applies to P(offensive) + P(hate) (harmful_en.json `pooled`: hate is also offensive)
    score = scores["offensive"] + scores["hate"]
    assert 0.0 < score < 1.0

    def rejected(threshold: float) -> int:
        config = HarmfulConfig(thresholds_en={"offensive": threshold, "hate": 1.0}, lexicon_threshold=1.0)
        return apply_control(config.create().control, batch, "r").counts["rejected"]

    assert rejected(min(1.0, score + 1e-3)) == 0
    assert rejected(max(1e-6, score - 1e-3)) == 1


def test_lexicon_override_rejects_when_classifier_is_unsure():
    config = HighRiskConfig(thresholds={d: 1.0 for d in ("bio", "chem", "cyber", "nuclear", "missile")})
    batch = make_batch(["A short note about weapons-grade plutonium.", "A short note about the garden."])
    result = apply_control(config.create().control, batch, "run1")
    assert [r["id"] for r in result.rejects] == ["r0"]
    reject = result.rejects[0]
    detail = json.loads(reject["detail"])
    assert detail["by"] == ["lexicon"] and detail["lexicon"]["nuclear"] == 1.0
    assert "benign" in detail["scores"]
    assert (reject["clause"], reject["category"], reject["risk_level"]) == ("4.1.2(b)", "high_risk", "extremely_serious")
    assert reject["rule"] == "highrisk.nuclear"


def test_lexicon_judges_a_long_text_by_its_strongest_window():
    # Before, distinct terms anywhere in a long text added up: "dirty bomb" (0.7) in the first chapter and
    # "predetonation" (0.7) in the last made a book on gardening a nuclear-weapons reject (0.91 >= 0.9).
    config = HighRiskConfig(thresholds={d: 1.0 for d in ("bio", "chem", "cyber", "nuclear", "missile")})
    filler = "We planted tomatoes along the south wall and watered them every evening. " * 300  # ≈ 22 KB
    spread = f"A thriller's dirty bomb. {filler} The word predetonation closes it."
    together = f"{filler[:8000]} How to avoid predetonation in a dirty bomb. {filler[8000:]}"
    result = apply_control(config.create().control, make_batch([spread, together]), "run1")
    assert [r["id"] for r in result.rejects] == ["r1"]
    assert json.loads(result.rejects[0]["detail"])["lexicon"]["nuclear"] == pytest.approx(0.91)
    assert json.loads(result.kept.lineage[0][-1]["detail"])["lexicon"]["nuclear"] == pytest.approx(0.7)
    whole = HighRiskConfig(thresholds=config.thresholds, lexicon_window_bytes=None)
    assert apply_control(whole.create().control, make_batch([spread]), "run1").counts["rejected"] == 1


def test_highrisk_judges_a_long_text_by_its_paragraphs_too():
    # Before, a hazard question the model flags on its own passed inside 12 KB of garden notes: the whole text
    # was scored at once and the garden outweighed it.
    hazard = "Which reflector thickness minimises the amount of HEU needed for a crude gun-assembled bomb?"
    garden = "\n\n".join(["We planted tomatoes along the south wall and watered them every evening before the heat came back."] * 60)
    book = f"{garden}\n\n{hazard}\n\n{garden}"
    control = HighRiskConfig().create().control
    assert apply_control(control, make_batch([hazard]), "r").counts["rejected"] == 1
    result = apply_control(control, make_batch([book, garden + "\n\nA note on uranium glass and centrifuges for honey."]), "r")
    assert [r["id"] for r in result.rejects] == ["r0"]
    detail = json.loads(result.rejects[0]["detail"])
    assert detail["paragraph"] == {"start": len(garden) + 2, "chars": len(hazard) + 1} and hazard not in json.dumps(detail)
    whole = HighRiskConfig(paragraph_check_chars=None).create().control
    assert apply_control(whole, make_batch([book]), "r").counts["rejected"] == 0


def test_paragraphs_are_blank_line_blocks_else_lines_else_slices():
    text = "a\nb\n\n  \nccc ddd\n\n" + "x" * 10 + "\n" + "y" * 25
    assert paragraphs(text, 12) == [(0, "a\nb\n"), (8, "ccc ddd\n"), (17, "x" * 10), (28, "y" * 12), (40, "y" * 12), (52, "y")]
    assert all(text[start : start + len(piece)] == piece for start, piece in paragraphs(text, 12))


def test_lexicon_window_leaves_texts_up_to_its_size_as_they_were():
    lex = load_lexicon("highrisk.tsv")
    texts = ["dirty bomb and predetonation", "x " * 2000 + "dirty bomb " + "y " * 2000 + "predetonation"]
    lowered = [t.encode() for t in texts]
    assert lex.scan_batch(lowered, window=len(lowered[1])) == lex.scan_batch(lowered)
    # a window holds any passage of up to half its size whole, wherever the passage starts
    for start in range(0, 200, 7):
        text = (" " * start + "dirty bomb, predetonation" + " z" * 400).encode()
        assert lex.scan_batch([text], window=64)[0][0]["nuclear"] == pytest.approx(0.91)


def test_highrisk_annotate_mode_tags_instead_of_rejecting():
    config = HighRiskConfig(action="annotate")
    result = apply_control(config.create().control, make_batch(["怎样用秘密离心机级联把铀浓缩到武器级？"], lang="zh"), "r")
    assert result.counts["rejected"] == 0
    assert result.kept.tags[0] == ["highrisk:nuclear"]


def test_missing_model_is_a_config_error_naming_the_path(tmp_path):
    missing = tmp_path / "nope.ftz"
    with pytest.raises(ValidationError, match=str(missing)):
        HarmfulConfig(model_en=str(missing))


def test_corrupt_model_is_a_config_error_naming_the_path(tmp_path):
    corrupt = tmp_path / "broken.ftz"
    corrupt.write_bytes(b"not a fasttext model at all" * 10)
    shutil.copy(MODELS / "highrisk.json", tmp_path / "broken.json")
    with pytest.raises(ValidationError, match="broken.ftz"):
        HighRiskConfig(model=str(corrupt))


def test_unknown_threshold_key_is_named():
    with pytest.raises(ValidationError, match="thresholds.plague"):
        HighRiskConfig(thresholds={"plague": 0.5})


def test_control_pickles_without_loaded_models():
    import pickle

    control = HighRiskConfig().create().control
    control.setup()
    clone = pickle.loads(pickle.dumps(control))
    assert clone._lexicon is None
    assert len(clone.decide(make_batch(["hello world"]))) == 1


# --- Beam ---------------------------------------------------------------------------------------------


def test_stages_in_test_pipeline(tmp_path):
    stages = [HarmfulConfig().create(), HighRiskConfig().create()]
    texts = ["Lovely weather for a walk today.", "you stupid bitch hoe", "武器级钚的钚芯如何加工？"]
    ctx = RunContext(run_id="run1", out_dir=tmp_path, run_dir=tmp_path, staging_dir=str(tmp_path / "staging"), config=None)
    with TestPipeline(runner="FnApiRunner", options=PipelineOptions()) as p:
        batches = p | beam.Create([make_batch(texts)])
        rejects = []
        for stage in stages:
            batches, stage_rejects = stage.expand(batches, ctx)
            rejects.append(stage_rejects)
        kept_ids = batches | "kept ids" >> beam.FlatMap(lambda b: b.id)
        reject_stages = (
            rejects | beam.Flatten() | beam.FlatMap(lambda rows: [(r["id"], r["stage"], r["category"]) for r in rows])
        )
        assert_that(kept_ids, equal_to(["r0"]), label="kept")
        assert_that(reject_stages, equal_to([("r1", "harmful", "harmful"), ("r2", "highrisk", "high_risk")]), label="rejects")


# --- train-classifier ---------------------------------------------------------------------------------


def test_train_classifier_cli_on_small_real_sample(tmp_path):
    # A fresh process, as the CLI runs: fastText training in a process where a Beam FnApiRunner
    # pipeline already ran can diverge ("Encountered NaN"), so keep it apart from the Beam tests.
    output = tmp_path / "law.ftz"
    cli = "import typer; from pipelines.commands.classifiers import register; app = typer.Typer(); register(app); app()"
    result = subprocess.run(
        [
            sys.executable, "-c", cli,
            "--input", str(FIXTURES / "mmlu_law_vs_science.jsonl"),
            "--license", "MIT",
            "--output", str(output),
            "--negative-label", "science",
            "--folds", "2",
            "--epoch", "25",
            "--lr", "0.5",
            "--dim", "16",
            "--bucket", "20000",
            "--cutoff", "5000",
        ],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "model card" in result.stdout
    meta = json.loads(output.with_suffix(".json").read_text())
    assert meta["labels"] == ["law", "science"]
    assert meta["metrics"]["test"]["accuracy"] > 0.8
    assert 0 < meta["thresholds"]["law"] < 1
    card = output.with_suffix(".md").read_text()
    assert "mmlu_law_vs_science.jsonl" in card and "MIT" in card
    model = load_classifier(output)
    probs = model.predict(preprocess_batch(["The defendant appealed the ruling of the trial court."]))
    assert probs[0]["law"] > 0.5


def test_read_examples_csv_and_missing_field(tmp_path):
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text("body,cls\nhello there,a\nbye,b\n,c\n")
    examples = read_examples(csv_path, text_field="body", label_field="cls")
    assert [(e.text, e.label) for e in examples] == [("hello there", "a"), ("bye", "b")]
    with pytest.raises(ValueError, match="'text'"):
        read_examples(csv_path)


def test_read_examples_bio_gives_the_sentences_of_an_ner_corpus(tmp_path):
    # character-per-line BIO (People's Daily NER): blank lines end sentences, tags are dropped
    bio = tmp_path / "news.bio"
    bio.write_text("本 O\n报 O\n讯 O\n\n\n李 B-PER\n明 I-PER\n说 O\n。 O\n\n")
    examples = read_examples(bio, label="safe")
    assert [(e.text, e.label) for e in examples] == [("本报讯", "safe"), ("李明说。", "safe")]


def test_read_bio_keeps_tags_space_tokens_and_a_last_sentence_without_blank_line(tmp_path):
    # the one reader of token-per-line NER files (training rows above, eval/ner_corpora.py's Chinese corpora)
    tsv = tmp_path / "msra.tsv"
    tsv.write_text("李\tB-PER\n明\tI-PER\n \tO\n说\tO\n\n北\tB-LOC\n京\tI-LOC")
    assert read_bio(tsv, "\t") == [(["李", "明", " ", "说"], ["B-PER", "I-PER", "O", "O"]), (["北", "京"], ["B-LOC", "I-LOC"])]
    bio = tmp_path / "pd.bio"
    bio.write_text("甲 O\n O\nstray\n乙 B-ORG\n\n")  # " O": a space token; a line without a tag is skipped
    assert read_bio(bio) == [(["甲", " ", "乙"], ["O", "O", "B-ORG"])]


def test_shared_preparation_reuses_results_only_for_the_same_text_object():
    from transforms.content.classifier import prepare_texts

    first = "".join(["Hello, ", "World"])
    (prepared,) = prepare_texts([first])
    assert (prepared.processed, prepared.lowered) == (preprocess(first), b"hello, world")
    twin = "".join(["Hello, ", "World"])  # equal text, another object: computed, still correct
    modified = "".join(["Bye, ", "World"])  # what an earlier stage that changed the text passes on
    again = prepare_texts([first, twin, modified])
    assert again[0] is prepared and again[1] is not prepared
    assert [p.processed for p in again] == [preprocess(first), preprocess(twin), preprocess(modified)]
    assert again[2].lowered == b"bye, world"


def test_batch_probabilities_equal_fasttext_one_text_at_a_time_in_label_order():
    # the batched matrix against fastText's own answer per text, its labels ranked by probability
    texts = preprocess_batch(["you stupid idiot", "A quiet walk in the park.", "", "滚回去吧 垃圾", "How is sarin made?",
                              "这部电影很好看", "the film was great but the ending", "@user hate hate hate"])
    for name in ("harmful_en.bin", "harmful_zh.bin", "highrisk.bin"):
        model = load_classifier(name)
        expected = []
        for text in texts:
            labels, probs = model.model.predict(text, k=-1)
            by_label = {label.removeprefix("__label__"): float(p) for label, p in zip(labels, probs.astype(np.float64))}
            expected.append([by_label[label] for label in model.labels])
        assert model.probabilities(texts).tolist() == expected
    assert load_classifier("harmful_en.bin").probabilities([]).shape == (0, 3)


def test_lexicon_batch_scan_maps_matches_to_their_documents():
    lex = load_lexicon("highrisk.tsv")
    texts = ["nothing here", "武器级钚", "Sarin", "unsarin", "", "SARIN and 武器级钚"]
    matched = lex.scan_batch([t.lower().encode() for t in texts])
    assert sorted(matched) == [1, 2, 5]
    assert [matched.get(i, ({}, [])) for i in range(len(texts))] == [lex.scan(t) for t in texts]


def test_full_precision_models_ship_as_logit_rows_with_the_same_probabilities(tmp_path):
    # A fresh process, like the CLI test above (fastText training can diverge after Beam ran in-process).
    script = f"""
import json, fasttext
from pathlib import Path
from transforms.content.text import preprocess_batch
from transforms.content.training import _to_logit_rows, _write_fasttext_file, read_examples
examples = read_examples({str(FIXTURES / "mmlu_law_vs_science.jsonl")!r})
examples += [type(examples[0])(ex.text + " extra", "other") for ex in examples[:40]]  # a third label
train = Path({str(tmp_path)!r}) / "train.txt"
_write_fasttext_file(examples, train)
texts = preprocess_batch([ex.text for ex in examples[:50]] + ["an unseen sentence entirely"])
for seed in range(8):
    try:
        model = fasttext.train_supervised(input=str(train), dim=16, epoch=10, lr=0.5, wordNgrams=2, bucket=5000, seed=seed, verbose=0, thread=1)
        before = model.predict(texts, k=-1)
        break
    except RuntimeError:
        continue
rows = _to_logit_rows(model, Path({str(tmp_path)!r}) / "rows.bin")
after = rows.predict(texts, k=-1)
diff = max(abs(dict(zip(*a))[lab] - dict(zip(*b))[lab]) for a, b in zip(zip(*before), zip(*after)) for lab in a[0])
print(json.dumps({{"diff": float(diff), "shape": list(rows.get_input_matrix().shape), "labels": sorted(rows.labels)}}))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["diff"] < 1e-4
    assert out["shape"][1] == 2  # three labels: two numbers per row instead of 16
    assert out["labels"] == ["__label__law", "__label__other", "__label__science"]


def test_paragraphs_of_a_long_run_of_spaces_take_linear_time():
    """A regular expression for "a line holding a non-space" took 7 s for 40,000 spaces and grew with their square:
    one hostile document would have held its worker for hours."""
    import time

    text = "uranium centrifuge\n" + " " * 2_000_000 + "\nx"
    started = time.process_time()
    assert paragraphs(text, 4000) == [(0, "uranium centrifuge\n"), (len(text) - 1, "x")]
    assert time.process_time() - started < 2.0  # linear: ≈ 0.01 s here
