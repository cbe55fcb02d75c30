"""classified and credentials stages: markings by layout, credential types, placeholders, redact vs reject."""

from __future__ import annotations

import json

from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.registry import STAGES

from transforms.core.stage import RunContext, apply_control
from transforms.core.records import Batch, content_sha256, record_id
from transforms.content.classified import ClassifiedConfig, ClassifiedControl
from transforms.content.credentials import CredentialsConfig, CredentialsControl


def make_batch(texts: list[str]) -> Batch:
    rows = []
    for i, text in enumerate(texts):
        rows.append({
            "id": record_id("src", "file.jsonl", str(i)), "text": text, "source": "src", "source_uri": "file.jsonl",
            "locator": str(i), "license": "CC0-1.0", "lang": None, "meta": {}, "content_sha256": content_sha256(text),
            "tags": [], "lineage": [],
        })
    return Batch.from_rows(rows)


CLASSIFIED = ClassifiedControl(ClassifiedConfig())


def verdict(text: str):
    return CLASSIFIED.check(text)


NOTICE_BODY = "\n杭州市人民政府文件\n杭政发〔2024〕12号\n关于做好汛期防灾减灾工作的通知\n各区县人民政府：\n现就有关事项通知如下。\n"


MARKED = [
        ("000123\n机密★1年\n特急" + NOTICE_BODY, "major"),
        ("秘密★" + NOTICE_BODY, "major"),
        ("绝密★长期" + NOTICE_BODY, "extremely_serious"),
        ("机 密 ★ 1 年" + NOTICE_BODY, "major"),  # spaced out
        ("机密★１年" + NOTICE_BODY, "major"),  # full-width digits
        ("000123\n机\u3000密" + NOTICE_BODY, "major"),  # bare, ideographic space, official-document cues
        (NOTICE_BODY + "\n抄送：市委办公厅。\n秘密", "major"),  # footer
        ("密级：机密\n保密期限：10年\n会议纪要\n一、会议听取了汇报。", "major"),
        ("工作秘密\n市发改委工作简报\n第3期\n本期内容如下。", "considerable"),
        ("市应急管理局工作简报\n正文。\n\n内部资料 注意保密", "considerable"),
        ("内部资料，注意保密\n培训教材\n第一章", "considerable"),
        ("TOP SECRET//SI//NOFORN\n\nMEMORANDUM FOR THE RECORD\nSUBJECT: Test\n\nBody text.\n\nTOP SECRET//SI//NOFORN", "extremely_serious"),
        ("SECRET\n\nMemo body line one.\nMemo body line two.\n\nSECRET", "major"),
        ("CONFIDENTIAL//REL TO USA, GBR\nBody of the memo.", "major"),
        ("ＳＥＣＲＥＴ／／ＮＯＦＯＲＮ\nBody of the memo.", "major"),  # full-width
        ("Ｓ Ｅ Ｃ Ｒ Ｅ Ｔ\nBody line one.\nBody line two.", "major"),  # full-width, spaced
        ("T O P  S E C R E T\nBody of the memo.", "extremely_serious"),
        ("***** SECRET//NOFORN *****\nBody.", "major"),
        ("Memo\nFirst paragraph.\n\nPage 2 of 3        SECRET//NOFORN", "major"),  # footer banner
        ("SUBJECT: (U) Test\n(S//NF) The unit moved north.\n(U) Routine matter.", "major"),  # portion marks
        ("(TS) Source reporting.\n(U) Background.", "extremely_serious"),
        ("MEMORANDUM FOR THE DIRECTOR\n1. (TS//NF) Reporting summary.\n2. (U) Open sources agree.", "extremely_serious"),
        ("CLASSIFICATION: CONFIDENTIAL\nBody.", "major"),
        ("RESTRICTED\n\nTraining manual, chapter 1.", "considerable"),
]


@pytest.mark.parametrize("text, level", MARKED)
def test_marked_documents_are_rejected(text, level):
    d = verdict(text)
    assert d.action == "reject", d
    assert d.category == "classified" and d.risk_level == level
    assert "4.1.2(b)" in d.clause and "directive" in d.clause
    assert d.detail["markings"]


