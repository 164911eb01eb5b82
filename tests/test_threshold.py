import torch

import torchcrepe
from torchcrepe import threshold

from .signals import tone


def test_at():
    """As 0.0.24's test: frames below the value become NaN, input untouched"""
    pitch = torch.tensor([100., 110., 120., 130., 140.])
    periodicity = torch.tensor([.19, .22, .25, .17, .30])
    output = threshold.At(.20)(pitch, periodicity)
    assert torch.equal(torch.isnan(output), torch.tensor([True, False, False, True, False]))
    assert not torch.isnan(pitch).any()


def test_hysteresis_drops_short_unconfident_runs():
    pitch = torch.full((1, 12), 200.)
    #                        run A (kept: .5 > upper)   run B (dropped: all <= .31)
    periodicity = torch.tensor([[.1, .25, .5, .25, .1, .1, .25, .28, .3, .1, .1, .1]])
    voiced = threshold.Hysteresis()(pitch, periodicity)
    assert voiced.shape == (1, 12)
    expected = torch.tensor([False, True, True, True, False, False,
                             False, False, False, False, False, False])
    assert torch.equal(~torch.isnan(voiced[0]), expected)
    assert torch.equal(voiced[0, expected], pitch[0, expected])


def test_hysteresis_raises_threshold_for_outlying_pitch():
    # Mostly 200 Hz; one frame three octaves up with periodicity .4, which
    # would pass the plain lower bound but not the raised threshold
    pitch = torch.tensor([[200.] * 20 + [1600.] + [200.] * 20])
    periodicity = torch.full((1, 41), .6)
    periodicity[0, 20] = .4
    voiced, limits = threshold.Hysteresis(return_threshold=True)(pitch, periodicity)
    assert torch.isnan(voiced[0, 20])
    assert limits[20] > .4 and limits[0] == .19
    assert not torch.isnan(voiced[0, :20]).any()


def test_hysteresis_all_unvoiced():
    voiced = threshold.Hysteresis()(torch.full((1, 5), 150.), torch.full((1, 5), .05))
    assert torch.isnan(voiced).all()


def test_silence_zeroes_quiet_frames():
    # A voice-like (broadband) half second, then digital silence
    generator = torch.Generator().manual_seed(0)
    voice = tone(200, .5, amplitude=.5, harmonics=30) + .01 * torch.randn(1, 8000, generator=generator)
    audio = torch.cat([voice, torch.zeros(1, 8000)], 1)
    periodicity = torch.full((1, 101), .9)
    output = threshold.Silence(-60.)(periodicity, audio, 16000)
    assert torch.equal(periodicity, torch.full((1, 101), .9))
    assert (output[0, 5:45] == .9).all()
    assert (output[0, 60:] == 0).all()


def test_silence_follows_predict_frames_at_other_rates():
    audio = tone(200, .5, sample_rate=22050)
    pitch = torchcrepe.predict(audio, 22050, model='tiny')
    periodicity = torch.ones_like(pitch)
    assert threshold.Silence()(periodicity, audio, 22050).shape == pitch.shape
