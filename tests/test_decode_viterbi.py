"""The Viterbi decoders against a dense reference, and the edge-corrected
transition against 0.0.24's (torchcrepe.decode.recursion, .banded, .kernels)."""
import csv
import os
import warnings

import numpy as np
import pytest
import torch

import torchcrepe
from torchcrepe import decode
from torchcrepe.decode import banded, recursion

from benchmarks.corpus import RATE, recording

from .conftest import CAPACITIES
from .signals import tone


###############################################################################
# The dense reference
###############################################################################


def dense_transition(normalisation):
    """T[i, j] from max(12 - |i - j|, 0), written out here independently"""
    weights = np.zeros((360, 360))
    for i in range(360):
        for j in range(max(0, i - 11), min(360, i + 12)):
            weights[i, j] = 12 - abs(i - j)
    if normalisation == 'row':
        return weights / weights.sum(axis=1, keepdims=True)
    return weights / weights[180].sum()


def dense_viterbi(logits, normalisation='interior'):
    """The textbook dense Viterbi, 360 x 360 per step, as librosa computes it

    Softmax per frame, log(p + tiny) in float32, uniform start, the given
    transition; ties go to the lowest bin.
    """
    epsilon = np.finfo(np.float32).tiny
    log_transition = np.log(dense_transition(normalisation) + epsilon)
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


@pytest.fixture(scope='module')
def network_probabilities(frames):
    """tiny's (1, 360, 256) output for the reference frames, masked like
    postprocess does for fmin=50, fmax=1000"""
    with torch.no_grad():
        probabilities = torchcrepe.infer(frames, 'tiny').T[None]
    return torchcrepe.core.mask(probabilities, 50., 1000.)


@pytest.fixture(params=['compiled', 'torch'])
def kernel(request, monkeypatch):
    """Run the test with each kernel"""
    if request.param == 'torch':
        monkeypatch.setattr(recursion, 'kernel_for', recursion.TorchKernel)
    return request.param


DECODERS = {'interior': decode.viterbi, 'row': decode.viterbi_0024}

CASES = {
    'uniform random': dict(scale=1.),
    'masked like fmin/fmax': dict(scale=1., masked=True),
    'peaky': dict(scale=120.),
    'leaps outside the band': dict(leaps=True),
    'leaps, masked': dict(leaps=True, masked=True),
}


###############################################################################
# Exact against the dense reference
###############################################################################


@pytest.mark.parametrize('normalisation', banded.NORMALISATIONS)
@pytest.mark.parametrize('case', list(CASES))
def test_viterbi_equals_dense(case, normalisation, kernel):
    logits = random_logits(2, 300 if kernel == 'compiled' else 60, seed=len(case),
                           **CASES[case])
    bins, pitch = DECODERS[normalisation](logits)
    assert bins.dtype == torch.int64 and bins.shape == (2, logits.size(2))
    assert torch.equal(bins, dense_viterbi(logits, normalisation))
    assert pitch.shape == bins.shape


@pytest.mark.parametrize('normalisation', banded.NORMALISATIONS)
def test_viterbi_equals_dense_on_network_output(network_probabilities, normalisation, kernel):
    bins, _ = DECODERS[normalisation](network_probabilities)
    assert torch.equal(bins, dense_viterbi(network_probabilities, normalisation))
    # Never a bin outside fmin..fmax
    low, high = torchcrepe.convert.bin_range(50., 1000.)
    assert bins.min() >= low and bins.max() < high


