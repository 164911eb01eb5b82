import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import decode


###############################################################################
# Slow references
###############################################################################


def dense_viterbi(logits):
    """The textbook dense Viterbi, 360 x 360 per step, as librosa computes it

    Softmax per frame, log(p + tiny) in float32, uniform start, the row-
    normalised transition; ties go to the lowest bin.
    """
    epsilon = np.finfo(np.float32).tiny
    distance = np.abs(np.subtract.outer(np.arange(360), np.arange(360)))
    transition = np.maximum(12 - distance, 0).astype(np.float64)
    log_transition = np.log(transition / transition.sum(axis=1, keepdims=True) + epsilon)
    log_start = np.log(np.full(360, 1 / 360) + epsilon)
    probabilities = torch.softmax(logits.float().transpose(1, 2), dim=2).numpy()
    paths = []
    for sequence in probabilities:
        log_probability = np.log(sequence + epsilon)
        value = log_probability[0] + log_start
        pointers = np.zeros(sequence.shape, dtype=np.int64)
        for t in range(1, len(sequence)):
            scores = value[:, None] + log_transition
            pointers[t] = scores.argmax(axis=0)
            value = log_probability[t] + scores[pointers[t], np.arange(360)]
        path = np.empty(len(sequence), dtype=np.int64)
        path[-1] = value.argmax()
        for t in range(len(sequence) - 1, 0, -1):
            path[t - 1] = pointers[t, path[t]]
        paths.append(path)
    return torch.from_numpy(np.stack(paths))


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


@pytest.fixture(scope='module')
def network_probabilities(frames):
    """tiny's (1, 360, 256) output for the reference frames, masked like
    postprocess does for fmin=50, fmax=1000"""
    with torch.no_grad():
        probabilities = torchcrepe.infer(frames, 'tiny').T[None]
    return torchcrepe.core.mask(probabilities, 50., 1000.)