PROSE = [
        "The secret to good bread is time: let the dough rise slowly overnight.",
        "商业机密的法律保护主要依据《反不正当竞争法》第九条，经营者不得以不正当手段获取权利人的商业秘密。",
        "\"Confidential Information\" is defined as any information disclosed by either party.",
        "5. CONFIDENTIALITY. The parties agree to keep the terms confidential.",
        "Several documents, marked \"TOP SECRET//SI//NOFORN\", appeared on a chat server.",
        "Experts noted that portion markings such as (S//NF) restrict sharing.",
        "据报道，该人员违规将标有“机密★1年”字样的文件拍照发送。",
        "根据《保守国家秘密法》，国家秘密的密级分为绝密、机密、秘密三级。",
        "工作秘密是指机关、单位在公务活动中产生的事项。",
        "保密协议\n第三条 保密期限：自本协议签订之日起三年。",
        "THE SECRET GARDEN\nMary had never seen a garden like it.",
        "TOP SECRET RECIPE: GRANDMA'S SOURDOUGH\nMix flour and water.",
        "Top secret, her brother had written on the shoebox.",
        "她心里藏着一个秘密，谁也不肯告诉。",
        "公司内部培训将于下周举行。",
        "(C) 1988 Adobe Systems Incorporated. All rights reserved.",
        "(C) Copyright 1994-2002 by A. Author\n(C) Copyright 2002-2011 by B. Author\nUse is granted.",
]


@pytest.mark.parametrize("text", PROSE)
def test_prose_using_the_words_is_kept(text):
    assert verdict(text).action != "reject"


def test_one_weak_marking_is_only_annotated():
    d = verdict("第三章\n秘密\n她从来没有告诉过任何人。")
    assert d.action == "annotate" and d.detail["n_markings"] == 1


def test_confidentiality_period_alone_is_not_a_marking():
    nda = "保密协议\n\n保密期限：三年\n\n甲方：某某公司\n抄送：法务部\n\n保密期限：自签订之日起"
    assert verdict(nda).action == "annotate"
    assert verdict("机密\n会议纪要\n保密期限：10年\n正文。").action == "reject"


CRED = CredentialsControl(CredentialsConfig(action="redact"))


def redacted(text: str) -> str:
    d = CRED.check(text)
    assert d.action == "modify", d
    return d.text