def test_transition_tables():
    """One band table per normalisation, read from the dense transition;
    they differ only in the rows of the 22 edge sources, where 'interior'
    is smaller (the premise of the same-path argument in decode.viterbi)"""
    for normalisation in banded.NORMALISATIONS:
        dense = dense_transition(normalisation)
        assert np.allclose(banded.transition(normalisation), dense, rtol=1e-15, atol=0)
        table = banded.BAND_TABLES[normalisation]
        for offset in range(23):
            for j in range(360):
                i = j + offset - 11
                expected = np.log(dense[i, j] + banded.EPSILON) if 0 <= i < 360 else -np.inf
                assert table[offset, j] == pytest.approx(expected, rel=1e-15, abs=0)
    interior, row = banded.BAND_TABLES['interior'], banded.BAND_TABLES['row']
    sources = np.arange(360)[None, :] + np.arange(23)[:, None] - 11
    edge = banded.at_edge(sources) & (sources >= 0) & (sources < 360)
    assert edge.sum() == 2 * (12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22)
    assert (interior[edge] < row[edge]).all()
    assert np.array_equal(interior[~edge], row[~edge])
    assert banded.transition('interior').sum(axis=1)[11:349] == pytest.approx(1., abs=1e-12)
    assert banded.transition('interior').sum(axis=1)[0] == pytest.approx(78 / 144)
    with pytest.raises(ValueError, match="normalisation must be one of"):
        banded.transition('librosa')


def test_out_of_band_jumps_are_exercised():
    """The leaping case takes a jump of more than 11 bins, as dense does"""
    path = decode.viterbi(random_logits(1, 100, seed=0, leaps=True))[0][0]
    assert (path[1:] - path[:-1]).abs().max() > 100


def test_viterbi_ties_go_to_the_lowest_bin():
    flat = torch.zeros(1, 360, 20)
    for normalisation, decoder in DECODERS.items():
        assert torch.equal(decoder(flat)[0], dense_viterbi(flat, normalisation))
        assert decoder(flat)[0].eq(0).all()
    flat[:, :100] = -float('inf')
    for normalisation, decoder in DECODERS.items():
        assert torch.equal(decoder(flat)[0], dense_viterbi(flat, normalisation))
    # Bins 100..359 tie in every frame: the lowest wins, but 0.0.24's top
    # bin keeps its state more cheaply, and its score pulls ahead
    assert decode.viterbi(flat)[0].eq(100).all()
    assert decode.viterbi_0024(flat)[0].eq(359).all()


def test_viterbi_single_frame_and_empty():
    logits = random_logits(1, 1, seed=0)
    for decoder in DECODERS.values():
        assert torch.equal(decoder(logits)[0], logits.argmax(dim=1))
        bins, pitch = decoder(torch.zeros(1, 360, 0))
        assert bins.shape == (1, 0) and pitch.shape == (1, 0)


###############################################################################
# Chunked decoding
###############################################################################


@pytest.mark.parametrize('normalisation', banded.NORMALISATIONS)
def test_viterbi_chunked_equals_whole(normalisation, kernel):
    """Fed in chunks of any sizes, the path is the whole sequence's"""
    logits = random_logits(1, 2000 if kernel == 'compiled' else 150, seed=3, scale=8.)
    whole = DECODERS[normalisation](logits)[0][0]
    generator = torch.Generator().manual_seed(1)
    for sizes in ([1], [32], [1000], torch.randint(1, 90, (40,), generator=generator).tolist()):
        path, parts, start, k = recursion.ViterbiPath('cpu', normalisation), [], 0, 0
        while start < logits.size(2):
            size = sizes[k % len(sizes)]
            parts.append(path.update(logits[0, :, start:start + size]))
            start, k = start + size, k + 1
        parts.append(path.finish())
        assert torch.equal(torch.cat(parts), whole), sizes


def test_viterbi_path_checks_normalisation():
    with pytest.raises(ValueError, match=r"normalisation must be one of \('interior', 'row'\)"):
        recursion.ViterbiPath('cpu', 'rows')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
@pytest.mark.parametrize('normalisation', banded.NORMALISATIONS)
def test_viterbi_on_cuda_stays_on_device(network_probabilities, normalisation):
    bins, pitch = DECODERS[normalisation](network_probabilities.cuda())
    assert bins.is_cuda and pitch.is_cuda
    assert torch.equal(bins.cpu(), dense_viterbi(network_probabilities, normalisation))


###############################################################################
# The same path as 0.0.24 wherever 0.0.24's stayed off the edges
###############################################################################


def off_the_edges(path):
    """Whether every frame but the last is outside the 11 bins at each end"""
    return not bool(banded.at_edge(path[:-1]).any())


