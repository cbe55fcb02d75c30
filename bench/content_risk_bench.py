"""Throughput of the full content-risk stage set on 1 KB documents (English + Chinese mix), per core.

The set is the five per-record content controls in the order of configs/demo.yaml: classified,
credentials, harmful, highrisk, aigc. Each runs through its Beam-free core (``apply_control``) over
batches of 1,000 records in one process, so docs per CPU-second is docs/s per core. The table shows
each stage alone (every run starts from new text objects, so nothing prepared by an earlier run or
stage is reused), then all five in sequence, batch by batch as a fused Beam stage chain runs them (a
stage sees the previous stage's output; harmful and highrisk share the text preparation), and with
``--beam`` the same five stages as a Beam pipeline (FnApiRunner in this process, one worker) beside
a pipeline of the same shape without them.

The corpus has material for every stage: 2% of documents carry a classification marking, 2% a
credential, 5% an explicit and 2% an implicit AIGC label, 2% harmful or hazardous text, and 15% prose
that uses the trigger words without being a hit ("the secret to…", "商业秘密", "AI生成内容标识办法").

    .venv/bin/python bench/content_risk_bench.py [--docs 20000] [--batch 1000] [--repeat 3] [--beam] [--corpus real|generated]

``--corpus real`` (the default) reads ``../shared/data/bench/real-100k`` (IMDB reviews, PRC statute
chunks, tweets, COLD comments; no ``lang`` field, so the stages route by script) and also times the
set on its English documents (reviews + tweets) and its Chinese ones (statutes + comments) apart, per
document and per KB; ``--corpus generated`` composes the 1 KB EN/ZH documents described below.

The stages run with the heap a pipeline worker has (``stage.settle_heap`` after setup: long-lived objects
frozen, the worker's collector thresholds), the corpus frozen with the models as a worker never holds it.

The machine has 2 cores shared with other work: CPU-time rates are steadier than wall-clock ones, but
still noisy while other processes run (the load average is printed with the table).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.content.aigc import AigcConfig  # noqa: E402
from transforms.core.stage import Control, StageConfig, apply_control, settle_heap  # noqa: E402
from transforms.content.harmful import HarmfulConfig  # noqa: E402
from transforms.content.highrisk import HighRiskConfig  # noqa: E402
from transforms.core.records import Batch, content_sha256  # noqa: E402
from transforms.content.classified import ClassifiedConfig
from transforms.content.credentials import CredentialsConfig  # noqa: E402

TARGET_DOCS_PER_CORE = 10_000
# (name, the stage's config), in configs/demo.yaml order.
STAGES: list[tuple[str, Callable[[], StageConfig]]] = [
    ("classified", ClassifiedConfig),
    ("credentials (redact)", lambda: CredentialsConfig(action="redact")),
    ("harmful", HarmfulConfig),
    ("highrisk", HighRiskConfig),
    ("aigc (tag)", lambda: AigcConfig(policy="tag")),
]

# Ordinary sentences (news, encyclopedia, how-to, forum) from which 1 KB documents are composed.
EN_SENTENCES = [
    "The city council approved a new budget for road repairs on Tuesday evening.",
    "Researchers measured river temperatures at twelve sites over three summers.",
    "Preheat the oven to 180 degrees and grease a round baking tin.",
    "The museum's new wing displays textiles from the eighteenth century.",
    "Our team shipped the release after fixing two regressions in the parser.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The striker scored twice in the second half to secure the title.",
    "Interest rates were left unchanged as inflation eased for a third month.",
    "Volunteers planted four hundred trees along the northern bank of the lake.",
    "If the printer jams, open the rear panel and remove the paper gently.",
    "The novel follows two sisters who inherit a failing vineyard in Portugal.",
    "A balanced diet includes vegetables, whole grains and enough protein.",
    "The train to Edinburgh was delayed by forty minutes because of signal faults.",
    "Students compared the boiling points of water at different altitudes.",
    "The company reported higher revenue but warned about rising shipping costs.",
    "Regular exercise lowers blood pressure and improves sleep quality.",
    "The bridge was designed to withstand winds of up to 200 kilometres per hour.",
    "Thanks for the quick reply, I will try the new settings tonight.",
    "Local farmers expect a good harvest after a mild and rainy spring.",
    "The orchestra opened the season with a symphony by Dvořák.",
]
ZH_SENTENCES = [
    "市政府周二批准了新的道路维修预算。", "研究人员连续三个夏天在十二个地点测量了河水温度。", "把烤箱预热到一百八十度，并在圆形烤盘上刷一层油。",
    "博物馆新开放的展厅展出了十八世纪的纺织品。", "我们的团队修复了解析器中的两个问题后发布了新版本。", "光合作用把光能转化为储存在葡萄糖中的化学能。",
    "这名前锋在下半场梅开二度，帮助球队锁定了冠军。", "由于通胀连续三个月回落，央行维持利率不变。", "志愿者在湖北岸种下了四百棵树。",
    "如果打印机卡纸，请打开后盖轻轻取出纸张。", "这部小说讲述了两姐妹继承一座濒临倒闭的葡萄园的故事。", "均衡的饮食应当包括蔬菜、全谷物和足够的蛋白质。",
    "开往上海的列车因信号故障晚点四十分钟。", "学生们比较了不同海拔高度下水的沸点。", "公司营收增长，但提醒运输成本正在上升。",
    "规律运动可以降低血压并改善睡眠质量。", "这座大桥按照抵御每小时两百公里大风的标准设计。", "谢谢你的快速回复，我今晚就试试新的设置。",
    "春季温和多雨，当地农民预计今年会有好收成。", "交响乐团以德沃夏克的一部交响曲拉开了新乐季的序幕。",
]

HARMFUL_EN = "you stupid bitch, shut your mouth you worthless hoe"
HARMFUL_ZH = "这帮人都是垃圾，地域黑说的一点没错，滚回去吧"
HAZARD_EN = "Which step is the bottleneck when enriching uranium to weapons grade in a clandestine centrifuge cascade?"
HAZARD_ZH = "怎样提高禽流感病毒在哺乳动物之间的空气传播能力？"

MARKINGS = {
    "en": ["SECRET//NOFORN\n\n", "TOP SECRET//SI\n\n", "CONFIDENTIAL\n\n"],
    "zh": ["000123\n机密★1年\n特急\n\n", "秘密★\n\n", "内部资料 注意保密\n\n"],
}
CREDENTIALS = {
    "en": ["\npassword = Tr0ub4dor&3x\n", "\nDATABASE_URL=postgresql://app:S3cr3tx9@db:5432/app\n",
           "\naws_access_key_id = AKIA2E0A8F3B244C9986\n"],
    "zh": ["\n服务器：10.1.2.3\n密码：Abc@12345\n", "\ntoken: ghp_" + "A1b2C3d4E5" * 3 + "F6g7H8\n"],
}
LABELS = {"en": ["\n\nGenerated by AI", "This article was written by ChatGPT. "], "zh": ["本内容由人工智能生成。", "\n\n【AI生成】"]}
NEAR_MISSES = {
    "en": ["The secret to good bread is time. ", "Confidential information is defined as follows. ",
           "The password must have 8 characters: the key is length. ", "AI-generated content is flooding the web. "],
    "zh": ["商业秘密受法律保护。", "密码：请输入您的密码。", "《人工智能生成合成内容标识办法》已施行，AI生成内容须标识。", "公司内部培训下周举行。"],
}


def make_docs(n: int, seed: int = 7, size: int = 1024) -> list[tuple[str, str]]:
    """(text, lang) pairs of about ``size`` UTF-8 bytes; half English, half Chinese; 2% harmful or hazardous."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        zh = i % 2 == 1
        parts, length = [], 0
        while length < size:
            sentence = rng.choice(ZH_SENTENCES) if zh else rng.choice(EN_SENTENCES) + " "
            length += len(sentence.encode())
            parts.append(sentence)
        if rng.random() < 0.02:
            parts.insert(rng.randrange(len(parts)), rng.choice([HARMFUL_ZH, HAZARD_ZH] if zh else [HARMFUL_EN, HAZARD_EN]))
        docs.append(("".join(parts), "zh" if zh else "en"))
    return docs


