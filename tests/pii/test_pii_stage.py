"""Operators, offsets, key handling and the pii stage (plain and under Beam's FnApiRunner)."""

import json
import subprocess
import sys
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to
from pydantic import ValidationError

from transforms.pii import detectors as det
from transforms.pii import surrogates as pii_surrogates
from transforms.core.spans import with_recurrences
from transforms.core.stage import RunContext, apply_control
from transforms.pii.stage import Anonymiser, PiiConfig, PiiControl, PiiKeyError, decrypt_text
from transforms.core.records import Batch, content_sha256, meta_strings, to_json

KEY = b"test-key-0123456789abcdef"
TEXT = "姓名：张伟，身份证号110105199003071239，手机13800138000，邮箱zhangwei@qq.com。"


def make_batch(texts):
    return Batch.from_rows(
        {"id": str(i), "text": t, "source": "s", "source_uri": "u", "locator": str(i), "license": "MIT",
         "lang": "zh", "meta": {}, "content_sha256": content_sha256(t), "tags": [], "lineage": []}
        for i, t in enumerate(texts)
    )  # fmt: skip


def anonymise(mode, text=TEXT, key=KEY, keep_last=4):
    anonymiser = Anonymiser({e: mode for e in det.ENTITY_TYPES}, keep_last, key)
    spans = det.Detector().detect(text)
    return anonymiser.apply(text, spans), spans


def test_redact_offsets_follow_length_changes():
    (out, inserted), spans = anonymise("redact")
    assert out == "姓名：<PERSON>，身份证号<CN_RESIDENT_ID>，手机<PHONE_NUMBER>，邮箱<EMAIL_ADDRESS>。"
    assert [out[a:b] for a, b in inserted] == [f"<{s.type}>" for s in spans]


def test_mask_keeps_last_n():
    (out, _), _ = anonymise("mask", "卡号6222021234567890128。", keep_last=4)
    assert out == "卡号***************0128。"


def test_pseudonyms_are_deterministic_and_keyed():
    (a, _), _ = anonymise("pseudonym", "a@x.com 和 a@x.com")
    (b, _), _ = anonymise("pseudonym", "a@x.com")
    (c, _), _ = anonymise("pseudonym", "a@x.com", key=b"another-key-0123456789")
    token = b
    assert a == f"{token} 和 {token}" and token.startswith("<EMAIL_ADDRESS_")
    assert c != token


@pytest.mark.parametrize(
    "entity, value, valid",
    [
        (det.CN_RESIDENT_ID, "110105199003071239", det.cn_id_valid),
        (det.BANK_CARD, "6222 0212 3456 7890 128", det.card_valid),
        (det.BANK_CARD, "4111111111111111", det.card_valid),
        (det.IBAN, "GB82WEST12345698765432", det.iban_valid),
        (det.CN_USCC, "91350100M000100Y43", det.uscc_valid),
        (det.PHONE_NUMBER, "１３８００１３８０００", lambda v: det.cn_mobile_valid(det.digits_of(v))),
        (det.US_SSN, "460-89-9847", det.ssn_valid),
    ],
)
def test_surrogates_are_valid_deterministic_and_different(entity, value, valid):
    first = pii_surrogates.surrogate(KEY, entity, value)
    assert first == pii_surrogates.surrogate(KEY, entity, value)
    assert first != value and valid(first)
    assert len(first) == len(value)


def test_surrogates_keep_language_and_ip_surrogates_are_not_personal():
    assert all("\u4e00" <= c <= "\u9fff" for c in pii_surrogates.surrogate(KEY, det.PERSON, "张伟"))
    assert pii_surrogates.surrogate(KEY, det.STREET_ADDRESS, "北京市朝阳区建国路88号").endswith("室")
    ip = pii_surrogates.surrogate(KEY, det.IP_ADDRESS, "106.31.73.20")
    assert det.count_structured_identifiers([ip]) == [0]


def test_encrypt_is_reversible_with_the_key():
    (out, _), _ = anonymise("encrypt")
    assert "13800138000" not in out and out.count("<ENC:") == 4
    assert decrypt_text(out, KEY) == TEXT


