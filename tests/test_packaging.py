"""The wheel is what gets deployed: installed (not editable) in a fresh virtualenv, it carries its prompts,
migrations and every other data file, answers with a model configured, and knows its version."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE
from tests.openai_server import FakeOpenAI, reply, source_number

pytestmark = pytest.mark.integration  # builds a wheel and a virtualenv: about half a minute


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtualenv with the wheel installed; its dependencies come from the dev environment's site-packages
    (added by a plain path, so the editable install of the checkout is not visible there)."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(work),
                    str(ROOT)], check=True, capture_output=True, timeout=600, cwd=work)
    (wheel,) = work.glob("reportbot-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True, timeout=300)
    return venv


def run(venv: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("REPORTBOT_", "OPENAI_", "DATABASE_URL", "CHROMA_"))}
    return subprocess.run([str(venv / "bin" / "reportbot"), *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**clean, "REPORTBOT_EMBEDDER": "fake", "REPORTBOT_DATA_DIR": str(cwd / "data"), **env})


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import knowledge, bot; print(knowledge.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert str(installed) in where and str(ROOT) not in where
    version = run(installed, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.strip() == "reportbot 0.1.0"


def test_a_wheel_install_answers_with_a_model_using_the_shipped_prompts(installed, tmp_path):
    llm = FakeOpenAI().start()
    try:
        llm.script = [reply(lambda m: f"临江开发区2025年地区生产总值预期增长7%左右[{source_number(m, '地区生产总值增长7%左右')}]。")]
        assert run(installed, tmp_path, "ingest", "-q", str(SAMPLE)).returncode == 0  # the migrations ship too
        res = run(installed, tmp_path, "ask", "--json", "临江开发区2025年地区生产总值增长目标是多少？",
                  OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="sk-test", OPENAI_MODEL="test-model")
    finally:
        llm.stop()
    assert res.returncode == 0, res.stderr
    assert '"mode": "llm"' in res.stdout and "7%左右" in res.stdout
    system = llm.requests[0]["body"]["messages"][0]["content"]
    assert system == (ROOT / "prompts" / "system.txt").read_text(encoding="utf-8").strip()