def random_logits(batch, time, seed, scale=1., masked=False, leaps=False):
    generator = torch.Generator().manual_seed(seed)
    logits = scale * torch.rand(batch, 360, time, generator=generator)
    if leaps:
        # A sharp peak that leaps between far bins every 10 frames: only a
        # jump outside the transition's band (weight epsilon) follows it
        peaks = torch.where(torch.arange(time) // 10 % 2 == 0, 70, 280)
        logits[:, peaks, torch.arange(time)] += 400
    if masked:
        logits[:, :57] = -float('inf')
        logits[:, 301:] = -float('inf')
    return logits


def torch_kernel(monkeypatch):
    monkeypatch.setattr(decode, '_kernel_for', lambda device: decode._TorchKernel(torch.device(device)))


###############################################################################
# Viterbi
###############################################################################


CASES = {
    'uniform random': dict(scale=1.),
    'masked like fmin/fmax': dict(scale=1., masked=True),
    'peaky': dict(scale=120.),
    'leaps outside the band': dict(leaps=True),
    'leaps, masked': dict(leaps=True, masked=True),
}


@pytest.mark.parametrize('kernel', ['numba', 'torch'])
@pytest.mark.parametrize('case', list(CASES))
def test_viterbi_equals_dense(case, kernel, monkeypatch):
    if kernel == 'torch':
        torch_kernel(monkeypatch)
    logits = random_logits(2, 300 if kernel == 'numba' else 60, seed=len(case), **CASES[case])
    bins, pitch = decode.viterbi(logits)
    assert bins.dtype == torch.int64 and bins.shape == (2, logits.size(2))
    assert torch.equal(bins, dense_viterbi(logits))
    assert pitch.shape == bins.shape


def test_out_of_band_jumps_are_exercised():
    """The peaky case takes a jump of more than 11 bins, as dense does"""
    path = decode.viterbi(random_logits(1, 100, seed=0, leaps=True))[0][0]
    assert (path[1:] - path[:-1]).abs().max() > 100


@pytest.mark.parametrize('kernel', ['numba', 'torch'])
def test_viterbi_equals_dense_on_network_output(network_probabilities, kernel, monkeypatch):
    if kernel == 'torch':
        torch_kernel(monkeypatch)
    bins, _ = decode.viterbi(network_probabilities)
    assert torch.equal(bins, dense_viterbi(network_probabilities))
    # Never a bin outside fmin..fmax
    low, high = torchcrepe.checks.bin_range(50., 1000.)
    assert bins.min() >= low and bins.max() < high


def test_viterbi_ties_go_to_the_lowest_bin():
    flat = torch.zeros(1, 360, 20)
    assert torch.equal(decode.viterbi(flat)[0], dense_viterbi(flat))
    assert decode.viterbi(flat)[0].eq(0).all()
    flat[:, :100] = -float('inf')
    assert torch.equal(decode.viterbi(flat)[0], dense_viterbi(flat))


def test_viterbi_chunked_equals_whole():
    """Feeding the decoder block by block gives the whole-sequence path"""
    logits = random_logits(1, 2000, seed=3)
    whole = decode.viterbi(logits)[0][0]
    path = decode.ViterbiPath('cpu')
    parts = [path.update(logits[0, :, i:i + 32]) for i in range(0, 2000, 32)]
    parts.append(path.finish())
    assert torch.equal(torch.cat(parts), whole)


def test_viterbi_on_real_audio_holds_few_frames():
    """Paths coalesce on real network output, so the frames held stay few
    (hundreds: the edge bins keep their own paths longest) however long
    the input"""
    from .signals import tone
    generator = torch.Generator().manual_seed(0)
    parts = []
    for i in range(6):
        parts += [tone(110 * 2 ** (i / 5), 3.), torch.zeros(1, 32000),
                  0.02 * torch.randn(1, 16000, generator=generator)]
    audio = torch.cat(parts, 1)  # 36 s: tones, digital silence, noise
    with torch.no_grad():
        probabilities = torch.cat([torchcrepe.infer(frames, 'tiny') for frames
                                   in torchcrepe.preprocess(audio, 16000)]).T
    probabilities = torchcrepe.core.mask(probabilities[None], 50., 2006.)[0]
    path, held = decode.ViterbiPath('cpu'), []
    parts = []
    for start in range(0, probabilities.size(1), 32):
        parts.append(path.update(probabilities[:, start:start + 32]))
        held.append(path.undecided)
    parts.append(path.finish())
    assert torch.equal(torch.cat(parts), dense_viterbi(probabilities[None])[0])
    assert probabilities.size(1) == 3601
    assert max(held) < 1024


def test_viterbi_single_frame_and_empty():
    logits = random_logits(1, 1, seed=0)
    assert torch.equal(decode.viterbi(logits)[0], logits.argmax(dim=1))
    bins, pitch = decode.viterbi(torch.zeros(1, 360, 0))
    assert bins.shape == (1, 0) and pitch.shape == (1, 0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_viterbi_on_cuda_stays_on_device(network_probabilities):
    logits = network_probabilities.cuda()
    bins, pitch = decode.viterbi(logits)
    assert bins.is_cuda and pitch.is_cuda
    assert torch.equal(bins.cpu(), dense_viterbi(network_probabilities))


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
    assert decode._numba_for(values) is not None
    for tensor in (values, values.double(), values.transpose(1, 2).contiguous().transpose(1, 2)):
        assert torch.equal(decode.bin_argmax(tensor), tensor.argmax(dim=1))


@pytest.mark.parametrize('transform', [None, torch.sigmoid, decode._non_negative])
def test_compiled_local_average_equals_torch(transform, monkeypatch):
    values = torch.randn(2, 360, 400)
    values[:, :40] = -float('inf')
    bins = torch.randint(0, 360, (2, 400))
    bins[:, :3] = torch.tensor([0, 359, 2])  # windows clipped at both ends
    compiled = decode.local_average_cents(values, bins, transform)
    monkeypatch.setattr(decode, '_TRANSFORMS', {})
    reference = decode.local_average_cents(values, bins, transform)
    assert compiled.dtype == reference.dtype == torch.float64
    finite = torch.isfinite(reference)
    assert torch.equal(finite, torch.isfinite(compiled))
    assert (compiled - reference)[finite].abs().max() < 1e-5
