"""Commands pointed at odd targets (a mistyped OUT_DIR, an s3:// URI, a missing version) answer with one
line and an exit code, and leave nothing behind."""

from typer.testing import CliRunner

from pipelines import cli

runner = CliRunner()


def steward(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


def test_rollback_of_a_mistyped_output_makes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = steward("rollback", "outt", "--to", "0")
    assert result.exit_code == 1 and "no dataset under outt/dataset" in result.output
    assert list(tmp_path.iterdir()) == []  # it made outt/.steward.lock before it looked
