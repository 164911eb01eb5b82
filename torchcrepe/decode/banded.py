"""The banded Viterbi model that the torch and the compiled recursions share.

CREPE's transition from bin i to bin j weighs max(12 - |i - j|, 0): at most
BAND = 11 bins (220 cents) per frame. The recursions never build the dense
360 x 360 matrix: for each destination bin j they look at the 23 in-band
sources j - 11 .. j + 11 through a band table (23, 360) of log transition
probabilities, and at the out-of-band sources through running maxima, since
every one of those weighs the same log(epsilon).

Two normalisations of the weights are defined:

- 'interior' (the default): every row divided by the interior row's sum,
  144. The 11 rows at each end of the range lose the weights that would
  fall outside it, so they sum to less than 1, and no bin keeps its state
  more cheaply than another.
- 'row' (torchcrepe 0.0.24, through librosa): every row divided by its own
  sum. The rows of the 11 bins at each end sum over fewer neighbours, so
  staying in those bins costs less than anywhere else, and through noise or
  silence a path can settle there and miss the notes that follow.

The two differ only in the rows of sources in the edge bins, where
'interior' is smaller; see the docstring of the function `torchcrepe.decode.viterbi` for what that means
for the paths.
"""
import numpy as np
import torch

from ..constants import PITCH_BINS
from ..utils import ParameterError, ParameterTypeError


# Largest jump (in bins) with non-zero transition weight
BAND = 11

# librosa, which 0.0.24 decodes with, adds the smallest normal float32 to
# every probability before taking logs; the same constant keeps every
# comparison of the recursion, and so every tie, identical to it
EPSILON = float(np.finfo(np.float32).tiny)
LOG_EPSILON = float(np.log(np.float64(EPSILON)))
LOG_START = float(np.log(np.float64(1. / PITCH_BINS) + EPSILON))

# Bins on each side of the centre that the weighted decoders average over
# (here so that the compiled loops can take it as a constant)
LOCAL_RADIUS = 4

# How the transition's rows are normalised: see the module docstring
NORMALISATIONS = ('interior', 'row')

# Sum of the weights of a row whose band lies wholly inside the range
INTERIOR_SUM = float(BAND + 1 + 2 * sum(range(1, BAND + 1)))  # 144


def check_logits(logits, argument='logits'):
    """Raise ParameterError unless `logits` is a (batch, 360, time) tensor
    (ParameterTypeError if it is no tensor)"""
    if not isinstance(logits, torch.Tensor):
        raise ParameterTypeError(f'{argument} must be a torch.Tensor of shape (batch, '
                                 f'{PITCH_BINS}, time); got {type(logits).__name__}')
    if logits.dim() != 3 or logits.size(1) != PITCH_BINS:
        raise ParameterError(f'{argument} must have shape (batch, {PITCH_BINS}, time); '
                             f'got {tuple(logits.shape)}')


def check_normalisation(normalisation):
    """Raise ParameterError unless `normalisation` is one of NORMALISATIONS"""
    if normalisation not in NORMALISATIONS:
        raise ParameterError(f'normalisation must be one of {NORMALISATIONS}; '
                         f'got {normalisation!r}')


def transition(normalisation='interior'):
    """The dense transition matrix T[i, j], from bin i to bin j

    Arguments
        normalisation: 'interior' (rows divided by 144; the 11 rows at each
            end sum to less than 1) or 'row' (each row sums to 1, as 0.0.24)

    Returns
        (np.ndarray [shape=(360, 360)], float64)
    """
    check_normalisation(normalisation)
    distance = np.abs(np.subtract.outer(np.arange(PITCH_BINS), np.arange(PITCH_BINS)))
    weights = np.maximum(BAND + 1 - distance, 0).astype(np.float64)
    if normalisation == 'row':
        return weights / weights.sum(axis=1, keepdims=True)
    return weights / INTERIOR_SUM


def band_table(normalisation='interior'):
    """log(T[j + o - 11, j] + epsilon) as (23, 360) float64

    Row o holds, for every destination bin j, the log transition from the
    source o - 11 bins away; sources outside the range are -inf (never
    chosen).
    """
    log_transition = np.log(transition(normalisation) + EPSILON)
    table = np.full((2 * BAND + 1, PITCH_BINS), -np.inf)
    for offset in range(2 * BAND + 1):
        destinations = np.arange(max(0, BAND - offset),
                                 min(PITCH_BINS, PITCH_BINS + BAND - offset))
        table[offset, destinations] = log_transition[destinations + offset - BAND,
                                                     destinations]
    table.flags.writeable = False
    return table


BAND_TABLES = {name: band_table(name) for name in NORMALISATIONS}


def at_edge(bins):
    """Whether each bin is one of the 11 at either end of the range

    These are the sources whose transition rows the two normalisations
    treat differently.
    """
    return (bins < BAND) | (bins >= PITCH_BINS - BAND)


def log_probabilities(logits):
    """Softmax over bins, then log(p + epsilon) in float32, as librosa does

    Arguments
        logits (torch.tensor [shape=(batch, 360, time)])

    Returns
        (torch.tensor [shape=(batch, time, 360)], float32), on the CPU as a
        numpy-computed log so that values match librosa's to the bit
    """
    # Softmax over the last axis of a (time, 360) layout: each frame is
    # reduced on its own, so the numbers never depend on how many frames
    # are decoded together
    probabilities = torch.softmax(
        logits.detach().float().transpose(1, 2).contiguous(), dim=2)
    if probabilities.device.type == 'cpu':
        array = probabilities.numpy()
        return torch.from_numpy(np.log(array + np.float32(EPSILON)))
    return torch.log(probabilities + EPSILON)