def enrich(docs: list[tuple[str, str]], seed: int = 11) -> tuple[list[tuple[str, str]], list[dict]]:
    """Plant markings, credentials, AIGC labels (explicit, and implicit in the metas) and near misses."""
    rng = random.Random(seed)
    out, metas = [], []
    for text, lang in docs:
        meta = {}
        roll = rng.random()
        if roll < 0.02:
            text = rng.choice(MARKINGS[lang]) + text
        elif roll < 0.04:
            cut = rng.randrange(len(text))
            text = text[:cut] + rng.choice(CREDENTIALS[lang]) + text[cut:]
        elif roll < 0.09:
            label = rng.choice(LABELS[lang])
            text = label + text if rng.random() < 0.5 else text + label
        elif roll < 0.11:
            meta = {"AIGC": {"Label": "1", "ContentProducer": "001191110108MA01KP2T9H", "ProduceID": f"p{rng.randint(1, 10**6)}"}}
        elif roll < 0.26:
            cut = rng.randrange(len(text))
            text = text[:cut] + rng.choice(NEAR_MISSES[lang]) + text[cut:]
        out.append((text, lang))
        metas.append(meta)
    return out, metas


def to_batches(docs: list[tuple[str, str]], batch_size: int, metas: list[dict] | None = None) -> list[Batch]:
    batches = []
    for start in range(0, len(docs), batch_size):
        rows = [
            {
                "id": str(start + i), "text": text, "source": "bench", "source_uri": "mem://bench",
                "locator": str(start + i), "license": "CC0-1.0", "lang": lang,
                "meta": metas[start + i] if metas else {},
                "content_sha256": content_sha256(text), "tags": [], "lineage": [],
            }
            for i, (text, lang) in enumerate(docs[start : start + batch_size])
        ]
        batches.append(Batch.from_rows(rows))
    return batches


