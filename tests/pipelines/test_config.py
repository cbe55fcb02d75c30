import pytest
import yaml

from pipelines.config import ConfigError, load_config, parse_config
from tests.conftest import job_config


def _config(root, **changes):
    return yaml.safe_load(job_config(root, **changes).read_text())


def _error(data) -> str:
    with pytest.raises(ConfigError) as exc:
        parse_config(data)
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_valid_config_loads_with_typed_stages(corpus):
    config, sha = load_config(job_config(corpus))
    assert [s.stage for s in config.stages] == ["ingest", "quality"]
    assert config.stages[1].min_chars == 20
    assert len(sha) == 64


def test_a_key_given_twice_is_refused_with_its_line(corpus):
    path = job_config(corpus)
    path.write_text(path.read_text() + "output:\n  dir: elsewhere\n")
    with pytest.raises(ConfigError, match=r"line \d+: key 'output' appears twice in one mapping"):
        load_config(path)


def test_one_path_may_be_a_string(corpus):
    data = _config(corpus)
    data["sources"][0]["paths"] = "in/news/*.jsonl"
    assert parse_config(data).sources[0].paths == ["in/news/*.jsonl"]


def test_unknown_top_level_key_is_named(corpus):
    data = _config(corpus)
    data["outptu"] = {}
    assert "outptu: unknown key" in _error(data)


def test_unknown_stage_key_is_named(corpus):
    data = _config(corpus)
    data["stages"][1]["min_char"] = 3
    assert _error(data) == "config error: stages[1] (quality).min_char: unknown key"


def test_bad_stage_value_is_named(corpus):
    data = _config(corpus)
    data["stages"][1]["min_chars"] = "many"
    assert "min_chars" in _error(data)


def test_unknown_stage_name(corpus):
    data = _config(corpus)
    data["stages"].append({"stage": "magic"})
    assert "stages[2].stage: unknown stage 'magic'" in _error(data)


def test_first_stage_must_be_ingest(corpus):
    data = _config(corpus)
    data["stages"].reverse()
    assert "first stage must be `ingest`" in _error(data)


def test_invalid_spdx_expression_names_the_source(corpus):
    data = _config(corpus)
    data["sources"][0]["license"] = "MIT ORR Apache-2.0"
    message = _error(data)
    assert message.startswith("config error: sources[0].license: ") and "SPDX" in message


def test_a_misspelt_key_is_named_with_the_key_it_stands_for(corpus):
    data = _config(corpus)
    data["sources"][2]["licence"] = data["sources"][2].pop("license")
    assert _error(data) == "config error: sources[2].licence: unknown key (did you mean license?)"


def test_missing_basis_is_named(corpus):
    data = _config(corpus)
    del data["sources"][2]["basis"]
    assert "sources[2].basis: required key is missing" in _error(data)


def test_every_key_path_puts_list_items_in_brackets(corpus):
    # one style for pydantic's own locations and the project's checks, at any depth
    data = _config(corpus)
    data["sources"][1]["meta_fields"] = ["title", 7]
    assert "config error: sources[1].meta_fields[1]: " in _error(data)
    data = _config(corpus)
    data["stages"].append({"stage": "pii", "key_env": "AKIAIOSFODNN7EXAMPLE1234"})
    assert _error(data).startswith("config error: stages[2] (pii).key_env: must name an environment variable")
    data = _config(corpus)
    data["stages"].append({"stage": "quality"})
    assert _error(data).startswith("config error: stages[2]: stage 'quality' already appears at stages[1]")
    # a check of a nested model's own keys names the whole path, not `gate: suites: …`
    data = _config(corpus)
    data["gate"] = {"suites": [], "allow_none": True}
    assert _error(data).startswith("config error: gate.reason: required when allow_none waives the gate")
    data["lineage"] = {"transport": "http"}
    data["gate"] = {"suites": []}
    assert _error(data).startswith("config error: gate.suites: empty, so nothing would check")
    data["gate"] = {}
    assert _error(data) == "config error: lineage.url: required when transport is http"
    data = _config(corpus)
    data["stages"].append({"stage": "pii", "modes": {"SHOE_SIZE": "redact"}})
    assert _error(data).startswith("config error: stages[2] (pii).modes: unknown entity types ['SHOE_SIZE']")


