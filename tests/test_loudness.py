import numpy as np
import pytest
import torch

from torchcrepe import loudness

from .signals import tone


def test_a_weighting_curve():
    """IEC 61672 values: 0 dB at 1 kHz, about -19.1 dB at 100 Hz, -2.5 dB
    at 8 kHz, clipped at -80 dB near 0 Hz"""
    weights = loudness.a_weighting([0., 10., 100., 1000., 8000.])
    assert weights[0] == -80.
    assert weights[1] == pytest.approx(-70.4, abs=0.1)
    assert weights[2] == pytest.approx(-19.1, abs=0.1)
    assert weights[3] == pytest.approx(0., abs=0.01)
    assert weights[4] == pytest.approx(-1.1, abs=0.1)
    assert loudness.perceptual_weights().shape == (513, 1)
    assert loudness.perceptual_weights()[64, 0] == pytest.approx(-20., abs=0.01)


def test_silence_is_the_floor():
    level = loudness.a_weighted(torch.zeros(1, 16000), 16000)
    assert level.shape == (1, 101)
    assert torch.equal(level, torch.full((1, 101), loudness.MIN_DB))


def test_louder_and_more_audible_is_higher():
    noise = torch.randn(1, 8000, generator=torch.Generator().manual_seed(0))
    quiet = loudness.a_weighted(.0003 * noise, 16000)[0, 10:-10]
    loud = loudness.a_weighted(.1 * noise, 16000)[0, 10:-10]
    assert (loud > quiet + 20).all()
    assert (loud > -60).all() and (quiet < -60).all()

    # The same noise moved below 250 Hz weighs less than moved near 2 kHz
    spectrum = torch.fft.rfft(.1 * noise)
    bins = torch.arange(spectrum.size(-1))
    rumble = torch.fft.irfft(torch.where(bins < 125, spectrum, 0), n=8000)
    hiss = torch.fft.irfft(torch.where((bins > 1000) & (bins < 1125), spectrum, 0), n=8000)
    assert (loudness.a_weighted(hiss, 16000) > loudness.a_weighted(rumble, 16000)).all()


def test_tone_level_by_hand():
    """A 1 kHz tone of amplitude 1 at bin 64: |X| = 1024 / 4 (Hann), so the
    bin is 20 log10(256) - 20 = 28.2 dB; the other 512 bins sit at the
    floor, or just above it beside the peak"""
    level = loudness.a_weighted(tone(1000, .5, amplitude=1.), 16000, pad=False)
    window = torch.hann_window(1024, periodic=True, dtype=torch.float64)
    frame = tone(1000, .5, amplitude=1.)[0, :1024].double() * window
    db = 20 * torch.log10(torch.fft.rfft(frame).abs().clamp(min=1e-5))
    weighted = (db + torch.from_numpy(loudness.perceptual_weights()[:, 0])).clamp(min=-100)
    assert level[0, 0].item() == pytest.approx(weighted.mean().item(), abs=1e-4)
    assert db[64].item() == pytest.approx(20 * np.log10(256), abs=0.01)


def test_frames_match_predict():
    audio = tone(300, .3, sample_rate=44100)
    assert loudness.a_weighted(audio, 44100).shape == (1, 1 + 4800 // 160)
    assert loudness.a_weighted(audio, 44100, pad=False).shape == (1, 1 + (4800 - 1024) // 160)


@pytest.mark.parametrize('frequency, inside', [(1000, True), (3000, True), (150, False)])
def test_band_level_is_the_mean_square_of_the_band(frequency, inside):
    """A sinusoid of amplitude 0.5 has a mean square of 0.125: -9.03 dB
    inside loudness.BAND (500-4000 Hz); outside it only the Hann window's
    leakage reaches the band"""
    audio = tone(frequency, .5, amplitude=.5)
    level = loudness.band_level(audio, 16000)[0, 10:-10]
    if inside:
        assert level.numpy() == pytest.approx(10 * np.log10(.125), abs=.01)
    else:
        assert level.max().item() < 10 * np.log10(.125) - 60
    assert loudness.band_level(audio, 16000).shape == loudness.a_weighted(audio, 16000).shape
    assert loudness.band_level(tone(300, .3, sample_rate=44100), 44100, pad=False).shape == \
        (1, 1 + (4800 - 1024) // 160)


def test_band_level_of_silence_is_the_floor():
    assert (loudness.band_level(torch.zeros(1, 16000), 16000) == loudness.MIN_DB).all()


def test_a_consonant_dips_the_band_more_than_the_a_weighted_loudness():
    """A vowel (a 150 Hz voice with harmonics to 4 kHz) and, for 60 ms, a
    nasal murmur (the fundamental alone, as loud): the band drops by far
    more than the A-weighted mean of the dB spectrum"""
    time = np.arange(16000) / 16000
    vowel = sum(np.sin(2 * np.pi * 150 * k * time) / k for k in range(1, 27))
    murmur = np.sin(2 * np.pi * 150 * time) * np.sqrt(np.mean(vowel ** 2) * 2)
    nasal = (time > .47) & (time < .53)
    audio = torch.from_numpy(.1 * np.where(nasal, murmur, vowel))[None].float()
    band = loudness.band_level(audio, 16000)[0].numpy()
    weighted = loudness.a_weighted(audio, 16000)[0].numpy()
    band_dip = band[20:40].mean() - band[50]
    weighted_dip = weighted[20:40].mean() - weighted[50]
    assert band_dip > 10 and band_dip > 2 * weighted_dip
