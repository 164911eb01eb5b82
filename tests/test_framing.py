import numpy as np
import pytest
import resampy
import torch

from torchcrepe import framing
from torchcrepe.utils import ParameterError


def test_hops_and_counts():
    assert framing.model_hop(16000) == 160
    assert framing.model_hop(44100) == int(441 * 16000 / 44100)  # 160
    assert framing.model_hop(22050, 512) == int(512 * 16000 / 22050)
    assert framing.frame_count(16000, 160, pad=True) == 101
    assert framing.frame_count(16000, 160, pad=False) == 1 + (16000 - 1024) // 160
    assert np.allclose(framing.frame_times(3, 160, pad=True), [0, .01, .02])
    assert np.allclose(framing.frame_times(2, 160, pad=False), [.032, .042])


def test_a_hop_under_one_sample_is_refused_before_resampling():
    with pytest.raises(ParameterError, match=r'hop_length must be at least one sample at 16000 Hz'):
        framing.at_model_rate(torch.zeros(1, 10), 48000, 2)


@pytest.mark.parametrize('sample_rate, hop_length', [(1, None), (99, None),
                                                     (63, 1)])
def test_a_sample_rate_too_low_for_pitch_is_blamed(sample_rate, hop_length):
    with pytest.raises(ParameterError, match=f'sample_rate must be at least 100 Hz.*'
                                             f'got {sample_rate} Hz'):
        framing.checked_hop(sample_rate, hop_length)


def test_the_lowest_sample_rates_still_work():
    assert framing.checked_hop(100) == 160
    assert framing.checked_hop(64, 1) == 250


def test_predict_blames_the_sample_rate():
    import torchcrepe
    with pytest.raises(ParameterError, match='sample_rate must be at least 100 Hz'):
        torchcrepe.predict(torch.zeros(1, 100), 1, model='tiny')


def test_resample_is_resampy():
    audio = torch.rand(1, 4410, generator=torch.Generator().manual_seed(0)) - .5
    expected = resampy.resample(audio[0].numpy(), 44100, 16000)
    resampled = framing.resample(audio, 44100)
    assert resampled.shape == (1, len(expected)) and resampled.dtype == torch.float32
    assert np.array_equal(resampled[0].numpy(), expected.astype(np.float32))


def test_mono():
    assert torch.equal(framing.mono(torch.tensor([[1., 3.], [3., 5.]])), torch.tensor([[2., 4.]]))
    assert framing.mono(torch.zeros(7)).shape == (1, 7)


def test_frames_are_centred_normalised_windows():
    audio = torch.rand(1, 5000, generator=torch.Generator().manual_seed(1))
    frames = framing.frames(audio, 160, True, 0, 32)
    assert frames.shape == (32, 1024)
    # Frame 10 is centred on sample 1600: samples 1088 .. 2111
    window = audio[0, 1088:2112].double()
    expected = (window - window.mean()) / window.std()
    assert torch.allclose(frames[10].double(), expected, atol=1e-5)
    # Frame 0 starts 512 samples before the signal: zeros there
    window = torch.cat([torch.zeros(512), audio[0, :512]]).double()
    assert torch.allclose(frames[0].double(), (window - window.mean()) / window.std(), atol=1e-5)
    # Any slice of frames equals the same rows of the whole
    assert torch.equal(framing.frames(audio, 160, True, 7, 20), frames[7:20])


def test_silent_frames_stay_finite():
    frames = framing.frames(torch.zeros(1, 3000), 160, True, 0, 4)
    assert torch.equal(frames, torch.zeros(4, 1024))
