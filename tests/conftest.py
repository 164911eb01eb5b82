import os

import numpy as np
import pytest
import torch

import torchcrepe


ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'assets')
CAPACITIES = list(torchcrepe.CAPACITIES)


def asset(name):
    return os.path.join(ASSETS, name)


@pytest.fixture(scope='session')
def frames():
    """The reference frames, normalised as original CREPE did: (256, 1024)"""
    return torch.from_numpy(np.load(asset('frames.npy')))


@pytest.fixture(scope='session')
def frames_f0():
    """Fundamental of each reference frame in Hz, 0 for noise: (256,)"""
    return np.load(asset('frames-f0.npy'))


@pytest.fixture(scope='session')
def keras_activation():
    """What original Keras CREPE outputs for the frames, per capacity"""
    cache = {}

    def load(capacity):
        if capacity not in cache:
            cache[capacity] = np.load(asset(f'activation-{capacity}.npy'))
        return cache[capacity]
    return load


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same random state"""
    torch.manual_seed(0)
    np.random.seed(0)