def compare_with_0024(logits):
    """(cases where 0.0.24's path stays off the edges, cases where it does
    not and the paths differ); asserts the same path in the first"""
    old, new = decode.viterbi_0024(logits)[0], decode.viterbi(logits)[0]
    kept = changed = 0
    for before, after in zip(old, new):
        if off_the_edges(before):
            assert torch.equal(before, after)
            kept += 1
        elif not torch.equal(before, after):
            changed += 1
    return kept, changed


def edge_cases(seed):
    """Random maps built to put 0.0.24's path near, at and off the edges:
    a peak wandering over the whole range (also within reach of the edges,
    and ending on one), weak noise stretches, ties between two peaks"""
    generator = torch.Generator().manual_seed(seed)
    batch, time = 24, 120
    logits = torch.rand(batch, 360, time, generator=generator) * \
        torch.rand(batch, 1, 1, generator=generator) * 4
    steps = torch.randint(-9, 10, (batch, time), generator=generator)
    start = torch.randint(0, 360, (batch, 1), generator=generator)
    peaks = (start + steps.cumsum(1)).clamp(0, 359)
    peaks[::6, -1] = 359  # the last frame on an edge is allowed
    height = torch.rand(batch, 1, generator=generator) * 6
    quiet = torch.rand(batch, time, generator=generator) < .3
    rows = torch.arange(batch)[:, None].expand(batch, time)
    logits[rows, peaks, torch.arange(time)] += torch.where(quiet, 0., height)
    logits[1::4, 120] = logits[1::4, 240] = 5.  # ties between two far bins
    return logits


def test_same_path_as_0024_off_the_edges_random():
    kept, changed = 0, 0
    for seed in range(6):
        found = compare_with_0024(edge_cases(seed))
        kept, changed = kept + found[0], changed + found[1]
    for case in CASES.values():
        found = compare_with_0024(random_logits(4, 150, seed=7, **case))
        kept, changed = kept + found[0], changed + found[1]
    # Both kinds of case were exercised
    assert kept >= 40 and changed >= 10, (kept, changed)


def test_same_path_as_0024_off_the_edges_network(frames):
    """tiny's and small's output on the reference frames, masked with
    several ranges (those that keep an edge bin let 0.0.24's path reach
    it), decoded in windows of 60 frames from 24 starts"""
    kept = changed = 0
    for capacity in ('tiny', 'small'):
        with torch.no_grad():
            probabilities = torchcrepe.infer(frames, capacity).T[None]
        for fmin, fmax in ((50., 1000.), (36., 1766.), (31.7, 2006.)):
            masked = torchcrepe.core.mask(probabilities, fmin, fmax)
            windows = torch.cat([masked[..., start:start + 60] for start in range(0, 193, 8)])
            found = compare_with_0024(windows)
            kept, changed = kept + found[0], changed + found[1]
    assert kept >= 100 and changed >= 5, (kept, changed)


def test_same_dither_and_weights_off_the_edges(network_probabilities):
    """Same bins, so the same dither draws and the same weighted pitch"""
    for new, old in ((decode.viterbi, decode.viterbi_0024),
                     (decode.weighted_viterbi, decode.weighted_viterbi_0024)):
        torch.manual_seed(4)
        first = new(network_probabilities)
        torch.manual_seed(4)
        second = old(network_probabilities)
        assert off_the_edges(second[0][0])
        assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])


###############################################################################
# Trapping cases now follow the notes
###############################################################################


def trapping_probabilities():
    """100 frames of weak noise, then 300 of one clear bin (150, 0.7): 0.0.24's
    path settles at bin 359 and never reaches the note"""
    probabilities = torch.zeros(1, 360, 400)
    generator = torch.Generator().manual_seed(0)
    probabilities[:, :, :100] = .1 * torch.rand(1, 360, 100, generator=generator)
    probabilities[:, 150, 100:] = .7
    return probabilities


def test_trap_map_follows_the_note(kernel):
    probabilities = trapping_probabilities()
    old = decode.viterbi_0024(probabilities)[0][0]
    assert old[100:].eq(359).all()
    for decoder in (decode.viterbi, decode.weighted_viterbi):
        bins = decoder(probabilities)[0][0]
        # Within one band's climb of the note's start, then on it
        assert bins[110:].eq(150).all()
        assert decode.edge_trapped(probabilities, bins[None]) == 0
    assert decode.edge_trapped(probabilities, old[None]) == 300


