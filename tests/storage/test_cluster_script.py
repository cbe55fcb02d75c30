"""scripts/cluster.sh prints only its own lines (fast: no runner is started)."""

import os
import subprocess
import sys
from pathlib import Path

CLUSTER = Path(__file__).resolve().parents[2] / "scripts" / "cluster.sh"


def test_the_cluster_script_reads_beams_version_without_its_import_chatter():
    """It imported apache_beam for its version, whose import logs 'apitools not found…' on every start."""
    done = subprocess.run([str(CLUSTER)], env={**os.environ, "PY": sys.executable}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 64
    assert done.stderr.splitlines() == [f"usage: {CLUSTER} flink|prism install|start|stop"]
