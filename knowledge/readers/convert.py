"""LibreOffice headless behind one function: an office file in, a .docx/.xlsx out, in a temp dir, one at a time."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from ..errors import UnreadableFile

PACKAGE = "libreoffice-writer-nogui"
_lock = threading.Lock()  # one conversion at a time in this process; a lock file serialises processes
_LOCK_FILE = Path(tempfile.gettempdir()) / "reportbot-soffice.lock"


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, target: str, timeout_s: float, infilter: str = "") -> bytes:
    """The file converted by LibreOffice to `target` ("docx", "xlsx", "pdf"); UnreadableFile when it cannot be.

    infilter names LibreOffice's import filter ("MS Word 97"), so a broken file fails instead of being
    guessed as plain text."""
    exe = soffice_path()
    if exe is None:
        raise UnreadableFile(f"读取 {suffix} 文件需要 LibreOffice，服务器上未安装：请管理员安装"
                             f"（apt-get install {PACKAGE}），或把文件另存为 .docx 后重新发送")
    with _lock, tempfile.TemporaryDirectory(prefix="reportbot-convert-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        out = Path(tmp) / "out"
        # a profile of its own: a desktop LibreOffice of the same user must not block or be changed
        profile = Path(tmp) / "profile"
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nolockcheck",
               *([f"--infilter={infilter}"] if infilter else []), "--convert-to", target, "--outdir", str(out), str(src)]
        with open(_LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                returncode = _run(cmd, timeout_s, {**os.environ, "HOME": tmp})
            except subprocess.TimeoutExpired as exc:
                raise UnreadableFile(f"{suffix} 文件转换超时（超过 {timeout_s:.0f} 秒）：请另存为 .docx 后重新发送") from exc
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        result = out / f"input.{target}"
        if returncode != 0 or not result.exists() or result.stat().st_size == 0:
            raise UnreadableFile(f"{suffix} 文件无法转换（文件损坏，或不是它声称的格式）：请用 Word/WPS 打开后另存为 "
                                 f"{'.xlsx' if target == 'xlsx' else '.docx'} 重新发送")
        return result.read_bytes()


def _run(cmd: list[str], timeout_s: float, env: dict[str, str]) -> int:
    """Run soffice in a process group of its own, so a timeout ends it and the helpers it started."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