def test_presidio_is_imported_only_by_jobs_that_mask_or_encrypt():
    # its import loads presidio-analyzer and spaCy (≈ 0.65 CPU s): a job that redacts or pseudonymises
    # must not pay for it; one that masks gets the operator
    script = """
import sys
from transforms.pii import detectors as det
from transforms.pii.stage import Anonymiser, PiiConfig, PiiControl
from pipelines import cli, run
PiiControl(PiiConfig()).setup()
Anonymiser({e: "pseudonym" for e in det.ENTITY_TYPES}, 4, b"k" * 32)
print(sorted(m for m in sys.modules if m.startswith(("presidio", "spacy"))))
Anonymiser({"PHONE_NUMBER": "mask"})
print("presidio_anonymizer" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[-3:] == ["[]", "True", ""]


def test_missing_key_is_a_config_error_naming_the_variable(monkeypatch):
    monkeypatch.delenv("DATASTEWARD_PII_KEY", raising=False)
    with pytest.raises(PiiKeyError, match="DATASTEWARD_PII_KEY"):
        PiiConfig(default_mode="pseudonym").create()
    PiiConfig().create()  # redact needs no key
    monkeypatch.setenv("DATASTEWARD_PII_KEY", "k" * 32)
    PiiConfig(default_mode="pseudonym").create()


def test_config_rejects_bad_keys():
    with pytest.raises(ValidationError, match="NOPE"):
        PiiConfig(entities=["NOPE"])
    with pytest.raises(ValidationError, match="environment variable"):
        PiiConfig(key_env="sk-live-123 456")
    with pytest.raises(ValidationError, match="surrogate for BANK_CARD"):
        PiiConfig(modes={"BANK_CARD": "surrogate"})
    with pytest.raises(ValidationError):
        PiiConfig(colour="red")


def test_control_lineage_has_counts_not_values():
    control = PiiControl(PiiConfig())
    result = apply_control(control, make_batch([TEXT, "没有个人信息的句子。"]), "run1")
    assert result.counts["modify"] == 1 and result.counts["keep"] == 1
    modified, untouched = result.kept.lineage
    detail = json.loads(modified[-1]["detail"])
    assert detail == {"entities": {"CN_RESIDENT_ID": 1, "EMAIL_ADDRESS": 1, "PERSON": 1, "PHONE_NUMBER": 1}}
    assert "13800138000" not in json.dumps(modified) and untouched[-1]["action"] == "keep"
    assert det.count_structured_identifiers(result.kept.text) == [0, 0]


def test_residual_identifiers_are_rejected():
    # e-mail detection disabled: the re-scan still finds the address, so the record is rejected
    control = PiiControl(PiiConfig(entities=[det.PHONE_NUMBER]))
    result = apply_control(control, make_batch(["电话13800138000 邮箱a.b@qq.com"]), "run1")
    assert len(result.kept) == 0
    (reject,) = result.rejects
    assert (reject["category"], reject["clause"], reject["reason"]) == (
        "personal_information", "6.1.7", "residual_personal_information")  # fmt: skip
    assert "a.b@qq.com" not in json.dumps(reject)
    kept = apply_control(PiiControl(PiiConfig(entities=[det.PHONE_NUMBER], on_residual="keep")),
                         make_batch(["电话13800138000 邮箱a.b@qq.com"]), "run1")  # fmt: skip
    assert kept.kept.text == ["电话<PHONE_NUMBER> 邮箱a.b@qq.com"]


# Meta strings of a batch are detected together (distinct values once) and residual scans run once per
# batch: the decisions must be those of deciding each record alone.
BATCHED_RECORDS = [
    (TEXT, {"url": "https://x.example/u/13800138000", "tags": ["a", "", {"contact": "bob@corp.io"}], "n": 3}),
    ("plain text", {"author": "Mr. John Smith", "empty": "", "nested": {"list": [["call 13800138000"]]}}),
    ("电话13800138000 邮箱a.b@qq.com", {}),
    ("", {"url": "mailto bob@corp.io"}),
    ("nothing here", {"url": "https://x.example/u/13800138000", "tags": ["a", "", {"contact": "bob@corp.io"}], "n": 3}),
    ("mail me: bob@corp.io", None),
    ("Dear Ms. Jane Doe, 12 Maple Street", {"source_id": "r00000000"}),
    ("联系人：王芳，手机号码：+86 138 0013 8000", {"x": ["13800138000", "13800138000"]}),
    ("no identifiers", {"contact": "a.b@qq.com 电话13800138000"}),
]


def make_meta_batch(records):
    batch = make_batch([text for text, _ in records])
    batch.meta = [meta for _, meta in records]
    return batch


@pytest.mark.parametrize("config", [
    {}, {"entities": [det.PHONE_NUMBER]}, {"entities": [det.PHONE_NUMBER], "on_residual": "keep"},
    {"default_mode": "pseudonym"}, {"default_mode": "mask"},
])  # fmt: skip
def test_batched_decisions_equal_per_record(config, monkeypatch):
    monkeypatch.setenv("DATASTEWARD_PII_KEY", "k" * 32)
    control = PiiControl(PiiConfig(**config))
    batched = control.decide(make_meta_batch(BATCHED_RECORDS))
    assert batched == [control.decide(make_meta_batch([record]))[0] for record in BATCHED_RECORDS]
    if config == {}:
        assert batched[1].meta["nested"] == {"list": [["call <PHONE_NUMBER>"]]} and batched[1].text is None
        assert batched[4].meta["tags"][2] == {"contact": "<EMAIL_ADDRESS>"} and batched[4].meta["n"] == 3
        assert batched[7].detail["meta_entities"] == {"PHONE_NUMBER": 2}
        assert batched[2].action == batched[8].action == "modify"
        assert batched[6].meta is None and batched[3].meta == {"url": "mailto <EMAIL_ADDRESS>"}  # untouched / flat
    if config == {"entities": [det.PHONE_NUMBER]}:  # e-mails left in text or meta, touched or not, are residuals
        assert [i for i, d in enumerate(batched) if d.action == "reject"] == [0, 2, 3, 4, 5, 8]
        assert batched[5].detail == {"entities": {}, "residual": {"EMAIL_ADDRESS": 1}}
        assert batched[8].detail == {"entities": {}, "meta_entities": {"PHONE_NUMBER": 1}, "residual": {"EMAIL_ADDRESS": 1}}


def test_numbers_in_meta_are_deidentified():
    """A phone number stored as a JSON or Parquet integer (an id field, a contact column) is published
    in meta as its digits, which the publish gate scans: it is de-identified like a string, or the whole
    run failed the gate with nothing to say which record held it."""
    records = [("plain text", {"source_id": 13800138000, "n": 3, "ok": True, "score": 0.4221165755827173}),
               ("plain text", {"contacts": [{"tel": 13800138000.0}], "year": 2024})]  # fmt: skip
    decisions = PiiControl(PiiConfig()).decide(make_meta_batch(records))
    # a fraction is a score, not an identifier, though its 16 digits pass a card checksum
    assert decisions[0].meta == {"source_id": "<PHONE_NUMBER>", "n": 3, "ok": True, "score": 0.4221165755827173}
    assert decisions[1].meta == {"contacts": [{"tel": "<PHONE_NUMBER>"}], "year": 2024}  # a pandas float64 column
    assert [d.detail["meta_entities"] for d in decisions] == [{"PHONE_NUMBER": 1}] * 2
    assert [sum(det.count_structured_identifiers(meta_strings(d.meta))) for d in decisions] == [0, 0]  # as the gate scans


def test_keys_in_meta_are_deidentified():
    """Object keys are published too: a nested object keyed by e-mail address (a contact map) or a CSV
    header that is one, named in meta_fields, kept the address in the published meta."""
    records = [("plain text", {"extra": {"bob@corp.io": "v", "plain": 1}}),
               ("plain text", {"bob@corp.io": "x", "title": "hello"})]  # fmt: skip
    decisions = PiiControl(PiiConfig()).decide(make_meta_batch(records))
    assert decisions[0].meta == {"extra": {"<EMAIL_ADDRESS>": "v", "plain": 1}}
    assert decisions[1].meta == {"<EMAIL_ADDRESS>": "x", "title": "hello"}
    assert det.count_structured_identifiers([to_json(d.meta) for d in decisions]) == [0, 0]


def test_identifiers_in_the_file_name_reject_its_records():
    """Records are published with their file's name, which the publish gate scans: a per-user export
    named by its phone number failed the whole run at the gate, with nothing saying why. The residual
    check rejects that file's records, naming the file name as where the identifier is."""
    batch = make_batch(["plain text", "mail me: bob@corp.io", "plain text"])
    batch.source_uri = ["/exports/13800138000.jsonl", "/exports/13800138000.jsonl", "/exports/all.jsonl"]
    decisions = PiiControl(PiiConfig()).decide(batch)
    assert [d.action for d in decisions] == ["reject", "reject", "keep"]
    assert decisions[0].reason == "residual_personal_information"
    assert decisions[0].detail == {"entities": {}, "file_name": {"PHONE_NUMBER": 1}}
    assert decisions[1].detail == {"entities": {"EMAIL_ADDRESS": 1}, "file_name": {"PHONE_NUMBER": 1}}
    kept = PiiControl(PiiConfig(on_residual="keep")).decide(batch)  # the operator chose the gate's verdict
    assert [d.action for d in kept] == ["keep", "modify", "keep"]


