"""The Python client generated from the committed contract (``contracts/openapi.json``) with openapi-python-client.

``make client`` (or ``python -m tests.support.client``) writes it to ``.build/client/borgerplan_client``; the
end-to-end tests that drive the system through it generate it first when it is missing or older than the contract.
Nothing of it is committed: it is what an integrator would generate.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "contracts" / "openapi.json"
OUT = ROOT / ".build" / "client"
PACKAGE = OUT / "borgerplan_client"
CONFIG = "package_name_override: borgerplan_client\nproject_name_override: borgerplan-client\n"


def generate(force: bool = False) -> Path:
    """The generated package's parent folder (put it on sys.path), generated again when the contract changed."""
    if not force and PACKAGE.exists() and PACKAGE.stat().st_mtime >= CONTRACT.stat().st_mtime:
        return OUT
    with tempfile.TemporaryDirectory() as work:
        config = Path(work) / "config.yaml"
        config.write_text(CONFIG)
        target = Path(work) / "out"
        generator = shutil.which("openapi-python-client") or str(
            Path(sys.executable).parent / "openapi-python-client"
        )
        subprocess.run(
            [
                generator,
                "generate",
                "--path",
                str(CONTRACT),
                "--config",
                str(config),
                "--output-path",
                str(target),
                "--meta",
                "none",
                "--overwrite",
            ],
            check=True,
        )
        shutil.rmtree(PACKAGE, ignore_errors=True)
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), str(PACKAGE))
    return OUT


if __name__ == "__main__":
    print(generate(force=True) / "borgerplan_client")
