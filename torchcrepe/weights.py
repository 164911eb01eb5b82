"""The bundled weights: one state dict per capacity in torchcrepe/assets."""
from __future__ import annotations

import os

import torch

from .model import Crepe, check_capacity
from .types import Device


ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'assets')


def state_dict(capacity: str = 'full') -> dict[str, torch.Tensor]:
    """A bundled capacity's weights, as saved in torchcrepe/assets"""
    check_capacity(capacity, 'capacity')
    return torch.load(os.path.join(ASSETS, f'{capacity}.pth'),
                      map_location='cpu', weights_only=True)


def crepe(capacity: str = 'full', device: Device = 'cpu') -> Crepe:
    """A new network with a bundled capacity's weights, in eval mode

    Arguments
        capacity (str): 'tiny', 'small', 'medium', 'large' or 'full'
        device (str or torch.device)

    Returns
        torchcrepe.Crepe, its parameters requiring gradients as any new
        module's do (as in 0.0.24)
    """
    check_capacity(capacity, 'capacity')
    # Ordinary tensors even when loaded under torch.inference_mode: the
    # network then serves calls outside it too, gradients included.
    # The initial weights are replaced at once; drawing them must not move
    # torch's random state, so that a seed gives the same dither whether or
    # not a model had to be loaded first
    with torch.inference_mode(False), torch.random.fork_rng(devices=[]):
        network = Crepe(capacity)
        network.load_state_dict(state_dict(capacity))
        return network.to(torch.device(device)).eval()