def test_stage_under_beam(tmp_path):
    stage = PiiConfig().create()
    ctx = RunContext("run1", tmp_path, tmp_path, tmp_path, config=None)
    with beam.Pipeline(options=PipelineOptions(runner="FnApiRunner")) as p:
        batches = p | beam.Create([make_batch([TEXT, "plain text", "mail me: bob@corp.io"])])
        kept, rejects = stage.expand(batches, ctx)
        texts = kept | beam.FlatMap(lambda b: b.text)
        assert_that(
            texts,
            equal_to(["姓名：<PERSON>，身份证号<CN_RESIDENT_ID>，手机<PHONE_NUMBER>，邮箱<EMAIL_ADDRESS>。",
                      "plain text", "mail me: <EMAIL_ADDRESS>"]),  # fmt: skip
        )


@pytest.mark.parametrize("mode", ["redact", "pseudonym", "mask"])
def test_a_value_found_once_is_replaced_wherever_it_recurs_in_the_record(mode, monkeypatch):
    """Each string is detected on its own, and a bare name or a number glued to an id has no context: the leak
    audit (eval/pii_leak_audit.py) found names replaced in a record's text or title still published in its
    ``author``, ``source_id`` and ``url``. A value found in one of a record's strings is replaced in all of them."""
    monkeypatch.setenv("DATASTEWARD_PII_KEY", "k" * 32)
    records = [
        ("Please contact Mr. Jens Kreutzmann about the lease; Kreutzmann's office is closed.",
         {"author": "Jens Kreutzmann", "source_id": "post-00035-Jens Kreutzmann",
          "url": "https://people.example.org/u/Jens Kreutzmann"}),
        ("Thanks, see the title.", {"title": "Re: 345-899-3560x4587", "source_id": "en-00018-345-899-3560x4587"}),
        ("联系人：王芳，手机号码：13800138000", {"作者": "王芳", "source_id": "zh-王芳-7"}),
        # after ASCII letters a Chinese name is no part of a word (CJK characters are isalnum: it was taken as glued)
        ("联系人：文静，电话13900139000", {"source_id": "hpu文静"}),
        ("The weather is fine today.", {"source_id": "post-00036"}),
    ]  # fmt: skip
    decisions = PiiControl(PiiConfig(default_mode=mode)).decide(make_meta_batch(records))
    for (text, meta), decision, gone in zip(records, decisions, ["Jens Kreutzmann", "345-899-3560", "王芳", "文静"]):
        published = [decision.text or text, *meta_strings(decision.meta or meta)]
        assert not [s for s in published if gone in s], (mode, published)
    assert decisions[4].action == "keep"  # another record's values are not this one's


