import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import model
from torchcrepe import network as network_module

from .conftest import CAPACITIES


EXPECTED_CHANNELS = {
    'tiny': (128, 16, 16, 16, 32, 64),
    'small': (256, 32, 32, 32, 64, 128),
    'medium': (512, 64, 64, 64, 128, 256),
    'large': (768, 96, 96, 96, 192, 384),
    'full': (1024, 128, 128, 128, 256, 512)}


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_capacity_table(capacity):
    assert model.channels(capacity) == EXPECTED_CHANNELS[capacity]
    assert model.in_features(capacity) == 4 * EXPECTED_CHANNELS[capacity][-1]
    assert model.embedding_size(capacity) == {
        'tiny': 8, 'small': 16, 'medium': 32, 'large': 48, 'full': 64}[capacity]


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_state_dict_layout(capacity):
    """Keys and shapes are 0.0.24's, so weights load into either version"""
    network = torchcrepe.Crepe(capacity)
    shapes = {key: tuple(value.shape) for key, value in network.state_dict().items()}
    assert shapes == model.parameter_shapes(capacity)
    c = EXPECTED_CHANNELS[capacity]
    assert shapes['conv1.weight'] == (c[0], 1, 512, 1)
    assert shapes['conv2.weight'] == (c[1], c[0], 64, 1)
    assert shapes['conv6_BN.running_var'] == (c[5],)
    assert shapes['classifier.weight'] == (360, 4 * c[5])
    assert 'conv3_BN.num_batches_tracked' in shapes


def test_unknown_capacity_names_the_five():
    with pytest.raises(ValueError) as error:
        torchcrepe.Crepe('huge')
    message = str(error.value)
    assert 'huge' in message
    for name in CAPACITIES:
        assert repr(name) in message


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_infer_matches_keras(capacity, frames, keras_activation):
    """Every capacity reproduces original CREPE on the reference frames"""
    probabilities = torchcrepe.infer(frames, capacity).detach().numpy()
    difference = np.abs(probabilities - keras_activation(capacity))
    assert probabilities.shape == (256, 360)
    assert difference.max() < 1e-5
    assert difference.mean() < 1e-7


@pytest.mark.parametrize('capacity', ['tiny', 'medium'])
def test_infer_independent_of_how_frames_are_grouped(capacity, frames):
    """A frame's probabilities never depend on the frames beside it"""
    frames = frames[:70]
    with torch.no_grad():
        whole = torchcrepe.infer(frames, capacity)
        for size in (1, 7, 33):
            parts = torch.cat([torchcrepe.infer(frames[i:i + size], capacity)
                               for i in range(0, min(len(frames), 4 * size), size)])
            assert torch.equal(parts, whole[:len(parts)])


def test_infer_keeps_model_and_capacity(frames):
    torchcrepe.infer(frames[:2], 'small')
    assert torchcrepe.infer.capacity == 'small'
    assert isinstance(torchcrepe.infer.model, torchcrepe.Crepe)
    first = torchcrepe.infer.model
    torchcrepe.infer(frames[:2], 'small')
    assert torchcrepe.infer.model is first
    torchcrepe.load.model('cpu', 'tiny')
    assert torchcrepe.infer.capacity == 'tiny'


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_embedding_is_fifth_block(capacity, frames):
    network = torchcrepe.Crepe(capacity).eval()
    with torch.no_grad():
        embedding = network(frames[:3], embed=True)
    channels = EXPECTED_CHANNELS[capacity][4]
    assert embedding.shape == (3, channels, 8, 1)


def test_cropped_kernels_change_nothing(frames):
    """Skipping the taps that only meet padding gives the plain conv's result"""
    network = torchcrepe.Crepe('tiny').eval()
    network.load_state_dict(torch.load(torchcrepe.load.ASSETS + '/tiny.pth'))
    x = frames[:8]
    with torch.no_grad():
        y = x[:, None, :, None]
        for i in range(1, 7):
            conv = getattr(network, f'conv{i}')
            bn = getattr(network, f'conv{i}_BN')
            y = torch.nn.functional.pad(y, (0, 0) + model.PADDINGS[i - 1])
            y = torch.nn.functional.max_pool2d(bn(torch.relu(conv(y))), (2, 1))
        reference = torch.sigmoid(network.classifier(
            y.permute(0, 2, 1, 3).reshape(8, -1)))
        assert torch.allclose(network(x), reference, atol=1e-6, rtol=0)


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
        folded = model.FoldedCrepe(network)
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
        folded = model.FoldedCrepe(network)
        probabilities = folded(frames).numpy()
    assert np.abs(probabilities - keras_activation(capacity)).max() < 1e-5
    assert list(folded.parameters()) == []
    for key, value in network.state_dict().items():
        assert torch.equal(value, weights[key])