def test_duplicate_source_names(corpus):
    data = _config(corpus)
    data["sources"][1]["name"] = data["sources"][0]["name"]
    assert "unique" in _error(data)


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("job: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


# --- issue 20 item 3: mistakes caught at load time and in --dry-run -----------------------------------


def test_licence_that_is_not_an_spdx_id_is_an_error_with_the_closest_ids(corpus):
    data = _config(corpus)
    data["sources"][0]["license"] = "PSF 2.0"
    message = _error(data)
    assert "sources[0].license" in message and "'PSF 2.0' is not an SPDX licence id" in message
    assert "did you mean PSF-2.0" in message


def test_licenseref_of_ones_own_is_accepted(corpus):
    data = _config(corpus)
    data["sources"][0]["license"] = "LicenseRef-acme-data-1 OR MIT"
    assert parse_config(data).sources[0].license == "LicenseRef-acme-data-1 OR MIT"


def test_default_gate_checks_residual_pii_only_with_a_pii_stage(corpus):
    data = _config(corpus)
    assert parse_config(data).gate.suites == ["records", "run_accounting"]
    data["stages"].append({"stage": "pii"})
    assert parse_config(data).gate.suites == ["records", "run_accounting", "no_residual_pii"]


def test_suite_that_needs_an_absent_stage_names_both(corpus):
    data = _config(corpus)
    data["gate"] = {"suites": ["records", "no_residual_pii"]}
    message = _error(data)
    assert "gate.suites[1]" in message and "'no_residual_pii' needs the `pii` stage" in message


def test_unknown_suite_is_an_error(corpus):
    data = _config(corpus)
    data["gate"] = {"suites": ["records", "nosuch"]}
    assert "gate suite 'nosuch' not found" in _error(data)


def test_dry_run_prints_every_stage_setting_and_fails_on_inputs_that_match_nothing(corpus, monkeypatch):
    from typer.testing import CliRunner

    from pipelines import cli

    monkeypatch.chdir(corpus)
    runner = CliRunner()
    config = job_config(corpus)
    result = runner.invoke(cli.app, ["run", str(config), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "min_chars: 20" in result.output and "max_record_bytes: 4096" in result.output
    data = _config(corpus)
    data["sources"][1]["paths"] = ["in/forum/*.nothing"]
    config.write_text(yaml.safe_dump(data))
    result = runner.invoke(cli.app, ["run", str(config), "--dry-run"])
    assert result.exit_code == 1
    # relative patterns are resolved against the config's folder before anything runs
    assert "sources[1].paths" in result.output and f"no files match {corpus / 'in/forum/*.nothing'}" in result.output
    result = runner.invoke(cli.app, ["run", str(config)])
    assert result.exit_code == 1 and "no files match" in result.output
    assert not (corpus / "out").exists()  # nothing written, no lineage START


def test_dry_run_reads_the_head_of_each_source_for_its_text_field(corpus, monkeypatch):
    import gzip
    import json

    from typer.testing import CliRunner

    from pipelines import cli

    monkeypatch.chdir(corpus)
    (corpus / "in" / "arrays").mkdir()
    (corpus / "in" / "arrays" / "a.json.gz").write_bytes(gzip.compress(json.dumps([{"id": 1, "body": "x"}]).encode()))
    # a CSV without a header line: its first record must not be quoted back
    (corpus / "in" / "notices" / "a.csv").write_text("1,ann@example.com,A notice that is long enough\n")

    def dry_run(name: str, text_field: str):
        data = _config(corpus)
        arrays = dict(data["sources"][0], name="arrays", paths=["in/arrays/*.json.gz"], format="json.gz", text_field="body", url_field=None)
        data["sources"].append(arrays)
        for entry in data["sources"]:
            if entry["name"] == "notices":
                entry["paths"] = ["in/news/*.jsonl"]  # the CSV above is checked on its own below
            if entry["name"] == name:
                entry["text_field"] = text_field
        (corpus / "job.yaml").write_text(yaml.safe_dump(data))
        return CliRunner().invoke(cli.app, ["run", str(corpus / "job.yaml"), "--dry-run"])

    news, docs, forum = (corpus / "in" / sub for sub in ("news/a.jsonl", "docs/a.parquet", "forum/a.jsonl.zst"))
    for name, field, index, line in (
        ("news", "txt", 0, f"'txt' is not a key of the first records of {news} (their keys: id, text, url; did you mean text?)"),
        ("forum", "text", 1, f"'text' is not a key of the first records of {forum} (their keys: post_id, content)"),
        ("docs", "text", 2, f"'text' is not a column of {docs} (its columns: doc_id, body)"),
        ("arrays", "bdy", 5, f"'bdy' is not a key of the first records of {corpus / 'in/arrays/a.json.gz'} (their keys: id, body; did you mean body?)"),
    ):  # fmt: skip
        result = dry_run(name, field)
        assert result.exit_code == 1 and result.output.strip() == f"config error: sources[{index}].text_field: source {name!r}: {line}", result.output
    assert dry_run("pages", "nothing").exit_code == 0  # a text file is one record: it has no fields

    data = _config(corpus)
    (corpus / "job.yaml").write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(cli.app, ["run", str(corpus / "job.yaml")])
    assert result.exit_code == 1 and "ann@" not in result.output and "long enough" not in result.output, result.output
    columns = " (its columns: none shown; 3 more that do not look like field names (is the first line a header?))"
    assert result.output.strip().splitlines()[-2:] == [
        f"config error: sources[3].{key}: source 'notices': '{name}' is not a column of {corpus / 'in/notices/a.csv'}{columns}"
        for key, name in (("text_field", "text"), ("meta_fields", "title"))
    ]
    assert not (corpus / "out").exists()  # nothing written


def test_dry_run_checks_the_id_url_and_meta_fields_a_source_names(corpus, monkeypatch):
    """id_field and url_field wherever the head shows fields; meta_fields only against a schema (a CSV header, a
    Parquet schema): JSON records may leave an optional field out."""
    from typer.testing import CliRunner

    from pipelines import cli

    monkeypatch.chdir(corpus)

    def dry_run(**by_source):
        data = _config(corpus)
        for entry in data["sources"]:
            entry.update(by_source.get(entry["name"], {}))
        (corpus / "job.yaml").write_text(yaml.safe_dump(data))
        return CliRunner().invoke(cli.app, ["run", str(corpus / "job.yaml"), "--dry-run"])

    news, notices = corpus / "in/news/a.jsonl", corpus / "in/notices/a.csv"
    result = dry_run(news={"id_field": "idd", "url_field": "link", "meta_fields": ["author"]}, notices={"meta_fields": ["titel"]})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"config error: sources[0].id_field: source 'news': 'idd' is not a key of the first records of {news} (their keys: id, text, url; did you mean id?)",
        f"config error: sources[0].url_field: source 'news': 'link' is not a key of the first records of {news} (their keys: id, text, url)",
        f"config error: sources[3].meta_fields: source 'notices': 'titel' is not a column of {notices} (its columns: id, title, text; did you mean title?)",
    ]  # fmt: skip
    assert dry_run(news={"meta_fields": ["author"]}).exit_code == 0  # a JSON meta field may be optional


def test_steward_run_slows_the_collector_before_it_loads_the_config(corpus, monkeypatch):
    import gc

    from typer.testing import CliRunner

    from pipelines import cli
    from pipelines import config as config_module
    from transforms.core.heap import GC_THRESHOLDS

    thresholds_at_load = []
    load = config_module.load_config

    def recording_load(*args, **kwargs):
        thresholds_at_load.append(gc.get_threshold())
        return load(*args, **kwargs)

    monkeypatch.setattr(config_module, "load_config", recording_load)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # the interpreter's default
        result = CliRunner().invoke(cli.app, ["run", str(job_config(corpus)), "--dry-run"])
    finally:
        gc.set_threshold(*before)
    assert result.exit_code == 0, result.output
    assert thresholds_at_load == [GC_THRESHOLDS]


def takes_no_options():
    """A ``byo_model`` handler factory (importable, so the config validates) that refuses any option."""


@pytest.fixture
def handler_module(monkeypatch):
    import sys
    import types

    module = types.ModuleType("steward_test_handlers")
    module.takes_no_options = takes_no_options
    monkeypatch.setitem(sys.modules, "steward_test_handlers", module)


BYO_REFUSING_OPTIONS = {
    "stage": "harmful",
    "byo_model": {
        "kind": "handler", "handler": "steward_test_handlers:takes_no_options", "options": {"colour": "red"},
        "label_map": {"toxic": "offensive"},
    },
}  # fmt: skip


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "run"])
@pytest.mark.parametrize(
    "break_config, beam_args, error",
    [
        (lambda data: data["sources"][1].update(paths=["in/forum/*.nothing"]), [], "config error: sources[1].paths: source 'forum': no files match"),
        (lambda data: data["output"].update(dir="a_file"), [], "config error: output.dir: "),
        # stages are created during the checks: one that cannot be (pii without its key) fails there
        (
            lambda data: data["stages"].append({"stage": "pii", "default_mode": "pseudonym"}),
            [],
            "config error: stages[2] (pii).key_env: environment variable DATASTEWARD_PII_KEY must hold the de-identification key",
        ),
        # ... by the same path as any other stage whose creation fails
        (lambda data: data["stages"].append(BYO_REFUSING_OPTIONS), [], "config error: stages[2] (harmful): TypeError: "),
        # Beam options go through Beam's own parsing and runner checks: one line, not argparse's usage and exit 2
        (lambda data: None, ["--direct_num_workers=abc"], "beam option --direct_num_workers: invalid int value: 'abc'"),
        (lambda data: None, ["--direct_num_workers"], "beam option --direct_num_workers: expected one argument"),
        (lambda data: None, ["--runner=Nope"], "beam option --runner: Unexpected pipeline runner: Nope."),
        (lambda data: None, ["--runner=PortableRunner", "--environment_type=EXTERNAL"], "beam options: Option external_service_address is required"),
    ],
    ids=[
        "input matching nothing", "output.dir a file", "stage without its key", "stage that cannot be created",
        "beam option of the wrong type", "beam option without its value", "unknown runner", "runner's own check",
    ],
)  # fmt: skip
def test_a_failing_check_prints_its_error_alone_and_writes_nothing(
    corpus, monkeypatch, handler_module, dry_run, break_config, beam_args, error
):
    from typer.testing import CliRunner

    from pipelines import cli

    monkeypatch.delenv("DATASTEWARD_PII_KEY", raising=False)
    (corpus / "a_file").write_text("")
    data = _config(corpus)
    break_config(data)
    config = corpus / "broken.yaml"
    config.write_text(yaml.safe_dump(data))
    mode = ["--dry-run"] if dry_run else ["--progress", "none"]
    result = CliRunner().invoke(cli.app, ["run", str(config), *mode, *beam_args])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""  # no resolved config or stage plan before or after the error
    assert result.stderr.startswith(error) and result.stderr.count("\n") == 1
    assert not (corpus / "out").exists()  # no manifest, lock, lineage START or staging


