"""The decoders by name, the weighted ones, Stream and the edge check
(torchcrepe.decode); the Viterbi recursion is in test_decode_viterbi.py."""
import pytest
import torch

import torchcrepe
from torchcrepe import decode

from .test_decode_viterbi import (dense_viterbi, network_probabilities,  # noqa: F401
                                  random_logits, trapping_probabilities)


###############################################################################
# Slow references
###############################################################################


def loop_weighted_argmax(logits):
    """torchcrepe 0.0.24's weighted_argmax, frame by frame, without dither:
    mask all but the 9 bins around the argmax, sigmoid, weighted sum over
    all 360 bins in float32. Returns (bins, cents float32, cents float64)."""
    logits = logits.clone()
    bins = logits.argmax(dim=1)
    for b in range(logits.size(0)):
        for t in range(logits.size(2)):
            logits[b, :max(0, int(bins[b, t]) - 4), t] = -float('inf')
            logits[b, min(360, int(bins[b, t]) + 5):, t] = -float('inf')
    centres = (20 * torch.arange(360) + 1997.3794084376191)[None, :, None]
    weights = torch.sigmoid(logits)
    cents32 = (centres * weights).sum(dim=1) / weights.sum(dim=1)
    weights = weights.double()
    cents64 = (centres.double() * weights).sum(dim=1) / weights.sum(dim=1)
    return bins, cents32, cents64


def cents(hz):
    return 1200 * torch.log2(torch.as_tensor(hz, dtype=torch.float64) / 10)


###############################################################################
# Viterbi (against the dense reference: test_decode_viterbi.py)
###############################################################################


def test_viterbi_on_real_audio_holds_few_frames():
    """Paths coalesce on real network output, so the frames held stay few
    however long the input (hundreds: paths through noise and silence
    stay apart longest)"""
    from .signals import tone
    generator = torch.Generator().manual_seed(0)
    parts = []
    for i in range(3):
        parts += [tone(110 * 2 ** (i / 2.5), 3.), torch.zeros(1, 32000),
                  0.02 * torch.randn(1, 16000, generator=generator)]
    audio = torch.cat(parts, 1)  # 18 s: tones, digital silence, noise
    with torch.no_grad():
        probabilities = torch.cat([torchcrepe.infer(frames, 'tiny') for frames
                                   in torchcrepe.preprocess(audio, 16000)]).T
    probabilities = torchcrepe.core.mask(probabilities[None], 50., 2006.)[0]
    assert probabilities.size(1) == 1801
    for normalisation, reference in (('interior', dense_viterbi), ('row', decode.viterbi_bins)):
        path, held = decode.ViterbiPath('cpu', normalisation), []
        parts = []
        for start in range(0, probabilities.size(1), 32):
            parts.append(path.update(probabilities[:, start:start + 32]))
            held.append(path.undecided)
        parts.append(path.finish())
        assert torch.equal(torch.cat(parts), reference(probabilities[None], normalisation)[0])
        assert max(held) < 1024, normalisation


###############################################################################
# Weighted decoders
###############################################################################


@pytest.mark.parametrize('masked', [False, True])
def test_weighted_argmax_equals_loop(masked):
    logits = random_logits(2, 250, seed=5, scale=4., masked=masked) - 2
    original = logits.clone()
    bins, pitch = decode.weighted_argmax(logits)
    reference_bins, reference32, reference = loop_weighted_argmax(logits)
    assert torch.equal(logits, original)  # not modified in place
    assert torch.equal(bins, reference_bins)
    assert pitch.dtype == torch.float32
    # The exact weighted mean, to within float32 pitch rounding
    assert (cents(pitch) - reference).abs().max() < 1e-3
    # 0.0.24's own float32 sums stray from it by a few thousandths of a cent
    assert (cents(pitch) - reference32.double()).abs().max() < 3e-3


def test_weighted_argmax_on_network_output(network_probabilities):
    bins, pitch = decode.weighted_argmax(network_probabilities)
    reference_bins, _, reference = loop_weighted_argmax(network_probabilities)
    assert torch.equal(bins, reference_bins)
    assert (cents(pitch) - reference).abs().max() < 1e-3


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_weighted_argmax_on_cuda():
    logits = torch.rand(8, 360, 128, device='cuda')
    bins, pitch = decode.weighted_argmax(logits)
    assert pitch.is_cuda
    assert torch.allclose(pitch.cpu(), decode.weighted_argmax(logits.cpu())[1])


