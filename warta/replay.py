"""Replay of the archive's WARC files in pywb 2.10, on loopback only.

pywb pins what warta's own environment cannot take (gevent, redis 2, and brotlipy,
whose `brotli` module would replace the Brotli that Scrapy decodes with), so it
lives in a virtual environment of its own: `warta replay --setup` makes one
(`$WARTA_PYWB_VENV`, else `./.venv-pywb`). warta runs pywb's `wayback` from there,
with a config that points at the WARC folder itself (nothing copied) and at CDXJ
indexes cdxj-indexer writes in a temporary working folder, one per WARC file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from storage.wacz import write_cdxj_index

COLLECTION = "warta"
# what --setup installs: pywb and the tools the tests run from its environment
PYWB_REQUIREMENTS = ["pywb==2.10.0", "cdxj-indexer==1.5.0", "wacz==0.6.0"]
WARC_SUFFIXES = (".warc", ".warc.gz")


class ReplayError(Exception):
    """Replay cannot start (no pywb, no WARC files, port taken…): one line for the user."""


def pywb_venv() -> Path:
    """Where pywb's own environment lives: $WARTA_PYWB_VENV, else ./.venv-pywb."""
    return Path(os.environ.get("WARTA_PYWB_VENV") or ".venv-pywb").absolute()


def pywb_tool(name: str, venv: Path | None = None) -> Path:
    """A program of the pywb environment (wayback, wb-manager, wacz)."""
    return (venv or pywb_venv()) / "bin" / name


def setup(venv: Path, python: str = sys.executable) -> None:
    """Create (or complete) pywb's environment; pip's output goes to the terminal."""
    if not pywb_tool("python", venv).exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(pywb_tool("python", venv)), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, *PYWB_REQUIREMENTS], check=True)


def warc_files(warc_dir: Path) -> list[Path]:
    """The WARC files of the folder, by name (which starts with their time)."""
    if not warc_dir.is_dir():
        raise ReplayError(f"{warc_dir}: no such WARC folder")
    found = sorted(p for p in warc_dir.iterdir() if p.name.endswith(WARC_SUFFIXES))
    if not found:
        raise ReplayError(f"{warc_dir}: no WARC files (*.warc.gz) to replay")
    return found


def index_files(files: list[Path], folder: Path) -> list[str]:
    """One CDXJ index per WARC file in `folder` (pywb reads them all); a file that does
    not read is left out, with its reason returned: one bad file must not keep the
    others from replay. Raises ReplayError when no file reads."""
    problems = []
    for number, path in enumerate(files):
        index = folder / f"{number:06d}.cdxj"
        try:
            write_cdxj_index([path], index)
        except Exception as exc:  # warcio raises several kinds for what is not WARC
            index.unlink(missing_ok=True)
            problems.append(f"{path.name}: {exc}")
    if len(problems) == len(files):
        raise ReplayError(f"no WARC file in the folder reads ({problems[0]})")
    return problems


def write_config(work: Path, warc_dir: Path, index: Path) -> None:
    """pywb's config.yaml: one collection reading the WARC folder in place, with the
    CDXJ indexes of `index` (a file or a folder of them)."""
    # json strings are valid YAML scalars: paths with spaces or colons stay intact
    archive = json.dumps(str(warc_dir.absolute()) + os.sep)
    (work / "config.yaml").write_text(
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    index_paths: {json.dumps(str(index))}\n"
        f"    archive_paths: {archive}\n"
        "enable_memento: true\n",
        encoding="utf-8",
    )


def check_port_free(host: str, port: int) -> None:
    """Fail before pywb starts: its own error for a taken port is a traceback."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ReplayError(f"--port {port}: cannot listen on {host} ({exc.strerror})") from None


@contextmanager
def replaying(
    warc_dir: Path, port: int, venv: Path, host: str = "127.0.0.1"
) -> Iterator[subprocess.Popen[bytes]]:
    """pywb serving the folder on host:port while the block runs; stopped after it."""
    files = warc_files(warc_dir)
    wayback = pywb_tool("wayback", venv)
    if not wayback.exists():
        raise ReplayError(f"pywb is not installed in {venv}: run `warta replay --setup` first")
    check_port_free(host, port)
    with tempfile.TemporaryDirectory(prefix="warta-replay-") as tmp:
        work = Path(tmp)
        indexes = work / "indexes"
        indexes.mkdir()
        for problem in index_files(files, indexes):
            print(f"warning: skipped {problem}", file=sys.stderr)
        write_config(work, warc_dir, indexes)
        process = subprocess.Popen([str(wayback), "-b", host, "-p", str(port)], cwd=work)
        try:
            wait_listening(process, host, port)
            yield process
        finally:
            stop(process)


def wait_listening(process: subprocess.Popen[bytes], host: str, port: int) -> None:
    """Return once pywb accepts connections; fail if it exits first or takes too long."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ReplayError(f"pywb exited at start (code {process.returncode})")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise ReplayError("pywb did not start listening within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if pywb has not exited within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(warc_dir: Path, port: int, venv: Path) -> None:
    """Replay in the foreground until Ctrl-C or SIGTERM; pywb stops with warta."""

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # unwinds through replaying(), which stops pywb

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        with replaying(warc_dir, port, venv) as process:
            base = f"http://127.0.0.1:{port}/{COLLECTION}"
            print(f"replaying {warc_dir} at {base}/  (raw bytes: {base}/TIMESTAMPid_/URL)")
            print("Ctrl-C to stop", flush=True)
            process.wait()
            raise ReplayError(f"pywb exited (code {process.returncode})")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