@pytest.mark.parametrize('capacity', ['tiny', 'full'])
def test_folded_layout_of_this_cpu_gives_keras_numbers(capacity, frames, keras_activation):
    """Whatever layout this CPU gets (`model.layout`), float32 and bfloat16
    give Keras' probabilities and the (batch, C5, 8, 1) embedding, and the
    kernels have the layout's shape"""
    network = torchcrepe.Crepe(capacity).eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/{capacity}.pth'))
    # Emulated bfloat16 (no native support) is 30x slower than float32:
    # fewer frames there, since infer runs float32 on such a CPU anyway
    count = 256 if torchcrepe.hardware.native_bfloat16() else 4
    with torch.no_grad():
        exact, reduced = (model.FoldedCrepe(network, dtype)
                          for dtype in (torch.float32, torch.bfloat16))
        for folded, dtype in ((exact, torch.float32), (reduced, torch.bfloat16)):
            assert folded.layout == model.layout(capacity, dtype, 'cpu')
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
    monkeypatch.setattr(model, 'layout', lambda *args: layout)
    network = torchcrepe.Crepe('tiny').eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/tiny.pth'))
    with torch.no_grad():
        folded = model.FoldedCrepe(network)
        assert folded.layout == layout
        probabilities = folded(frames).numpy()
        embedding = folded(frames[:16], embed=True)
        reference = network(frames[:16], embed=True)
    assert np.abs(probabilities - keras_activation('tiny')).max() < 1e-5
    assert embedding.shape == reference.shape
    assert (embedding - reference).abs().max() < 1e-5 * reference.abs().max()


def test_layout_follows_the_cpu(monkeypatch):
    """AMX: the width for bfloat16 and float32 large/full; other AVX-512:
    the height; AVX2 and anything else: the 1-D line; CUDA: the height"""
    for amx, capability in ((False, 'AVX2'), (False, 'AVX512'), (True, 'AVX512'),
                            (False, 'DEFAULT'), (False, 'NO AVX')):
        monkeypatch.setattr(torchcrepe.hardware, 'amx', lambda flag=amx: flag)
        monkeypatch.setattr(torchcrepe.hardware, 'cpu_capability',
                            lambda name=capability: name)
        plain = 'height' if capability == 'AVX512' else 'line'
        assert model.layout('full', torch.bfloat16, 'cpu') == ('width' if amx else plain)
        assert model.layout('full', torch.float32, 'cpu') == ('width' if amx else plain)
        assert model.layout('medium', torch.float32, 'cpu') == plain
        assert model.layout('tiny', torch.bfloat16, 'meta') == 'height'


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


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_cpu_block_keeps_first_map_within_16_to_32_mb(capacity):
    """Narrow capacities take more frames per call, within one memory bound"""
    size = torchcrepe.core.block_size('cpu', capacity)
    first_map = size * model.channels(capacity)[0] * 256 * 4
    assert 16 * 2 ** 20 <= first_map <= 32 * 2 ** 20
    assert torchcrepe.core.block_size('cuda', capacity) == 512


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
        folded = model.FoldedCrepe(network, dtype)
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


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_one_frame_call_gives_the_block_bits(capacity, frames, monkeypatch):
    """A one-frame call (the live tracker's usual push) gives a block's
    bits, probabilities and embedding, in this CPU's layout; in the
    'line' layout each convolution then runs as two half-maps (the cost
    of one frame), elsewhere the frame is padded to two"""
    network = torchcrepe.Crepe(capacity).eval()
    network.load_state_dict(torch.load(f'{torchcrepe.load.ASSETS}/{capacity}.pth'))
    threads = torch.get_num_threads()
    with torch.no_grad():
        folded = model.FoldedCrepe(network)
        whole, embedded = folded(frames[:16]), folded(frames[:16], embed=True)
        batches = []
        original = torch.nn.functional.conv1d

        def conv1d(x, *args, **kwargs):
            batches.append(x.size(0))
            return original(x, *args, **kwargs)

        monkeypatch.setattr(torch.nn.functional, 'conv1d', conv1d)
        try:
            torch.set_num_threads(1)
            singles = [folded(frames[i:i + 1]) for i in range(3)]
            single_embeddings = [folded(frames[i:i + 1], embed=True) for i in range(3)]
        finally:
            torch.set_num_threads(threads)
    for i in range(3):
        assert torch.equal(singles[i], whole[i:i + 1])
        assert torch.equal(single_embeddings[i], embedded[i:i + 1])
    # Every convolution saw two items: the half-maps, or the frame and its padding
    assert batches and set(batches) == {2}
    if folded.layout == 'line':
        assert len(batches) == 3 * (6 + 5)


def test_rowwise_sigmoid_is_sigmoid():
    logits = torch.linspace(-30., 30., 37 * 360).reshape(37, 360)
    assert torch.allclose(model.rowwise_sigmoid(logits), torch.sigmoid(logits),
                          rtol=1e-6, atol=0)
    assert model.rowwise_sigmoid(logits[:0]).shape == (0, 360)