def test_weighted_viterbi(network_probabilities):
    bins, pitch = decode.weighted_viterbi(network_probabilities)
    assert torch.equal(bins, decode.viterbi(network_probabilities)[0])

    # The probability-weighted mean of cents over the 9 bins around the path
    expected = []
    probabilities = network_probabilities[0].clamp(min=0).double()
    centres = 20 * torch.arange(360, dtype=torch.float64) + 1997.3794084376191
    for t, centre in enumerate(bins[0].tolist()):
        window = slice(max(0, centre - 4), min(360, centre + 5))
        weights = probabilities[window, t]
        expected.append((weights * centres[window]).sum() / weights.sum())
    assert (cents(pitch[0]) - torch.stack(expected)).abs().max() < 1e-3

    # Sub-bin, within the window, and without dither: deterministic
    assert ((cents(pitch[0]) - centres[bins[0]]).abs() <= 80).all()
    torch.manual_seed(123)
    assert torch.equal(decode.weighted_viterbi(network_probabilities)[1], pitch)


def test_local_average_of_silent_window_is_the_centre():
    weights = torch.zeros(1, 360, 2)
    bins = torch.tensor([[0, 359]])
    expected = 20 * bins.double() + 1997.3794084376191
    assert torch.equal(decode.local_average_cents(weights, bins), expected)


###############################################################################
# Argmax and dither
###############################################################################


def test_argmax_dithers_within_a_bin():
    logits = random_logits(1, 5000, seed=7)
    bins, pitch = decode.argmax(logits)
    assert torch.equal(bins, logits.argmax(dim=1))
    offset = cents(pitch) - (20 * bins.double() + 1997.3794084376191)
    assert offset.abs().max() <= 20
    assert offset.abs().mean() > 3  # really dithered, triangular: mean |x| = 20/3
    torch.manual_seed(1)
    first = decode.argmax(logits)[1]
    torch.manual_seed(1)
    assert torch.equal(decode.argmax(logits)[1], first)


###############################################################################
# Streaming
###############################################################################


@pytest.mark.parametrize('name', list(decode.DECODERS))
def test_stream_equals_whole(name, network_probabilities):
    decoder = decode.DECODERS[name]
    torch.manual_seed(9)
    bins, pitch = decoder(network_probabilities)
    periodicity = torchcrepe.core.periodicity(network_probabilities, bins)

    torch.manual_seed(9)
    stream = decode.Stream(decoder)
    for start in range(0, 256, 32):
        stream.update(network_probabilities[0, :, start:start + 32])
    streamed = stream.finish()
    assert torch.equal(streamed[0], bins)
    assert torch.allclose(streamed[1], pitch, rtol=1e-7, atol=0)
    assert torch.equal(streamed[2], periodicity)


def test_stream_with_custom_decoder(network_probabilities):
    def lowest(logits):
        bins = torch.zeros(logits.size(0), logits.size(2), dtype=torch.long) + 100
        return bins, torchcrepe.convert.bins_to_frequency(bins)
    stream = decode.Stream(lowest)
    for start in range(0, 256, 100):
        stream.update(network_probabilities[0, :, start:start + 100])
    bins, pitch, periodicity = stream.finish()
    assert bins.shape == (1, 256) and bins.eq(100).all()
    assert torch.equal(periodicity, network_probabilities[:, 100])


def test_compiled_argmax_equals_torch():
    """First maximum, ties and NaN as torch.argmax, on the CPU path"""
    values = torch.rand(2, 360, 500)
    values[0, 10:20, 3] = 2.         # a tie: the first bin wins
    values[1, 100, 7] = float('nan')  # NaN is the largest
    values[1, 200, 7] = float('nan')
    values[0, :, 9] = float('nan')
    values[:, :40, 50:60] = -float('inf')
    assert decode.compiled() is not None
    for tensor in (values, values.double(), values.transpose(1, 2).contiguous().transpose(1, 2)):
        assert torch.equal(decode.bin_argmax(tensor), tensor.argmax(dim=1))


