"""Cross-file batching: frames of many files share the network's blocks.

The network always runs fixed blocks of frames (engine.block_rows), and a
frame's output does not depend on the other frames of its block. So the
frames of short files are packed together into full blocks; each file's
frames are cut in the same batches as predict cuts them, its probabilities
are gathered back per batch and fed to its own engine.Decoding in the same
chunks. Every file's pitch and periodicity are therefore bit for bit what
predict gives for that file alone.

Dithering decoders (viterbi, argmax) draw their dither from torch's global
generator when the stream finishes. Each file's stream finishes under
`torch.random.fork_rng` with `torch.manual_seed(seed_from(relative path))`,
so a file's output never depends on which worker or in which order it ran,
and torch's global random state is left as it was.
"""
import collections
import dataclasses

import torch

from . import base
from .listing import seed_from
from .profile import Profile


@dataclasses.dataclass
class Tracked:
    """One file's result

    pitch, periodicity (torch.tensor [shape=(1, frames)]): Hz and 0..1, on
    the CPU; times (numpy.ndarray [shape=(frames,)]): frame centres, s
    """
    item: object
    sample_rate: int
    hop: int
    seconds: float
    pitch: torch.Tensor
    periodicity: torch.Tensor
    times: object


class _File:
    """A file in flight: its decoding and its batches still being computed"""

    def __init__(self, prepared, options):
        self.prepared = prepared
        self.decoding = base.Decoding(options)
        self.batches = collections.deque()  # [rows needed, outputs so far]
        self.cut_all = False


class Batcher:
    """Pitch of a stream of Prepared files, their frames batched across files

    Arguments
        options (Settings): from base.settings (decoder one of DECODERS)
        profile (Profile or None): framing, network and decoding seconds
            are added to it

    `add(prepared)` returns the files finished by the network calls it
    triggered (a list of Tracked); `finish()` runs the last, partial block
    and returns the rest.
    """

    def __init__(self, options, profile=None):
        self.options = options
        self.profile = Profile() if profile is None else profile
        self.block = base.block_rows(options)
        self.step = base.batch_step(options)
        # (file, its batch record, frames (n, 1024)) waiting for the network
        self.waiting = collections.deque()
        self.waiting_rows = 0
        self.files = collections.deque()

    def add(self, prepared):
        state = _File(prepared, self.options)
        self.files.append(state)
        audio = torch.from_numpy(prepared.audio)[None]
        options = self.options
        total = base.frame_count(audio.size(1), prepared.hop, options.pad)
        done = []
        for start in range(0, total, self.step):
            stop = min(start + self.step, total)
            batch = [stop - start, []]
            state.batches.append(batch)
            state.cut_all = stop == total
            with self.profile.timed('framing'):
                frames = base.frames(audio, prepared.hop, options.pad, start,
                                     stop, options.device)
            self.waiting.append((state, batch, frames))
            self.waiting_rows += stop - start
            # Bounded: at most one step of frames plus one file's batch
            if self.waiting_rows >= self.step:
                done += self._run(self.waiting_rows // self.block * self.block)
        return done

    def finish(self):
        return self._run(self.waiting_rows) if self.waiting_rows else []

    def _run(self, rows):
        """Run the network on the first `rows` waiting frames"""
        pieces, owners, taken = [], [], 0
        while taken < rows:
            state, batch, frames = self.waiting[0]
            count = min(frames.size(0), rows - taken)
            pieces.append(frames[:count])
            owners.append((state, batch, count))
            if count == frames.size(0):
                self.waiting.popleft()
            else:
                self.waiting[0] = (state, batch, frames[count:])
            taken += count
        self.waiting_rows -= rows
        self.profile.frames += rows
        with self.profile.timed('network'), torch.no_grad():
            outputs = base.probabilities(
                torch.cat(pieces) if len(pieces) > 1 else pieces[0],
                self.options)
        offset = 0
        with self.profile.timed('decoding'):
            for state, batch, count in owners:
                batch[1].append(outputs[offset:offset + count])
                batch[0] -= count
                offset += count
                self._decode_ready(state)
            return self._finished()

    def _decode_ready(self, state):
        """Decode every leading batch whose frames are all back"""
        while state.batches and state.batches[0][0] == 0:
            outputs = state.batches.popleft()[1]
            with torch.no_grad():
                state.decoding.update(
                    torch.cat(outputs) if len(outputs) > 1 else outputs[0])

    def _finished(self):
        done = []
        while self.files and self.files[0].cut_all and not self.files[0].batches:
            done.append(self._result(self.files.popleft()))
        return done

    def _result(self, state):
        prepared = state.prepared
        devices = [self.options.device] if self.options.device.type == 'cuda' else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed_from(prepared.item.relative))
            pitch, periodicity = state.decoding.finish(prepared.item.relative)
        times = base.frame_times(pitch.size(1), prepared.hop, self.options.pad)
        return Tracked(prepared.item, prepared.sample_rate, prepared.hop,
                       prepared.seconds, pitch.cpu(), periodicity.cpu(), times)
