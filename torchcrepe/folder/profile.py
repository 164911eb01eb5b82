"""Where folder mode's time goes: seconds per stage, summed over workers.

Stages:
- starting: a worker process's start (imports, the model's first load)
- listing: walking the input tree and skipping existing outputs
- reading: loading, checking and resampling files to 16 kHz
- framing: cutting 16 kHz audio into the network's frames
- network: the network's calls (network.infer)
- decoding: probabilities to pitch and periodicity (engine.Decoding)
- writing: the output files
- idle: a worker waiting for its next chunk of files

A Profile is picklable: workers send theirs back with each chunk.
"""
import contextlib
import dataclasses
import time


STAGES = ('starting', 'listing', 'reading', 'framing', 'network', 'decoding',
          'writing', 'idle')


@dataclasses.dataclass
class Profile:
    """seconds: {stage: seconds}; frames: frames the network ran (each
    frame counted once, the padding of a last partial block not counted)"""
    seconds: dict = dataclasses.field(
        default_factory=lambda: dict.fromkeys(STAGES, 0.))
    frames: int = 0

    @contextlib.contextmanager
    def timed(self, stage):
        """Add the time the block takes to `stage`"""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started

    def add(self, other):
        """Add another Profile's seconds and frames to this one"""
        for stage, seconds in other.seconds.items():
            self.seconds[stage] += seconds
        self.frames += other.frames

    def take(self):
        """A copy of this Profile, which is then reset to zero"""
        copy = Profile(dict(self.seconds), self.frames)
        self.seconds = dict.fromkeys(STAGES, 0.)
        self.frames = 0
        return copy

    def __str__(self):
        total = sum(self.seconds.values()) or 1.
        return ', '.join(f'{stage} {seconds:.1f} s ({100 * seconds / total:.0f} %)'
                         for stage, seconds in self.seconds.items())
