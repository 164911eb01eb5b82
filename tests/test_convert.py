import math

import numpy as np
import pytest
import torch

from torchcrepe import convert
from torchcrepe.utils import ParameterError, ParameterTypeError


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


def test_dither_piece_by_piece_equals_whole():
    """Frame i takes draws 2i and 2i + 1: a live tracker dithering its
    frames as they come gets the bits of dithering the whole track"""
    cents = torch.linspace(2000, 7000, 301)
    torch.manual_seed(4)
    whole = convert.dither(cents)
    generator = torch.Generator().manual_seed(4)
    pieces = [convert.dither(cents[start:stop], generator=generator)
              for start, stop in ((0, 1), (1, 8), (8, 200), (200, 201), (201, 301))]
    assert torch.equal(torch.cat(pieces), whole)
    # The first frames' noise does not depend on how many frames follow
    torch.manual_seed(4)
    assert torch.equal(convert.dither(cents[:5]), whole[:5])


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_cents_to_frequency_is_the_same_anywhere_in_the_tensor(dtype):
    torch.manual_seed(0)
    cents = (torch.rand(40000) * 8000).to(dtype)
    whole = convert.cents_to_frequency(cents)
    for start, length in ((0, 1), (5, 3), (17, 33), (1000, 999), (3, 39000)):
        piece = cents[start:start + length]
        assert torch.equal(convert.cents_to_frequency(piece), whole[start:start + length])
    assert torch.allclose(whole, 10 * 2 ** (cents / 1200), rtol=1e-6)
    assert convert.cents_to_frequency(cents.reshape(200, 200)).shape == (200, 200)


def test_note_names_name_their_unit():
    """hz_to_note_name takes Hz, midi_to_note_name MIDI numbers"""
    assert convert.hz_to_note_name(440.) == 'A4'
    assert convert.hz_to_note_name(261.63) == 'C4'
    assert convert.hz_to_note_name(466.16) == 'A#4'
    assert convert.hz_to_note_name(27.5) == 'A0'
    assert convert.midi_to_note_name(69) == 'A4'
    assert convert.midi_to_note_name(69.4) == 'A4'
    assert convert.midi_to_note_name(60.6) == 'C#4'
    assert convert.midi_to_note_name(0) == 'C-1'
    # numpy numbers and one-element tensors are numbers too
    assert convert.midi_to_note_name(np.float64(72.)) == 'C5'
    assert convert.hz_to_note_name(torch.tensor(880.)) == 'A5'


@pytest.mark.parametrize('value', ['440', None, [440.]])
def test_note_names_refuse_what_is_no_number(value):
    with pytest.raises(ParameterTypeError, match='frequency'):
        convert.hz_to_note_name(value)
    with pytest.raises(ParameterTypeError, match='midi'):
        convert.midi_to_note_name(value)


@pytest.mark.parametrize('value', [0., -440., math.nan, math.inf])
def test_hz_to_note_name_refuses_what_is_no_frequency(value):
    with pytest.raises(ParameterError, match='frequency must be a positive finite number of Hz'):
        convert.hz_to_note_name(value)

