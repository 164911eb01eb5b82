import pytest
import torch

import torchcrepe
from torchcrepe import decode, hardware, network, pipeline

from .signals import tone


def test_settings_are_checked_once_and_frozen():
    options = pipeline.settings(model='tiny', decoder='weighted_argmax', fmax=1000)
    assert options.decoder is decode.weighted_argmax and options.fmax == 1000.
    assert options.device == torch.device('cpu') and options.precision == 'float32'
    with pytest.raises(Exception):
        options.model = 'full'
    with pytest.raises(torchcrepe.ParameterError, match='fmin must be below fmax'):
        pipeline.settings(fmin=500, fmax=100)
    # Embedding ignores the pitch range and decoder
    assert pipeline.settings(fmin=500, fmax=100, pitch=False).model == 'full'


def test_mask_copies_and_keeps_the_range():
    probabilities = torch.rand(2, 360, 5)
    masked = pipeline.mask(probabilities, 50., 1000.)
    low, high = torchcrepe.convert.bin_range(50., 1000.)
    assert torch.isinf(masked[:, :low]).all() and torch.isinf(masked[:, high:]).all()
    assert torch.equal(masked[:, low:high], probabilities[:, low:high])
    assert torch.isfinite(probabilities).all()


def test_periodicity_gathers_the_decoded_bins():
    probabilities = torch.rand(1, 360, 4)
    bins = torch.tensor([[0, 10, 359, 200]])
    expected = torch.stack([probabilities[0, b, t] for t, b in enumerate(bins[0])])
    assert torch.equal(pipeline.periodicity(probabilities, bins)[0], expected)


def test_network_batches_cover_every_frame_in_whole_blocks(monkeypatch):
    sizes = []

    def fake(frames, *args, **kwargs):
        sizes.append(frames.shape[0])
        return torch.zeros(frames.shape[0], 360)
    monkeypatch.setattr(network, 'infer', fake)
    options = pipeline.settings(model='full', batch_size=50)
    batches = list(pipeline.network_batches(tone(200, 1.), 16000, options))
    # 101 frames; 50 rounded up to whole 32-frame blocks (full, CPU) is 64
    assert sizes == [64, 37] and sum(len(batch) for batch in batches) == 101


def test_track_equals_postprocess_of_the_network(frames):
    audio = tone(300, .5)
    options = pipeline.settings(model='tiny', decoder='weighted_argmax')
    pitch, periodicity = pipeline.track(audio, 16000, options)
    probabilities = torch.cat(list(pipeline.network_batches(audio, 16000, options)))
    expected, expected_periodicity = pipeline.decode_probabilities(
        probabilities.T[None], 50., torchcrepe.MAX_FMAX, decode.weighted_argmax)
    assert torch.equal(pitch, expected) and torch.equal(periodicity, expected_periodicity)
    assert abs(pitch[0, 10:-10].median() - 300) < 3


def test_settings_decide_bfloat16_by_the_capacitys_probe(monkeypatch):
    """On a native-bfloat16 CPU, settings asks the probe for its model; the
    probe's run is that capacity's network (here never run: mocked)"""
    monkeypatch.delenv(hardware.ENVIRONMENT, raising=False)
    monkeypatch.setattr(hardware, 'native_bfloat16', lambda device='cpu': True)
    hardware.PROBES.forget()
    answers = {'tiny': (2., 1.), 'full': (1., 4.)}
    asked = []

    def measure(run):
        asked.append(run)
        return answers['tiny' if len(asked) == 1 else 'full']
    monkeypatch.setattr(hardware, 'measure', measure)
    try:
        assert pipeline.settings(model='tiny', precision='bfloat16').precision == 'bfloat16'
        with pytest.warns(RuntimeWarning, match="model='full'"):
            assert pipeline.settings(model='full', precision='bfloat16').precision == 'float32'
        assert pipeline.settings(model='full').precision == 'float32'
        assert len(asked) == 2 and all(callable(run) for run in asked)
    finally:
        hardware.PROBES.forget()
        hardware.forget_warnings()
