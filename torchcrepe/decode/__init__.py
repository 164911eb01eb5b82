"""Decoders: from the network's pitch-bin probabilities to pitch.

Every decoder takes `logits` of shape (batch, 360, time) -- in practice what
`postprocess` hands it: the network's sigmoid probabilities with -inf in the
bins outside fmin..fmax -- and returns `(bins, pitch)`, both (batch, time):
the chosen bin (int64) and the pitch in Hz.

- `argmax`: the most probable bin of each frame, dithered.
- `weighted_argmax`: that bin refined to the probability-weighted mean of the
  9 bins around it (after a sigmoid, as torchcrepe 0.0.24 does).
- `viterbi`: the most likely path through the bins under a transition that
  allows at most 11 bins (220 cents) per frame, dithered.
- `weighted_viterbi`: the Viterbi path refined like original CREPE's
  Viterbi output: the mean of cents over the 9 bins around the path,
  weighted by the network's probabilities. Sub-bin precision, no dither.
- `viterbi_0024`, `weighted_viterbi_0024`: the same with 0.0.24's transition,
  whose edge rows let a path settle at either end of the range (see
  `viterbi`); for bit-for-bit reproduction of 0.0.24.

Each Viterbi path is exactly the one the dense 360 x 360 algorithm finds for
the same softmax probabilities, transition and uniform start, ties included,
but each step costs 23 candidates per bin instead of 360, and long inputs are
decoded in bounded memory (see `Stream`). The banded model lives in
`decode.banded`, the recursion in `decode.recursion`, the compiled CPU loops
in `decode.kernels`.
"""
# This package's names, defined in its modules
# flake8: noqa: F401
from .banded import (BAND, BAND_TABLES, EPSILON, LOCAL_RADIUS, LOG_EPSILON,
                     LOG_START, NORMALISATIONS, at_edge, band_table, check_logits,
                     log_probabilities, transition)
from .decoders import (DECODERS, NORMALISATION, VITERBI_DECODERS, argmax,
                       bin_argmax, edge_message, edge_trapped,
                       local_average_cents, non_negative, periodicity, viterbi,
                       viterbi_0024, weighted_argmax, weighted_viterbi,
                       weighted_viterbi_0024)
from .recursion import ViterbiPath, compiled, viterbi_bins
from .stream import Stream

__all__ = ['argmax', 'weighted_argmax', 'viterbi', 'weighted_viterbi',
           'viterbi_0024', 'weighted_viterbi_0024', 'DECODERS']
