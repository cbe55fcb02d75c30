"""Commands pointed at odd targets (a mistyped OUT_DIR, an s3:// URI, a missing version) answer with one
line and an exit code, and leave nothing behind."""

from typer.testing import CliRunner

from pipelines import cli

runner = CliRunner()
if not any(c.name == "verify" for c in cli.app.registered_commands):
    cli._register_area_commands()  # what `steward` does at start: verify, report, diff...


def steward(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


def test_rollback_of_a_mistyped_output_makes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = steward("rollback", "outt", "--to", "0")
    assert result.exit_code == 1 and "no dataset under outt/dataset" in result.output
    assert list(tmp_path.iterdir()) == []  # it made outt/.steward.lock before it looked


def test_verify_of_a_folder_without_output_is_no_verification(tmp_path):
    (tmp_path / "notes.txt").write_text("not an output")
    result = steward("verify", tmp_path)
    assert result.exit_code == 1 and "verified" not in result.output
    assert f"{tmp_path} holds no datasteward output" in result.output
