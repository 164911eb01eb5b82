import pytest
import torch

import torchcrepe

onnxruntime = pytest.importorskip('onnxruntime', reason="pip install 'torchcrepe[export]'")
pytest.importorskip('onnxscript', reason="pip install 'torchcrepe[export]'")
from torchcrepe import runtime  # noqa: E402


def test_one_block_matches_torch(frames):
    block = frames[:64]
    probabilities = runtime.run(block, 'tiny')
    assert probabilities.shape == (64, 360) and probabilities.dtype == torch.float32
    with torch.no_grad():
        expected = torchcrepe.load.crepe('tiny')(block)
    assert (probabilities - expected).abs().max() < 1e-5
    embedding = runtime.run(block[:2], 'tiny', embed=True)
    assert embedding.shape == (2, 32, 8, 1)


def test_sessions_are_cached_per_capacity_and_output():
    session = runtime.session('tiny')
    assert runtime.session('tiny') is session
    assert runtime.SESSIONS[('tiny', 'probabilities')] is session
    with pytest.raises(ValueError, match="output must be one of 'probabilities', 'embedding'"):
        runtime.session('tiny', 'pitch')