def test_a_surrogate_that_makes_an_identifier_with_its_neighbours_is_a_residual(monkeypatch):
    """A surrogate address starts with a house number: after an id's digits ("post-00102-" + "8420 Elm Drive") the
    two read as a phone number. The residual scan left out every identifier touching a replacement, so the stage
    kept such records and the publish gate failed the whole run (the leak audit's surrogate runs, exit 2). Only what
    lies wholly inside a replacement is the operator's own output."""
    monkeypatch.setenv("DATASTEWARD_PII_KEY", "k" * 32)
    addresses = ["5551 Tjalling Harkeswei 125", "8 Rue de Rivoli", "62573 Main Street", "1933 Oak Avenue", "12 Maple Street"]
    records = [(f"Ship it to {a} by Friday.", {"source_id": f"post-{100 + k:05d}-{a}"}) for k, a in enumerate(addresses * 4)]
    config = PiiConfig(default_mode="pseudonym", modes={"PERSON": "surrogate", "STREET_ADDRESS": "surrogate"})
    decisions = PiiControl(config).decide(make_meta_batch(records))
    kept = [[d.text or text, *meta_strings(d.meta or meta)] for (text, meta), d in zip(records, decisions) if d.action != "reject"]
    assert kept and [n for strings in kept for n in det.count_structured_identifiers(strings) if n] == []