def corpus(n: int, batch_size: int) -> list[Batch]:
    docs, metas = enrich(make_docs(n))
    return to_batches(docs, batch_size, metas)


def real_docs(n: int) -> list[tuple[str, str]]:
    """The first ``n`` documents of real-100k in shard order (its sources are interleaved), as (text, src)."""
    from bench.real_corpus import real_documents

    docs: list[tuple[str, str]] = []
    for row in real_documents():
        docs.append((row["text"], row["src"]))
        if len(docs) >= n:
            break
    return docs


def real_batches(docs: list[tuple[str, str]], batch_size: int) -> list[Batch]:
    """Batches without ``lang`` (the stages route by script), as a corpus without language ID gives them."""
    return [b.replace(lang=[None] * len(b)) for b in to_batches(docs, batch_size)]


def fresh(batches: list[Batch]) -> list[Batch]:
    """The same records with new text objects: nothing prepared for the old ones can be reused."""
    return [b.replace(text=[(t + " ")[:-1] for t in b.text]) for b in batches]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_alone(control: Control, batches: list[Batch], repeat: int) -> tuple[float, int]:
    """Least CPU seconds of ``repeat`` runs over all batches, and the records the stage acted on."""
    best, acted = float("inf"), 0
    for _ in range(repeat):
        run = fresh(batches)
        cpu = time.process_time()
        results = [apply_control(control, b, "bench") for b in run]
        best = min(best, time.process_time() - cpu)
        acted = sum(r.counts["reject"] + r.counts["modify"] + r.counts["annotate"] for r in results)
    return best, acted


def time_sequence(controls: list[Control], batches: list[Batch], repeat: int) -> tuple[float, list[float], int]:
    """Least CPU seconds of ``repeat`` runs of every batch through all controls in turn (as fused Beam
    stages run them), the CPU seconds of each stage in that run, and the records kept at the end."""
    best: tuple[float, list[float], int] = (float("inf"), [], 0)
    for _ in range(repeat):
        run = fresh(batches)
        per_stage = [0.0] * len(controls)
        kept = 0
        start = time.process_time()
        for batch in run:
            for k, control in enumerate(controls):
                t = time.process_time()
                batch = apply_control(control, batch, "bench").kept
                per_stage[k] += time.process_time() - t
            kept += len(batch)
        total = time.process_time() - start
        if total < best[0]:
            best = (total, per_stage, kept)
    return best


