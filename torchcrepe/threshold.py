"""Deciding which frames are voiced.

Pitch thresholds (`At`, `Hysteresis`) take (pitch, periodicity) and return
pitch with unvoiced frames set to NaN; `Silence` takes periodicity and
audio and zeroes the periodicity of quiet frames. None modifies its inputs.
"""
from __future__ import annotations

import torch

from . import checks, loudness
from .constants import SAMPLE_RATE, UNVOICED
from .utils import ParameterError, ParameterTypeError


###############################################################################
# Pitch thresholding methods
###############################################################################


class At:
    """Unvoiced where periodicity < value (0..1, or a tensor of thresholds
    that broadcasts against periodicity)"""

    def __init__(self, value: float | torch.Tensor) -> None:
        if not isinstance(value, torch.Tensor):
            value = checks.number(value, 'value', 0, 1)
        self.value = value

    def __call__(self, pitch: torch.Tensor, periodicity: torch.Tensor) -> torch.Tensor:
        """pitch, periodicity (same shape) -> pitch with NaN where unvoiced"""
        same_shape(pitch, periodicity)
        pitch = pitch.clone()
        pitch[periodicity < self.value] = UNVOICED
        return pitch


class Hysteresis:
    """Voicing with a threshold that rises for outlying pitch, and hysteresis

    A frame's threshold is `lower_bound`, raised (up to 1) for pitch far
    from the typical pitch of the recording: by width * (z ** 2 - stds ** 2)
    where z is the frame's distance from the mean log-pitch in standard
    deviations (of the frames with periodicity >= lower_bound). Frames at
    or above their threshold form runs; a run is voiced only if some frame
    in it exceeds `upper_bound`, so short unconfident blips are dropped.

    Arguments
        lower_bound, upper_bound (float), periodicity thresholds
        width (float), how fast the threshold rises away from the mean
        stds (float), deviations within which the threshold stays low
        return_threshold (bool), also return the per-frame thresholds
    """

    def __init__(self,
                 lower_bound: float = .19,
                 upper_bound: float = .31,
                 width: float = .2,
                 stds: float = 1.7,
                 return_threshold: bool = False) -> None:
        self.lower_bound = checks.number(lower_bound, 'lower_bound', 0, 1)
        self.upper_bound = checks.number(upper_bound, 'upper_bound', 0, 1)
        self.width = checks.number(width, 'width', 0)
        self.stds = checks.number(stds, 'stds', 0)
        self.return_threshold = return_threshold

    def __call__(self, pitch: torch.Tensor, periodicity: torch.Tensor
                 ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """pitch, periodicity (1, time) or (time,) -> pitch (1, time)

        With return_threshold, also the thresholds (time,).
        """
        same_shape(pitch, periodicity, numel=True)
        pitch = pitch.detach().reshape(-1)
        periodicity = periodicity.detach().reshape(-1).to(pitch.device)

        # Whiten log-pitch over the frames that may be voiced
        log_pitch = torch.log2(pitch.double())
        candidates = (periodicity >= self.lower_bound) & torch.isfinite(log_pitch)
        if candidates.any():
            values = log_pitch[candidates]
            centre = values.mean()
            spread = values.std(correction=0).clamp(min=1e-12)
            z = (log_pitch - centre) / spread
            rise = self.width * z ** 2 - self.width * self.stds ** 2
            threshold = self.lower_bound + rise.clamp(0, 1 - self.lower_bound)
            threshold = torch.where(candidates, threshold,
                                    torch.full_like(threshold, self.lower_bound))
        else:
            threshold = torch.full_like(log_pitch, self.lower_bound)
        threshold = threshold.to(periodicity.dtype)

        # Runs of frames at or above threshold; keep a run only if it is
        # confident somewhere
        above = periodicity >= threshold
        starts = above & ~torch.cat([above.new_zeros(1), above[:-1]])
        run = torch.cumsum(starts.long(), 0) - 1
        confident = torch.zeros(int(starts.sum()) + 1, dtype=torch.bool,
                                device=pitch.device)
        strong = above & (periodicity > self.upper_bound)
        confident.index_put_((run[strong],), torch.ones_like(run[strong], dtype=torch.bool))
        keep = above & confident[run.clamp(min=0)]
        threshold = torch.where(above & ~keep, torch.ones_like(threshold), threshold)

        voiced = torch.where(keep, pitch, torch.full_like(pitch, UNVOICED))[None]
        if self.return_threshold:
            return voiced, threshold
        return voiced


###############################################################################
# Periodicity thresholding methods
###############################################################################


class Silence:
    """Zero periodicity in frames quieter than `value` dB (A-weighted)"""

    def __init__(self, value: float = -60) -> None:
        self.value = checks.number(value, 'value', unit=' dB')

    def __call__(self,
                 periodicity: torch.Tensor,
                 audio: torch.Tensor,
                 sample_rate: int = SAMPLE_RATE,
                 hop_length: int | None = None,
                 pad: bool = True) -> torch.Tensor:
        """periodicity (1, frames), audio (1, time) -> periodicity (1, frames)

        Frames and hop as in `predict` with the same arguments.
        """
        if not isinstance(periodicity, torch.Tensor):
            raise ParameterTypeError(
                f'periodicity must be a torch.Tensor; got {type(periodicity).__name__}')
        level = loudness.a_weighted(audio, sample_rate, hop_length, pad)
        if level.numel() != periodicity.numel():
            raise ParameterError(
                f'periodicity has {periodicity.numel()} frames; the audio has '
                f'{level.numel()} at this sample_rate, hop_length and pad')
        periodicity = periodicity.clone()
        periodicity[level.to(periodicity.device) < self.value] = 0.
        return periodicity


###############################################################################
# Utilities
###############################################################################


def same_shape(pitch: torch.Tensor, periodicity: torch.Tensor,
               numel: bool = False) -> None:
    """Refuse anything but two tensors of one shape (of as many elements,
    with `numel`), naming the argument at fault"""
    for value, argument in ((pitch, 'pitch'), (periodicity, 'periodicity')):
        if not isinstance(value, torch.Tensor):
            raise ParameterTypeError(
                f'{argument} must be a torch.Tensor; got {type(value).__name__}')
    if (periodicity.numel() != pitch.numel()) if numel else \
            (periodicity.shape != pitch.shape):
        raise ParameterError(f'periodicity must have the shape of pitch, '
                             f'{tuple(pitch.shape)}; got {tuple(periodicity.shape)}')
