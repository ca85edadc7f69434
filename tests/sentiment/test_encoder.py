from pathlib import Path

import pytest

from sentiment.encoder import (
    MODEL_SHA256,
    ModelIntegrityError,
    builtin_model_dir,
    load_encoder,
    verify_weights,
)


def _corrupt_copy(tmp_path: Path) -> Path:
    """The builtin model directory with every file linked except a flipped-byte weights copy."""
    src = builtin_model_dir()
    dst = tmp_path / "model"
    dst.mkdir()
    for item in src.iterdir():
        if item.name != "model.safetensors":
            (dst / item.name).symlink_to(item)
    data = bytearray((src / "model.safetensors").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (dst / "model.safetensors").write_bytes(bytes(data))
    return dst


def test_builtin_weights_match_the_pinned_hash() -> None:
    verify_weights(builtin_model_dir(), MODEL_SHA256, use_cache=False)


def test_a_corrupted_copy_is_refused(tmp_path: Path) -> None:
    corrupt = _corrupt_copy(tmp_path)
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_weights(corrupt, MODEL_SHA256, use_cache=False)
    with pytest.raises(ModelIntegrityError, match="expected " + MODEL_SHA256):
        load_encoder(model_dir=corrupt)


def test_missing_weights_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelIntegrityError, match="not found"):
        verify_weights(tmp_path, MODEL_SHA256)


def test_verification_cache_is_keyed_by_size_and_mtime(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    weights = tmp_path / "m" / "model.safetensors"
    weights.parent.mkdir()
    weights.write_bytes(b"abc")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    verify_weights(weights.parent, digest)  # hashes, remembers
    verify_weights(weights.parent, digest)  # from the cache
    weights.write_bytes(b"abd")  # new content, new size/mtime: hashed again and refused
    with pytest.raises(ModelIntegrityError):
        verify_weights(weights.parent, digest)