CREDENTIALS = [
        ("-----BEGIN RSA PRIVATE KEY-----\n" + "MIIEowIBAAKCAQEA" * 8 + "\n-----END RSA PRIVATE KEY-----", "PRIVATE_KEY"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + "b3BlbnNzaC1rZXktdjEAAAAA" * 4 + "\n-----END OPENSSH PRIVATE KEY-----", "PRIVATE_KEY"),
        ("aws_access_key_id = AKIA2E0A8F3B244C9986", "AWS_ACCESS_KEY"),
        ('"private_key_id": "' + "a1" * 20 + '"', "GCP_PRIVATE_KEY_ID"),
        ("key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "GCP_API_KEY"),
        ("AccountName=x;AccountKey=" + "Ab3+" * 22 + "==;EndpointSuffix=core.windows.net", "AZURE_KEY"),
        ("AccessKeyId: LTAI5tQ9Xv8kPz3mN7rW", "ALIBABA_ACCESS_KEY"),
        ("token ghp_" + "A1b2C3d4E5" * 3 + "F6g7H8", "GITHUB_TOKEN"),
        ("github_pat_11ABCDEFG0123456789_" + "abcdEFGH1234" * 5, "GITHUB_TOKEN"),
        ("OPENAI_API_KEY sk-proj-" + "Ab1Cd2Ef3Gh4" * 4, "API_KEY"),
        ("stripe: sk_live_" + "51HqLyjWDarjtT1zdp7dc" + "XyZ", "API_KEY"),
        ("SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "SLACK_TOKEN"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "JWT"),
        ("postgresql://app_user:S3cr3t!x@db.internal:5432/app", "CONNECTION_PASSWORD"),
        ("[db]\npassword = hunter2x9", "PASSWORD"),
        ("passwd: Tr0ub4dor&3", "PASSWORD"),
        ('"secret_key": "9f8e7d6c5b4a"', "SECRET"),
        ("用户名：root\n密码：Abc@12345，请及时修改", "PASSWORD"),
        ("AccessKeySecret=Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1", "SECRET"),
]


@pytest.mark.parametrize("secret, kind", CREDENTIALS)
def test_credentials_are_redacted_by_type(secret, kind):
    text = f"Config for the deploy:\n{secret}\nThanks!"
    out = redacted(text)
    assert f"<CREDENTIAL:{kind}>" in out
    assert out.startswith("Config for the deploy:") and out.endswith("Thanks!")
    assert CRED.check(out).action == "keep"  # redaction is idempotent


def test_redaction_keeps_the_structure_around_the_value():
    out = redacted("postgres://admin:P4ss@w0rd@db:5432/x and AKIA2E0A8F3B244C9986 with wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8mPLK9ab")
    assert out.startswith("postgres://admin:<CREDENTIAL:CONNECTION_PASSWORD>@db:5432/x")
    assert "<CREDENTIAL:AWS_ACCESS_KEY>" in out and "<CREDENTIAL:AWS_SECRET_KEY>" in out


NOT_CREDENTIALS = [
        "Set password=<your password> in the config file.",
        "DATABASE_URL=postgresql://user:password@localhost:5432/mydb",
        "Use mysql://USER:PASS@HOST/DB",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "password: ${DB_PASSWORD}",
        "api_key: {{ vault_api_key }}",
        "Password: at least 8 characters, one digit.",
        "密码：请输入您的登录密码",
        "token = os.environ[\"GITHUB_TOKEN\"]\npassword = getpass.getpass()",
        "secret_key = \"changeme\"\npasswd: ********\nclient_secret: xxxxxxxxxxxx",
        "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
        "The key to success: hard work.",
        "初始密码为身份证号后六位。",
        "Set SLACK_BOT_TOKEN to xoxb-your-bot-token-here",
        "Export OPENAI_API_KEY=sk-your-key-goes-here-xxxxxxxx",
]


@pytest.mark.parametrize("text", NOT_CREDENTIALS)
def test_placeholders_and_prose_are_not_credentials(text):
    assert CRED.check(text).action == "keep"


def test_placeholders_are_configurable():
    text = "password = changeme"
    assert CRED.check(text).action == "keep"
    strict = CredentialsControl(CredentialsConfig(placeholders=[], placeholder_markers=[]))
    assert strict.check(text).action == "modify"


def test_reject_mode_rejects_with_clause_and_no_secret_in_detail():
    control = CredentialsControl(CredentialsConfig(action="reject"))
    d = control.check("password = hunter2x9")
    assert d.action == "reject" and d.category == "credential" and d.clause == "6.1.7" and d.risk_level == "major"
    assert "hunter2x9" not in json.dumps(d.detail)
    assert d.detail["types"] == {"PASSWORD": 1}


def test_config_validation_names_the_key():
    with pytest.raises(ValueError, match="action"):
        CredentialsConfig(action="delete")
    with pytest.raises(ValueError, match="extra"):
        ClassifiedConfig(threshold=1)
    assert STAGES["classified"] is ClassifiedConfig and STAGES["credentials"] is CredentialsConfig


def test_apply_control_accounts_and_lineage():
    batch = make_batch(["SECRET//NOFORN\nbody", "plain text", "password = hunter2x9"])
    result = apply_control(CLASSIFIED, batch, "run-1")
    assert result.counts["rejected"] == 1 and len(result.kept) == 2
    reject = result.rejects[0]
    assert reject["category"] == "classified" and reject["preview"] is None and "text" not in reject
    redacted_result = apply_control(CRED, result.kept, "run-1")
    assert redacted_result.kept.text[1] == "password = <CREDENTIAL:PASSWORD>"
    assert redacted_result.kept.content_sha256[1] == content_sha256("password = hunter2x9")
    assert [e["action"] for e in redacted_result.kept.lineage[1]] == ["keep", "modify"]


@pytest.fixture
def ctx(tmp_path):
    return RunContext(run_id="run-t", out_dir=tmp_path, run_dir=tmp_path, staging_dir=str(tmp_path / "staging"), config=None)


def test_classified_stage_in_beam(ctx):
    texts = ["机密★1年\n关于某事项的通知\n正文。", "The secret to good bread.", "TOP SECRET\nbody\nTOP SECRET"]
    with BeamTestPipeline(runner="FnApiRunner") as p:
        kept, rejects = ClassifiedConfig().create().expand(p | beam.Create([make_batch(texts)]), ctx)
        assert_that(kept | beam.FlatMap(lambda b: b.text), equal_to(["The secret to good bread."]), label="kept")
        assert_that(
            rejects | beam.FlatMap(lambda rows: [(r["category"], r["risk_level"]) for r in rows]),
            equal_to([("classified", "major"), ("classified", "extremely_serious")]),
            label="rejects",
        )


def test_credentials_stage_in_beam(ctx):
    texts = ["password = hunter2x9", "nothing here"]
    with BeamTestPipeline(runner="FnApiRunner") as p:
        kept, rejects = CredentialsConfig().create().expand(p | beam.Create([make_batch(texts)]), ctx)
        assert_that(
            kept | beam.FlatMap(lambda b: b.text), equal_to(["password = <CREDENTIAL:PASSWORD>", "nothing here"])
        )
        assert_that(rejects | beam.FlatMap(lambda rows: rows), equal_to([]), label="no_rejects")


@pytest.mark.slow
def test_generated_test_set_has_no_missed_markings_or_credentials():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "eval"))
    from secrets_testset import build

    docs = build(seed=7)
    cred = CredentialsControl(CredentialsConfig())
    missed = [d.family for d in docs if d.kind == "classified" and verdict(d.text).action != "reject"]
    missed += [d.family for d in docs if d.kind == "credential" and cred.check(d.text).action == "keep"]
    assert missed == []
    false_pos = [d for d in docs if d.kind == "clean" and verdict(d.text).action == "reject"]
    assert len(false_pos) / sum(d.kind == "clean" for d in docs) < 0.01


