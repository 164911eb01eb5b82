import json
import warnings

import pytest
import torch

import torchcrepe
from torchcrepe import decode, engine, network, pipeline


@pytest.mark.parametrize('model', ['tiny', 'full'])
def test_batch_step_is_whole_blocks(model):
    block = network.block_size('cpu', model, 'torch')
    for batch_size, blocks in [(None, 2048 // block), (1, 1), (block, 1),
                               (block + 1, 2), (3 * block - 1, 3)]:
        options = pipeline.settings(model=model, batch_size=batch_size)
        assert engine.block_rows(options) == block
        assert engine.batch_step(options) == blocks * block


def probabilities_of(frames, seed=0):
    """Random (frames, 360) logits, one clear peak per frame"""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(frames, 360, generator=generator)
    peaks = 100 + (torch.arange(frames) * 7) % 120
    logits[torch.arange(frames), peaks] += 8.
    return logits


@pytest.mark.parametrize('decoder', ['viterbi', 'weighted_viterbi',
                                     'weighted_argmax', 'argmax'])
def test_decoding_in_any_batches_equals_one_call(decoder):
    options = pipeline.settings(model='tiny', decoder=decoder, fmin=60.,
                                fmax=900.)
    probabilities = probabilities_of(97)
    whole = engine.Decoding(options)
    torch.manual_seed(1)
    whole.update(probabilities)
    expected = whole.finish()
    pieces = engine.Decoding(options)
    for start, stop in [(0, 1), (1, 33), (33, 40), (40, 97)]:
        pieces.update(probabilities[start:stop])
    torch.manual_seed(1)
    got = pieces.finish()
    assert pieces.frames == whole.frames == 97
    for a, b in zip(got, expected):
        assert a.shape == (1, 97) and torch.equal(a, b)
    # The same as decoding the masked (1, 360, frames) array at once
    torch.manual_seed(1)
    pitch, periodicity = pipeline.decode_probabilities(
        probabilities.T[None], 60., 900., options.decoder)
    assert torch.equal(pitch, got[0]) and torch.equal(periodicity, got[1])
    # The caller's tensor is never masked in place
    assert torch.isfinite(probabilities).all()


def test_decoding_keeps_to_the_range():
    options = pipeline.settings(model='tiny', decoder='weighted_argmax',
                                fmin=200., fmax=400.)
    # Every frame's peak below fmin: the pitch stays inside the range
    decoding = engine.Decoding(options)
    logits = torch.zeros(5, 360)
    logits[:, 20] = 10.
    decoding.update(logits)
    pitch, _ = decoding.finish()
    assert ((pitch >= 200. * 2 ** -(10 / 1200)) & (pitch < 400.)).all()


def test_trapped_path_warns_with_the_input_name():
    with pytest.warns(RuntimeWarning, match=r'^take\.wav: '):
        engine.warn_if_trapped(40, 40, decode.viterbi, 'take.wav')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        # Under 10 frames: nothing to say
        engine.warn_if_trapped(9, 40, decode.viterbi, 'take.wav')
        # A path in the range's interior says nothing
        options = pipeline.settings(model='tiny', decoder='viterbi')
        decoding = engine.Decoding(options)
        decoding.update(torch.sigmoid(probabilities_of(40)))
        decoding.finish('take.wav')


def test_live_decoding_takes_what_is_decided():
    options = pipeline.settings(model='tiny', decoder='weighted_argmax')
    decoding = engine.Decoding(options, live=True)
    logits = probabilities_of(10)
    decoding.update(logits[:4])
    pitch, periodicity = decoding.take()
    assert pitch.shape == periodicity.shape == (4,) and decoding.pending == 0
    decoding.update(logits[4:])
    rest, _ = decoding.take()
    offline = engine.Decoding(options)
    offline.update(logits)
    expected, _ = offline.finish()
    assert torch.equal(torch.cat([pitch, rest]), expected[0])


def test_metadata_records_the_settings():
    options = pipeline.settings(model='small', decoder='weighted_viterbi', fmax=1000.)
    metadata = engine.metadata(options, 44100, .3)
    assert metadata['model'] == 'small' and metadata['decoder'] == 'weighted_viterbi'
    assert metadata['hop_seconds'] == 160 / 16000  # 441 samples at 44.1 kHz
    assert metadata['voicing_threshold'] == .3
    assert metadata['torchcrepe'] == torchcrepe.__version__
    json.dumps(metadata)