def noise_silence_tones():
    """2.8 s: noise, silence, a 220 Hz tone, noise, a 523 Hz tone (16 kHz)"""
    generator = torch.Generator().manual_seed(0)
    parts = [.05 * torch.randn(1, 8000, generator=generator), torch.zeros(1, 8000),
             tone(220., .8, harmonics=4), .05 * torch.randn(1, 8000, generator=generator),
             tone(523.3, .5, harmonics=4)]
    return torch.cat(parts, 1)


@pytest.mark.parametrize('capacity', CAPACITIES)
def test_tones_after_noise_and_silence_are_followed(capacity):
    """At fmin 31.7 Hz and the default fmax, 2006 Hz: every bin in range"""
    audio = noise_silence_tones()
    with torch.no_grad():
        probabilities = torch.cat([torchcrepe.infer(frames, capacity) for frames
                                   in torchcrepe.preprocess(audio, 16000)]).T[None]
    probabilities = torchcrepe.core.mask(probabilities, 31.7, torchcrepe.MAX_FMAX)
    expected = {220.: slice(110, 170), 523.3: slice(235, 275)}
    for decoder in (decode.viterbi, decode.weighted_viterbi):
        bins, pitch = decoder(probabilities)
        for frequency, frames in expected.items():
            cents = 1200 * np.log2(pitch[0, frames].double().numpy() / frequency)
            assert np.abs(cents).max() < 50, (capacity, frequency)
        assert decode.edge_trapped(probabilities, bins) == 0


def test_predict_defaults_voice_a_recording_like_signal():
    """predict with every default (full, viterbi, fmin 50 Hz, fmax 2006 Hz)
    on 2.5 s of speech-like phrases, pauses, breath, room noise and echo
    (benchmarks/corpus.py): the voiced frames tracked and voiced, the
    pauses not, and no warning. 0.0.24's transition voiced none of them."""
    item = recording(2.5)
    voiced, unvoiced = item.f0 > 0, item.f0 == 0
    assert voiced.sum() >= 150 and unvoiced.sum() >= 50
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        pitch, periodicity = torchcrepe.predict(torch.from_numpy(item.audio)[None], RATE,
                                                return_periodicity=True)
    pitch, periodicity = pitch[0].double().numpy(), periodicity[0].double().numpy()
    cents = np.abs(1200 * np.log2(pitch[voiced] / item.f0[voiced]))
    threshold = torchcrepe.core.VOICING_THRESHOLD
    assert (cents < 50).mean() >= .97
    assert (periodicity[voiced] >= threshold).mean() >= .95
    assert (periodicity[unvoiced] >= threshold).mean() <= .1


@pytest.mark.parametrize('capacity', ['tiny', 'small'])
def test_example_at_the_default_range_warns_nothing(capacity):
    """The bundled sung phrase at fmin 50 Hz, fmax 2006 Hz: the default
    decoders give no edge warning and track the phrase as weighted_argmax
    does (within 50 cents on 95% of its voiced frames)"""
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          'examples')
    with open(os.path.join(folder, 'sung_phrase_f0.csv')) as file:
        truth = np.array([float(row['frequency']) for row in csv.DictReader(file)])
    audio, rate = torchcrepe.load.audio(os.path.join(folder, 'sung_phrase.wav'))
    with torch.no_grad():
        probabilities = torch.cat([torchcrepe.infer(frames, capacity) for frames
                                   in torchcrepe.preprocess(audio, rate)]).T[None]
    voiced = truth > 0
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for decoder in (decode.viterbi, decode.weighted_viterbi):
            pitch = torchcrepe.postprocess(probabilities, 50., torchcrepe.MAX_FMAX, decoder)
            pitch = pitch[0, :len(truth)].double().numpy()
            cents = np.abs(1200 * np.log2(pitch[voiced] / truth[voiced]))
            assert (cents < 50).mean() >= .95