# --- batch gates: decide() skips the documents that hold no needle -------------------------------------

FILLER = ["An ordinary paragraph about gardening and the weather.", "今天天气很好，我们去公园散步。", ""]


def _gated_batch(texts: list[str]) -> Batch:
    """The texts interleaved with filler documents, so a needle's match must be mapped to the right one."""
    mixed = [t for text in texts for t in (FILLER[len(text) % 3], text)]
    return make_batch(mixed)


@pytest.mark.parametrize(
    "control, texts",
    [
        (CLASSIFIED, [t for t, _ in MARKED] + PROSE + ["第三章\n秘密\n她从来没有告诉过任何人。"]),
        (CRED, [f"x\n{s}\ny" for s, _ in CREDENTIALS] + NOT_CREDENTIALS),
        (CredentialsControl(CredentialsConfig(action="reject")), [f"{s}" for s, _ in CREDENTIALS]),
    ],
    ids=["classified", "credentials_redact", "credentials_reject"],
)
def test_batch_decisions_equal_per_document_checks(control, texts):
    batch = _gated_batch(texts)
    assert list(control.decide(batch)) == [control.check(t) for t in batch.text]


def test_gate_keeps_documents_whose_keys_match_only_under_ignorecase():
    # re.I lets "ſ" (long s), the Kelvin sign and dotted/dotless i stand for ASCII letters of a config key
    texts = ["ſecret_key = Zx9Yw8Vu7Ts6", "api_\u212aey: Zx9Yw8Vu7Ts6Rq", "PASSWORD=Xy12345678", "db_Pass := Qw3rty!x9"]
    batch = _gated_batch(texts)
    decisions = CRED.decide(batch)
    assert decisions == [CRED.check(t) for t in batch.text]
    assert [d.action for d in decisions[1::2]] == [CRED.check(t).action for t in texts]
    assert decisions[1].action == "modify"


def test_every_config_key_holds_a_gate_word():
    from transforms.content.credentials import _CONFIG_KEY_WORDS, _CONFIG_KEYS

    keys = [k.replace("_?", "_") for k in _CONFIG_KEYS.split("|")] + [k.replace("_?", "") for k in _CONFIG_KEYS.split("|")]
    assert all(any(word in key for word in _CONFIG_KEY_WORDS) for key in keys)


def test_batch_gate_maps_matches_to_texts():
    from transforms.core.textscan import BatchGate

    gate = BatchGate(["AKIA", "密码"], any_case=["secret"])
    texts = ["", "no needle", "has AKIA", "akia lowercase", "SeCrEt", "a\x00secret", "密码：x", "AKIA"]
    assert gate.candidates(texts) == [2, 4, 5, 6, 7]
    assert gate.candidates([]) == [] and BatchGate(["x"]).candidates(["abc"]) == []
