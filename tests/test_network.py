import threading

import numpy as np
import torch

import torchcrepe
import torchcrepe.hardware
from torchcrepe import network


def test_block_sizes():
    assert network.block_size('cpu') == network.BLOCK_SIZE['cpu']
    assert network.block_size('cuda:1') == network.BLOCK_SIZE['cuda']
    assert network.block_size('cpu', 'tiny') == network.CPU_BLOCK_SIZE['tiny']
    assert network.block_size('cpu', 'tiny', 'onnx') == network.ONNX_BLOCK_SIZE


def test_in_blocks_pads_only_the_last_block():
    seen = []

    def run(block):
        seen.append(block.shape[0])
        return block.sum(dim=1, keepdim=True)

    frames = torch.arange(70 * 3, dtype=torch.float32).reshape(70, 3)
    result = network.in_blocks(frames, 32, run)
    assert seen == [32, 32, 32]
    assert torch.equal(result, frames.sum(dim=1, keepdim=True))
    # No frames: one padded call, no rows, the output's width kept
    assert network.in_blocks(torch.zeros(0, 3), 32, run).shape == (0, 1)


def test_infer_matches_keras_and_caches_the_model(frames, keras_activation):
    torchcrepe.infer.model = None
    probabilities = torchcrepe.infer(frames, 'tiny')
    assert np.abs(probabilities.detach().numpy() - keras_activation('tiny')).max() < 1e-5
    first = torchcrepe.infer.model
    assert torchcrepe.infer.capacity == 'tiny' and not first.training
    torchcrepe.infer(frames[:3], 'tiny')
    assert torchcrepe.infer.model is first


def test_result_does_not_depend_on_the_number_of_frames(frames):
    whole = torchcrepe.infer(frames, 'tiny')
    for count in (1, 31, 33, 100):
        assert torch.equal(torchcrepe.infer(frames[:count], 'tiny'), whole[:count])


def test_reduced_precision_copy_leaves_the_model_alone(frames, monkeypatch):
    # Compute in bfloat16 even where the CPU only emulates it
    monkeypatch.setattr(torchcrepe.hardware, 'native_bfloat16', lambda device='cpu': True)
    exact = torchcrepe.infer(frames[:32], 'tiny')
    reduced = torchcrepe.infer(frames[:32], 'tiny', precision='bfloat16')
    assert next(torchcrepe.infer.model.parameters()).dtype == torch.float32
    assert reduced.dtype == torch.float32 and not torch.equal(reduced, exact)
    assert (reduced - exact).abs().max() < .1
    assert torch.equal(torchcrepe.infer(frames[:32], 'tiny'), exact)


def test_a_changed_weight_is_seen(frames):
    """The folded copy is remade when the model's weights change in place"""
    torchcrepe.infer.model = None
    before = torchcrepe.infer(frames[:4], 'tiny')
    with torch.no_grad():
        torchcrepe.infer.model.classifier.bias += 1.
    after = torchcrepe.infer(frames[:4], 'tiny')
    assert (after > before).all()
    torchcrepe.infer.model = None


def test_threads_share_infer(frames):
    torchcrepe.infer.model = None
    expected = torchcrepe.infer(frames[:32], 'small')
    torchcrepe.infer.model = None
    results = [None] * 4

    def work(index):
        results[index] = torchcrepe.infer(frames[:32], 'small')
    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(torch.equal(result, expected) for result in results)


def test_readme_states_the_block_sizes_the_code_uses():
    """The README's table of frames per call is network.block_table()"""
    import os
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          'README.md')
    with open(readme, encoding='utf-8') as file:
        text = file.read()
    start = text.index('<!-- block table: network.block_table() -->\n')
    end = text.index('<!-- end of block table -->')
    table = text[start:end].split('\n', 1)[1].strip()
    assert table == network.block_table()