@pytest.mark.parametrize("mode", ["redact", "mask", "pseudonym", "surrogate", "encrypt"])
def test_a_recurring_value_wins_over_a_find_that_cuts_it(mode, monkeypatch):
    """An address found in the text recurs in the record's id after an id number: there the id's digits and the house
    number read as a phone number (``00104-9862``), and a recurrence overlapping a find was skipped, so mask mode
    published ``post-******9862 Maple Street`` (the leak audit). The recurring value takes the place of the finds
    that cut it, shorter (English) or longer (the Chinese address, 7 characters, under ``00104-2046``)."""
    monkeypatch.setenv("DATASTEWARD_PII_KEY", "k" * 32)
    surrogates = {"default_mode": "pseudonym", "modes": {"PERSON": "surrogate", "STREET_ADDRESS": "surrogate"}}
    config = PiiConfig(**(surrogates if mode == "surrogate" else {"default_mode": mode}))
    records = [
        ("Ship it to 9862 Maple Street by Friday.", {"source_id": "post-00104-9862 Maple Street"}),
        ("快递请寄到2046弄3号，谢谢。", {"source_id": "zh-00104-2046弄3号"}),
    ]  # fmt: skip
    decisions = PiiControl(config).decide(make_meta_batch(records))
    for (text, meta), decision, tail in zip(records, decisions, ["Maple Street", "弄3号"]):
        if decision.action == "reject":  # a surrogate house number after the id's digits reads as a phone: nothing published
            assert mode == "surrogate" and decision.reason == "residual_personal_information"
            continue
        published = [decision.text or text, *meta_strings(decision.meta or meta)]
        assert not [s for s in published if tail in s], (mode, published)
    # a find that holds the recurring value whole stays: "Jens" of the author inside the title's "Jens Kreutzmann"
    title, whole = "Re: Jens Kreutzmann", det.Span(4, 19, det.PERSON, 0.9)
    assert with_recurrences(None, [], ["Jens", title], {"Jens": [det.Span(0, 4, det.PERSON, 0.9)], title: [whole]})[1][title] == [whole]


def test_a_record_repeating_values_thousands_of_times_takes_linear_time(monkeypatch):
    """A text repeating a found name 130,000 times took ten minutes (the recurrence look-up scanned every span per
    occurrence, the Chinese tagger every name per name) and a phone book of 30,000 entries 14 s (a count per value
    over the whole text): one hostile record held its worker."""
    import random
    import time

    monkeypatch.setenv("DATASTEWARD_PII_KEY", "k" * 32)
    rng = random.Random(3)
    texts = [
        "联系人：王芳，电话13800138000。" + "王芳 " * 40_000,
        "".join(f"联系人{rng.choice('王李张刘陈')}{rng.choice('芳伟静磊洋')}，手机{rng.randrange(13 * 10**9, 14 * 10**9)}。\n" for _ in range(10_000)),
    ]
    control = PiiControl(PiiConfig(default_mode="redact"))
    for text in texts:
        started = time.process_time()
        decision = control.decide(make_batch([text]))[0]
        assert time.process_time() - started < 10  # linear: ≈ 0.6 s each here; quadratic: minutes
        assert "王芳" not in decision.text and "138001" not in decision.text