def test_the_key_never_shows_in_its_error(corpus, monkeypatch):
    from typer.testing import CliRunner

    from pipelines import cli

    key = "short-secret-15"  # one character short of a key
    monkeypatch.setenv("DATASTEWARD_PII_KEY", key)
    data = _config(corpus)
    data["stages"].append({"stage": "pii", "default_mode": "encrypt"})
    config = corpus / "short_key.yaml"
    config.write_text(yaml.safe_dump(data))
    for mode in (["--dry-run"], ["--progress", "none"]):
        result = CliRunner().invoke(cli.app, ["run", str(config), *mode])
        assert result.exit_code == 1
        assert result.stderr.startswith("config error: stages[2] (pii).key_env: ") and result.stderr.rstrip().endswith("it has 15")
        assert key not in result.output
    assert not (corpus / "out").exists()


def test_execute_makes_its_stages_and_options_before_it_writes(corpus, monkeypatch):
    # the same checks guard a run started from Python, without the CLI in front of it
    from pipelines.graph import BeamOptionsError
    from pipelines.run import execute

    monkeypatch.delenv("DATASTEWARD_PII_KEY", raising=False)
    data = _config(corpus)
    data["stages"].append({"stage": "pii", "default_mode": "pseudonym"})
    config = corpus / "no_key.yaml"
    config.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"^config error: stages\[2\] \(pii\)\.key_env: "):
        execute(config)
    with pytest.raises(BeamOptionsError, match="^beam option --direct_num_workers: invalid int value"):
        execute(job_config(corpus), ["--direct_num_workers=abc"])
    assert not (corpus / "out").exists()