@pytest.mark.parametrize('transform', [None, torch.sigmoid, decode.non_negative])
def test_compiled_local_average_equals_torch(transform, monkeypatch):
    values = torch.randn(2, 360, 400)
    values[:, :40] = -float('inf')
    bins = torch.randint(0, 360, (2, 400))
    bins[:, :3] = torch.tensor([0, 359, 2])  # windows clipped at both ends
    compiled = decode.local_average_cents(values, bins, transform)
    monkeypatch.setattr(decode.decoders, "COMPILED_TRANSFORMS", {})
    reference = decode.local_average_cents(values, bins, transform)
    assert compiled.dtype == reference.dtype == torch.float64
    finite = torch.isfinite(reference)
    assert torch.equal(finite, torch.isfinite(compiled))
    assert (compiled - reference)[finite].abs().max() < 1e-5


@pytest.mark.parametrize('name', ['viterbi', 'weighted_viterbi', 'viterbi_0024',
                                  'weighted_viterbi_0024'])
def test_stream_any_blocks(name, frames):
    """Whatever the block boundaries, the same path, pitch and edge count,
    over every bin (where 0.0.24's path is trapped)"""
    with torch.no_grad():
        probabilities = torchcrepe.infer(frames, 'tiny').T[None]
    probabilities = torchcrepe.core.mask(probabilities, 31.7, torchcrepe.MAX_FMAX)
    decoder = decode.DECODERS[name]
    torch.manual_seed(2)
    bins, pitch = decoder(probabilities)
    generator = torch.Generator().manual_seed(len(name))
    for sizes in ([1], [7, 200], torch.randint(1, 60, (30,), generator=generator).tolist()):
        torch.manual_seed(2)
        stream, start, k = decode.Stream(decoder), 0, 0
        while start < probabilities.size(2):
            stream.update(probabilities[0, :, start:start + sizes[k % len(sizes)]])
            start, k = start + sizes[k % len(sizes)], k + 1
        streamed = stream.finish()
        assert torch.equal(streamed[0], bins), sizes
        assert torch.allclose(streamed[1], pitch, rtol=1e-7, atol=0)
        assert stream.trapped == decode.edge_trapped(probabilities, bins)


###############################################################################
# The decoders by name, and the edge check
###############################################################################


def test_decoder_names():
    assert list(decode.DECODERS) == ['argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi',
                                     'viterbi_0024', 'weighted_viterbi_0024']
    assert set(decode.VITERBI_DECODERS) == {decode.viterbi, decode.weighted_viterbi,
                                            decode.viterbi_0024, decode.weighted_viterbi_0024}
    for name in decode.__all__:
        assert callable(getattr(decode, name)) or name == 'DECODERS'


def test_weighted_viterbi_0024_follows_its_path():
    probabilities = trapping_probabilities()
    bins, pitch = decode.weighted_viterbi_0024(probabilities)
    assert torch.equal(bins, decode.viterbi_0024(probabilities)[0])
    assert bins[0, 100:].eq(359).all()
    # Nothing but zeros around bin 359 in the note's frames: the bin's centre
    centre = torchcrepe.convert.cents_to_frequency(torch.tensor(20. * 359 + 1997.3794084376191))
    assert torch.allclose(pitch[0, 100:], centre.float(), rtol=1e-6)


def test_edge_trapped_counts():
    probabilities = trapping_probabilities()
    bins = torch.full((1, 400), 359)
    assert decode.edge_trapped(probabilities, bins) == 300  # the note's frames
    bins[0, 100:] = 11  # the first bin off the low edge: not counted
    assert decode.edge_trapped(probabilities, bins) == 0
    bins[0, 100:] = 10
    assert decode.edge_trapped(probabilities, bins) == 300
    probabilities[:, 150, 100:] = .49  # the network is not sure enough
    assert decode.edge_trapped(probabilities, bins) == 0


def test_edge_message():
    assert decode.edge_message(0, 400) is None
    assert decode.edge_message(9, 400) is None    # fewer than 10 frames
    assert decode.edge_message(10, 1001) is None  # under 1%
    message = decode.edge_message(300, 400, decode.viterbi_0024)
    assert message.startswith('300 of 400 frames (75%) were decoded within 11 bins of an end')
    assert 'viterbi_0024' in message and 'the default decoder, viterbi' in message
    for decoder in (None, decode.viterbi, decode.weighted_viterbi):
        message = decode.edge_message(11, 1000, decoder)
        assert message.startswith('11 of 1000 frames (1%)')
        assert 'fmin=36, fmax=1766' in message and 'weighted_argmax' in message
