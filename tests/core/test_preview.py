"""Reject previews (transforms/core/preview.py): batched redaction equals redacting each text on its own."""

from __future__ import annotations

from transforms.core.preview import _finish, _redact, _window, redacted_previews

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