def test_options_beam_does_not_know_pass_through_to_the_runner(corpus):
    from typer.testing import CliRunner

    from pipelines import cli
    from pipelines.graph import pipeline_options

    portable = ["--runner=PortableRunner", "--job_endpoint=localhost:8099", "--environment_type=EXTERNAL", "--environment_config=localhost:50000"]
    runner_specific = ["--flink_master=localhost:8081", "--some_runner_flag=1", "--a_switch"]
    options = pipeline_options([*portable, *runner_specific]).get_all_options(retain_unknown_options=True)
    assert options["job_endpoint"] == "localhost:8099" and options["environment_type"] == "EXTERNAL"
    assert options["flink_master"] == "localhost:8081" and options["some_runner_flag"] == "1" and options["a_switch"] is True
    result = CliRunner().invoke(cli.app, ["run", str(job_config(corpus)), "--dry-run", *portable, *runner_specific])
    assert result.exit_code == 0, result.output
    assert "beam runner: PortableRunner" in result.stdout and "--some_runner_flag=1" in result.stdout


def test_dry_run_does_not_print_credentials_given_as_beam_options(corpus):
    from typer.testing import CliRunner

    from pipelines import cli

    secrets = ["--s3_secret_access_key=hunter2-s3", "--aws_session_token", "hunter2-token"]
    result = CliRunner().invoke(cli.app, ["run", str(job_config(corpus)), "--dry-run", "--direct_num_workers=1", *secrets])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert "--s3_secret_access_key=*** --aws_session_token ***" in result.stdout and "--direct_num_workers=1" in result.stdout
