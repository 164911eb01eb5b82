import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import model

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


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_cpu_block_keeps_first_map_within_16_to_32_mb(capacity):
    """Narrow capacities take more frames per call, within one memory bound"""
    size = torchcrepe.core.block_size('cpu', capacity)
    first_map = size * model.channels(capacity)[0] * 256 * 4
    assert 16 * 2 ** 20 <= first_map <= 32 * 2 ** 20
    assert torchcrepe.core.block_size('cuda', capacity) == 512
