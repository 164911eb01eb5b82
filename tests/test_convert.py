import math

import pytest
import torch

from torchcrepe import convert


def test_bin_zero_and_last():
    assert convert.cents_to_frequency(torch.tensor(1997.3794084376191)).item() == \
        pytest.approx(31.70, abs=0.01)
    top = 20 * 359 + 1997.3794084376191
    assert convert.cents_to_frequency(torch.tensor(top)).item() == pytest.approx(2005.5, abs=0.1)


def test_round_trips():
    frequency = torch.tensor([55., 110., 220., 440., 880., 1760.], dtype=torch.float64)
    cents = convert.frequency_to_cents(frequency)
    assert torch.allclose(cents[1:] - cents[:-1], torch.full((5,), 1200., dtype=torch.float64))
    assert torch.allclose(convert.cents_to_frequency(cents), frequency)
    bins = convert.frequency_to_bins(frequency)
    assert bins.dtype == torch.int32
    # 440 Hz is 6551.3 cents: bin floor((6551.3 - 1997.4) / 20) = 227
    assert bins[3].item() == 227
    assert convert.frequency_to_bins(frequency[3:4], torch.ceil).item() == 228
    assert convert.cents_to_bins(torch.tensor([1997.3794084376191 + 40.])).item() == 2


def test_dither_is_triangular_and_seeded():
    cents = torch.zeros(200000)
    torch.manual_seed(0)
    noise = convert.dither(cents)
    assert noise.abs().max() <= 20
    # Triangular on [-20, 20]: mean 0, variance 20^2 / 6, a third inside +-5.9
    assert abs(noise.mean().item()) < 0.1
    assert noise.var().item() == pytest.approx(400 / 6, rel=0.02)
    assert (noise.abs() < 20 * (1 - math.sqrt(0.7))).float().mean().item() == \
        pytest.approx(0.3, abs=0.01)
    torch.manual_seed(0)
    assert torch.equal(convert.dither(cents), noise)


def test_bins_to_frequency_dithers_within_a_bin():
    bins = torch.full((1000,), 100)
    frequency = convert.bins_to_frequency(bins)
    cents = convert.frequency_to_cents(frequency)
    assert cents.dtype == torch.float32
    centre = 20 * 100 + 1997.3794084376191
    assert ((cents - centre).abs() <= 20.01).all()
    assert (cents - centre).std() > 5