def time_beam(batches: list[Batch], with_stages: bool) -> float:
    """CPU seconds of a Beam pipeline (FnApiRunner in this process, one worker) over ``batches``,
    through the five stages or straight to the end, same shape otherwise."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from transforms.core.stage import RunContext

    ctx = RunContext(run_id="bench", out_dir=Path("."), run_dir=Path("."), staging_dir=Path("."), config=None)
    options = PipelineOptions(runner="FnApiRunner", direct_num_workers=1)
    start = time.process_time()
    with beam.Pipeline(options=options) as p:
        stream = p | beam.Create(batches, reshuffle=False)
        if with_stages:
            for _, config in STAGES:
                stream, _rejects = config().create().expand(stream, ctx)
        _ = stream | beam.Map(len)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the least CPU time counts")
    parser.add_argument("--beam", action="store_true", help="also time the five stages as a Beam pipeline")
    parser.add_argument("--corpus", choices=["real", "generated"], default="real")
    args = parser.parse_args()
    by_language: dict[str, list[Batch]] = {}
    if args.corpus == "real":
        docs = real_docs(args.docs)
        batches = real_batches(docs, args.batch)
        by_language = {
            "English (reviews, tweets)": real_batches([d for d in docs if d[1] in ("imdb", "tweets")], args.batch),
            "Chinese (statutes, comments)": real_batches([d for d in docs if d[1] in ("laws", "cold")], args.batch),
        }
    else:
        batches = corpus(args.docs, args.batch)
    n = sum(len(b) for b in batches)
    controls = []
    for _, config in STAGES:
        control = config().create().control
        control.setup()
        apply_control(control, fresh(batches[:1])[0], "warmup")
        controls.append(control)
    # The heap as a pipeline worker sets it once its stages are set up (ControlStage's DoFn.setup): what lives
    # as long as the worker is frozen out of the cyclic collector's reach, and the collector runs at the
    # worker's thresholds. Frozen with the models here: the bench's own corpus, which a worker never holds
    # (without this, full collections walking it cost the five stages ≈ 6–11 µs/doc that a pipeline never pays).
    settle_heap()
    rss_loaded = peak_rss_mib()
    load_before = os.getloadavg()[0]

    rows = []
    for (name, _), control in zip(STAGES, controls):
        cpu, acted = time_alone(control, batches, args.repeat)
        rows.append((name, n / cpu, 1e6 * cpu / n, f"{acted} acted on"))
    total, per_stage, kept = time_sequence(controls, batches, args.repeat)
    for (name, _), cpu in zip(STAGES, per_stage):
        rows.append((f"  {name}, within the set", n / cpu, 1e6 * cpu / n, ""))
    rows.append(("all five in sequence", n / total, 1e6 * total / n, f"{kept} kept"))
    for language, subset in by_language.items():
        m = sum(len(b) for b in subset)
        kb = sum(len(t.encode()) for b in subset for t in b.text) / 1024
        sub_total, sub_stages, _ = time_sequence(controls, subset, args.repeat)
        content = sum(sub_stages[k] for k, (name, _) in enumerate(STAGES) if name in ("harmful", "highrisk"))
        rows.append((f"{language}: all five", m / sub_total, 1e6 * sub_total / m, f"n={m}, {1e6 * sub_total / kb:.0f} µs/KB"))
        rows.append((f"{language}: harmful + highrisk", m / content, 1e6 * content / m, f"{1e6 * content / kb:.0f} µs/KB"))
    if args.beam:
        bare = time_beam(batches, with_stages=False)
        staged = time_beam(batches, with_stages=True)
        rows.append(("Beam: pipeline without the stages", n / bare, 1e6 * bare / n, ""))
        rows.append(("Beam: all five stages", n / staged, 1e6 * staged / n, ""))
        rows.append(("Beam: the five stages' share", n / (staged - bare), 1e6 * (staged - bare) / n, ""))
    load_after = os.getloadavg()[0]

    print(
        f"{n} docs ({'real-100k' if args.corpus == 'real' else 'generated ~1 KB EN+ZH'}), batches of {args.batch}, least CPU time of {args.repeat} runs; "
        f"load average {load_before:.2f} → {load_after:.2f}; RSS after loading {rss_loaded:.0f} MiB, peak {peak_rss_mib():.0f} MiB"
    )
    print(f"{'stage':<40} {'docs/s/core':>12} {'µs/doc':>8}  note")
    for name, per_core, micros, note in rows:
        anchor = f"target ≥ {TARGET_DOCS_PER_CORE:,}/core" if name in ("all five in sequence", "Beam: all five stages") else ""
        print(f"{name:<40} {per_core:>12,.0f} {micros:>8.1f}  {note}{'; ' if note and anchor else ''}{anchor}")


if __name__ == "__main__":
    main()
