"""Reject previews (transforms/core/preview.py): batched redaction equals redacting each text on its own; values
found in the record's meta are replaced in its text."""

from __future__ import annotations

from transforms.core.preview import _finish, _redact, _window, redacted_previews
from transforms.core.records import Batch
from transforms.core.stage import Control, Decision, apply_control

SECRETS = {
    "PASSWORD: Xy7kq9Zw!": "Xy7kq9Zw!",
    "Passwort egal, aber pwd=Qz8#mLp2x hier": "Qz8#mLp2x",
    "token: ghp_" + "A1b2C3d4E5" * 3 + "F6g7H8": "A1b2C3d4E5A1b2C3d4E5",
    "DATABASE_URL=postgresql://app:S3cr3tx9@db:5432/app": "S3cr3tx9",
    "aws_access_key_id = AKIA2E0A8F3B244C9986": "AKIA2E0A8F3B244C9986",
    "服务器：10.1.2.3\n密码：Abc@12345": "Abc@12345",
    "ΑPI_ΚEY: sk-" + "q" * 30: None,  # Greek capitals: not the ASCII key, whatever the scanner says, same both ways
}
PLAIN = ["you stupid idiot, nobody asked", "这帮人都是垃圾，滚回去吧", "The secret to good bread is time. " * 40, ""]


def test_batched_previews_gate_credentials_without_missing_one():
    # the preview batch scans for credentials only in the windows the credentials stage's gate passes:
    # every preview must be what scanning every window gives, and hold no secret
    texts = [f"you idiot {secret} bye" for secret in SECRETS] + PLAIN
    previews = redacted_previews(texts, ["harmful"] * len(texts))
    for text, preview in zip(texts, previews):
        if not text:
            assert preview is None
            continue
        window = _window(text)
        assert preview == _finish(text, window, _redact(window))
    for (secret, raw), preview in zip(SECRETS.items(), previews):
        if raw is not None:
            assert raw not in preview and "<CREDENTIAL" in preview, preview


class _RejectsEveryRecord(Control):
    stage = "quality"

    def decide(self, batch):
        return [Decision.reject(rule="r", clause="6.1.5", risk_level="low", category="quality", reason="x")] * len(batch)


def test_a_value_found_in_the_meta_is_replaced_where_it_recurs_in_the_text():
    # a bare name in the text has no context to be found by; found in the record's title, it is personal wherever it
    # stands (as the pii stage replaces it): the leak audit found such names in the previews of records that a stage
    # before the pii stage rejected
    records = [
        ("Jens Kreutzmann: the lease ends in May, call after five.", {"title": "Letter from Mr. Jens Kreutzmann"}),
        ("文静明天来开会。", {"标题": "联系人：文静"}),
        ("Jens Kreutzmann: the lease ends in May, call after five.", {"title": "The lease"}),
    ]  # fmt: skip
    texts, metas = [text for text, _ in records], [meta for _, meta in records]
    previews = redacted_previews(texts, ["quality"] * len(texts), metas)
    assert previews[0] == "<PERSON>: the lease ends in May, call after five."
    assert previews[1] == "<PERSON>明天来开会。"
    assert previews[2] == texts[2]  # another record's meta is not this one's: here the name has nothing to be found by
    rows = [{"id": str(i), "text": text, "source": "s", "source_uri": "u", "locator": str(i), "license": "MIT",
             "lang": None, "meta": meta, "content_sha256": "h", "tags": [], "lineage": []}
            for i, (text, meta) in enumerate(records)]  # fmt: skip
    rejects = apply_control(_RejectsEveryRecord(), Batch.from_rows(rows), "run").rejects  # every control's rejects
    assert [r["preview"] for r in rejects] == previews
