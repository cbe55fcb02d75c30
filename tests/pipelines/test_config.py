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


def test_unknown_top_level_key_is_named(corpus):
    data = _config(corpus)
    data["outptu"] = {}
    assert "outptu: unknown key" in _error(data)


def test_unknown_stage_key_is_named(corpus):
    data = _config(corpus)
    data["stages"][1]["min_char"] = 3
    message = _error(data)
    assert "quality" in message and "min_char: unknown key" in message


def test_bad_stage_value_is_named(corpus):
    data = _config(corpus)
    data["stages"][1]["min_chars"] = "many"
    assert "min_chars" in _error(data)


def test_unknown_stage_name(corpus):
    data = _config(corpus)
    data["stages"].append({"stage": "magic"})
    assert "unknown stage 'magic'" in _error(data)


def test_first_stage_must_be_ingest(corpus):
    data = _config(corpus)
    data["stages"].reverse()
    assert "first stage must be `ingest`" in _error(data)


def test_invalid_spdx_expression_names_the_source(corpus):
    data = _config(corpus)
    data["sources"][0]["license"] = "MIT ORR Apache-2.0"
    message = _error(data)
    assert message.startswith("config error: sources.0.license") and "SPDX" in message


def test_missing_basis_is_named(corpus):
    data = _config(corpus)
    del data["sources"][2]["basis"]
    assert "sources.2.basis: required key is missing" in _error(data)


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
