"""Stream: one sequence decoded batch by batch, in bounded memory, with the
bits of its decoder on the whole sequence."""
from __future__ import annotations

from typing import Callable

import torch

from .. import convert
from ..types import Decoder, Device
from .decoders import (DECODERS, NORMALISATION, argmax, edge_trapped,
                       local_average_cents, non_negative, periodicity,
                       weighted_argmax, weighted_viterbi,
                       weighted_viterbi_0024)
from .recursion import ViterbiPath

Transform = Callable[[torch.Tensor], torch.Tensor]


class Stream:
    """Decode one sequence block by block, holding as little as possible

    Feed `update` the masked probabilities (360, n) of consecutive frames;
    `finish` returns (bins, pitch, periodicity), each (1, frames), equal to
    what `decoder` returns for the whole (1, 360, frames) tensor at once
    (the same dither draws included). The built-in decoders keep only the
    frames not yet decided; any other decoder is handed the whole tensor at
    the end.

    Live mode (`live=True`): `take()` returns the frames decided since the
    last call, pitch included, and `force(count)` decides the oldest
    held frames of a Viterbi decoder now (see ViterbiPath.force). The
    dither is drawn, frame by frame as frames are decided, on the CPU
    from `generator` (default: a copy of torch's global CPU generator as
    it is now), so with the same seed and no forcing the frames taken
    equal, bit for bit, what `decoder` returns for the whole tensor on
    the CPU after `torch.manual_seed` (convert.dither). A decoder that is
    not built in decides every frame at `finish`.
    """

    def __init__(self, decoder: Decoder, device: Device = 'cpu', *, live: bool = False,
                 generator: torch.Generator | None = None) -> None:
        self.decoder = decoder
        self.builtin = decoder in DECODERS.values()
        self.argmax = decoder in (argmax, weighted_argmax)
        self.transform = _STREAM_TRANSFORMS.get(decoder)
        self.live = live
        self.path: ViterbiPath | None = None
        if decoder in NORMALISATION:
            self.path = ViterbiPath(device, NORMALISATION[decoder], eager=live)
        if live and generator is None:
            generator = torch.Generator().set_state(torch.get_rng_state())
        self.generator = generator
        self.held: list[torch.Tensor] = []  # (360, n) probabilities of undecided frames
        self.bins: list[torch.Tensor] = []
        self.cents: list[torch.Tensor] = []
        self.periodicity: list[torch.Tensor] = []
        self.pitch: list[torch.Tensor] = []  # live mode: Hz of decided frames not yet taken
        self.trapped = 0  # see edge_trapped (Viterbi decoders only)

    @property
    def pending(self) -> int:
        """Frames fed but not yet decided"""
        return sum(chunk.size(1) for chunk in self.held)

    def update(self, probabilities: torch.Tensor) -> None:
        if not self.builtin or self.path is not None:
            self.held.append(probabilities)
        if self.argmax:
            self._decided(probabilities, probabilities.argmax(dim=0))
        elif self.path is not None:
            self._release(self.path.update(probabilities))

    def force(self, count: int) -> None:
        """Live mode, Viterbi decoders: decide the oldest `count` held
        frames now, by the best path so far (ViterbiPath.force); others
        hold no frames, or decide only at `finish`"""
        if self.path is not None and count > 0:
            self._release(self.path.force(count))

    def take(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Live mode: the frames decided since the last call

        Returns
            bins (torch.tensor [shape=(n,)], int64), on the CPU
            pitch (torch.tensor [shape=(n,)]), Hz
            periodicity (torch.tensor [shape=(n,)])
        """
        if not self.live:
            raise RuntimeError('Stream(live=True) is needed to take frames')
        if not self.bins:
            empty = torch.zeros(0)
            return torch.zeros(0, dtype=torch.long), empty, empty
        taken = (torch.cat(self.bins).cpu(), torch.cat(self.pitch),
                 torch.cat(self.periodicity))
        self.bins, self.pitch, self.periodicity = [], [], []
        return taken

    def finish(self) -> tuple[torch.Tensor, ...]:
        """The rest: each (1, frames); in live mode what `take` has not
        returned yet"""
        if not self.builtin:
            probabilities = torch.cat(self.held, 1)[None]
            self.held = []
            bins, pitch = self.decoder(probabilities)
            if self.live:
                self.bins, self.pitch = [bins[0]], [pitch[0]]
                self.periodicity = [periodicity(probabilities, bins)[0]]
                return tuple(part[None] for part in self.take())
            return bins, pitch, periodicity(probabilities, bins)
        if self.path is not None:
            self._release(self.path.finish())
        if self.live:
            return tuple(part[None] for part in self.take())
        bins = torch.cat(self.bins)[None]
        confidence = torch.cat(self.periodicity)[None]
        if self.cents:
            pitch = convert.cents_to_frequency(torch.cat(self.cents)[None])
            pitch = pitch.to(confidence.dtype)
        else:
            pitch = convert.bins_to_frequency(bins)
        return bins, pitch, confidence

    def _release(self, bins: torch.Tensor) -> None:
        """Decode the oldest held frames, whose path is now known"""
        if len(bins) == 0:
            return
        needed, taken = len(bins), []
        while needed:
            chunk = self.held[0]
            if chunk.size(1) <= needed:
                taken.append(self.held.pop(0))
                needed -= chunk.size(1)
            else:
                taken.append(chunk[:, :needed])
                self.held[0] = chunk[:, needed:]
                needed = 0
        probabilities = taken[0] if len(taken) == 1 else torch.cat(taken, 1)
        self._decided(probabilities, bins.to(probabilities.device))

    def _decided(self, probabilities: torch.Tensor, bins: torch.Tensor) -> None:
        self.bins.append(bins)
        confidence = periodicity(probabilities[None], bins[None])[0]
        self.periodicity.append(confidence)
        if self.path is not None:
            self.trapped += edge_trapped(probabilities, bins)
        if self.transform is None:
            if self.live:
                self.pitch.append(convert.bins_to_frequency(
                    bins.cpu(), generator=self.generator).to(confidence.device))
            return
        cents = local_average_cents(probabilities[None], bins[None], self.transform)
        if self.live:
            self.pitch.append(convert.cents_to_frequency(cents[0]).to(confidence.dtype))
        else:
            self.cents.append(cents[0])


# The weights of the built-in decoders that refine their bins
_STREAM_TRANSFORMS: dict[Decoder, Transform] = {
    weighted_argmax: torch.sigmoid, weighted_viterbi: non_negative,
    weighted_viterbi_0024: non_negative}
