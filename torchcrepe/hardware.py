"""What the machine computes natively: the checks behind precision choices.

A bottom-layer module (it imports only torch and utils). `precision` is where a
requested precision meets the device: everything that runs the network
asks it, so that bfloat16 is never slower than float32 without the user
being told.

Global state: `PROBES`, the probe verdicts of this process (one
`Probes` object, guarded by a lock), and the set of device types already
warned about having no native bfloat16.
"""
import collections
import math
import os
import platform
import threading
import time
import warnings

import torch

from .utils import caller_level, choice


# Devices already warned about, so that the fallback warns once per process
_warned: 'set[str]' = set()

# The environment variable that says how a CPU with native bfloat16 decides
# (read on every bfloat16 request, so that a process may change it): 'probe'
# (the default) measures each capacity at its first request, 'always'
# keeps bfloat16 without measuring, 'never' runs float32 without measuring
ENVIRONMENT = 'TORCHCREPE_BFLOAT16'
MODES = ('probe', 'always', 'never')

# bfloat16 is kept only where its best time is below this fraction of
# float32's. bfloat16 costs accuracy (about 1 cent), so it has to buy a clear
# speed-up, not a few percent; and a capacity whose two times are about
# equal then runs the exact float32 instead of whichever precision timing
# noise favoured (the measured speed-ups worth having were 1.8x and more)
MARGIN = .9

# Timed float32/bfloat16 pairs at most, and the seconds of timing after
# which no further pair starts (a wide network whose bfloat16 is slow
# takes that long in one pair)
PROBE_REPEATS = 3
PROBE_BUDGET = 1.

# After a pair, bfloat16's best at least this many times float32's ends the
# probe: a later pair would have to be 28 % faster to bring it under
# MARGIN. Only a loss ends it early: a one-off delay in a float32 run would
# make bfloat16 look faster, so a win must hold over every pair
CLEAR_LOSS = 1.25

# A probe's outcome; times in milliseconds per frame (None: not measured)
Verdict = collections.namedtuple('Verdict', 'precision float32 bfloat16')


def cpu_name():
    """The CPU's model name as the OS reports it, or platform.processor()"""
    try:
        with open('/proc/cpuinfo') as file:
            for line in file:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown CPU'


def amx():
    """Whether the CPU has AMX tiles (torch's own check; False where torch
    has none)"""
    return getattr(torch.cpu, '_is_amx_tile_supported', lambda: False)()


def cpu_capability():
    """The vector extension torch's CPU kernels use: 'AVX2', 'AVX512', ..."""
    return torch.backends.cpu.get_cpu_capability()


def native_bfloat16(device='cpu'):
    """Whether `device` computes bfloat16 in hardware (bool)

    On x86 CPUs that is AVX-512 BF16 or AMX: without them oneDNN still runs
    bfloat16 convolutions (`torch.ops.mkldnn._is_mkldnn_bf16_supported()` is
    True on any AVX-512 CPU), but by converting in software, which made
    the network several times slower than float32 (33x on an AVX2 CPU,
    where oneDNN has no bfloat16 kernels at all). On ARM, oneDNN's own check
    asks for the BF16 extension. On CUDA: compute capability 8.0 (Ampere) or
    above, emulation not counted.
    """
    device = torch.device(device)
    if device.type == 'cuda':
        return torch.cuda.is_available() and \
            torch.cuda.get_device_capability(device)[0] >= 8
    if device.type != 'cpu':
        return False
    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return False
    if platform.machine().lower() in ('x86_64', 'amd64', 'i386', 'i686'):
        return amx() or getattr(torch.cpu, '_is_avx512_bf16_supported',
                                lambda: False)()
    return True


def describe(device='cpu'):
    """One line naming the device and its bfloat16 support, for reports"""
    device = torch.device(device)
    if device.type == 'cuda':
        name = torch.cuda.get_device_name(device)
    else:
        name = f'{cpu_name()}, torch CPU capability {cpu_capability()}'
    native = 'yes' if native_bfloat16(device) else 'no'
    return f'{name}; native bfloat16: {native}'


def precision(requested, device='cpu', capacity=None, run=None):
    """The precision the network will run in for `requested` on `device`

    'bfloat16' where the device has no native bfloat16 (see
    `native_bfloat16`) runs as 'float32' instead, with a RuntimeWarning
    once per process and device type: emulated bfloat16 is both slower
    and less exact, so float32 is better on both counts. The results are
    then float32's, bit for bit.

    On a CPU with native bfloat16, given a capacity and `run`, bfloat16
    must also be faster for that capacity: a short probe (`measure`) times
    its network in both precisions once per process, device type and
    capacity (`PROBES`), and bfloat16 stays only where its best time is
    below MARGIN times float32's; otherwise 'float32', with a
    RuntimeWarning once per device type and capacity naming both times.
    The environment variable TORCHCREPE_BFLOAT16 ('probe', the default;
    'always': keep bfloat16 unmeasured; 'never': float32 unmeasured)
    changes this step only. Without a capacity (a direct `infer` call),
    and on CUDA, the flags alone decide. Other values pass unchanged
    (they are validated by checks.precision before this is called).

    Arguments
        requested (str): 'float32', 'bfloat16' or 'float16'
        device (str or torch.device)
        capacity (str or None): the network that will run
        run (callable or None): precision (str) -> frames (int); runs the
            capacity's network once on a fixed batch, as `infer` would

    Returns
        (str) 'float32', 'bfloat16' or 'float16'
    """
    if requested != 'bfloat16':
        return requested
    mode = probe_mode()
    device = torch.device(device)
    if not native_bfloat16(device):
        warn_not_native(device)
        return 'float32'
    if device.type != 'cpu' or capacity is None or run is None \
            or mode == 'always':
        return requested
    if mode == 'never':
        verdict = Verdict('float32', None, None)
    else:
        verdict = PROBES.verdict(device, capacity, run)
    if verdict.precision == 'float32' and PROBES.first_warning(device, capacity):
        warnings.warn(slower_message(capacity, verdict), RuntimeWarning,
                      stacklevel=caller_level())
    return verdict.precision


def probe_mode():
    """TORCHCREPE_BFLOAT16 as one of MODES ('probe' when unset or empty);
    ParameterError naming the variable for any other value"""
    mode = os.environ.get(ENVIRONMENT, '').strip().lower() or 'probe'
    return choice(mode, MODES, ENVIRONMENT)


def warn_not_native(device):
    """The no-native-bfloat16 RuntimeWarning, once per process and device
    type"""
    if device.type in _warned:
        return
    _warned.add(device.type)
    if device.type == 'cuda':
        reason = f'{torch.cuda.get_device_name(device)} has no native bfloat16'
    else:
        reason = (f'this CPU ({cpu_name()}, torch CPU capability '
                  f'{cpu_capability()}) has no native bfloat16 '
                  '(AVX-512 BF16 or AMX)')
    warnings.warn(
        f"precision='bfloat16' runs as float32: {reason}, and emulated "
        'bfloat16 is several times slower than float32. Results are '
        "float32's.", RuntimeWarning, stacklevel=caller_level())


def slower_message(capacity, verdict):
    """Why `capacity` runs float32 on this native-bfloat16 CPU"""
    if verdict.float32 is None:
        reason = f'{ENVIRONMENT}=never'
    else:
        reason = (f'on this CPU ({cpu_name()}, {torch.get_num_threads()} '
                  f'threads) bfloat16 took {verdict.bfloat16:.3g} ms per frame '
                  f'against {verdict.float32:.3g} ms in float32, measured at '
                  f'model load (bfloat16 is kept only below {MARGIN:g}x '
                  f'float32; {ENVIRONMENT}=always keeps it unmeasured)')
    return (f"precision='bfloat16' runs as float32 for model='{capacity}': "
            f"{reason}. Results are float32's.")


def measure(run, repeats=PROBE_REPEATS, budget=PROBE_BUDGET):
    """Best times of `run` in float32 and in bfloat16, ms per frame

    One warm-up each first (it makes the network's copy and oneDNN's
    kernels), then up to `repeats` timed pairs, alternating which goes
    first so that neither always follows the other; no pair starts once
    the timed pairs have taken `budget` seconds, or once bfloat16 has lost
    clearly (CLEAR_LOSS). On torch's thread count as it is.

    Arguments
        run (callable): precision (str) -> frames (int) it ran
        repeats (int), budget (float): seconds

    Returns
        (float32, bfloat16): floats, milliseconds per frame
    """
    pair = ('float32', 'bfloat16')
    for name in pair:
        run(name)
    best = dict.fromkeys(pair, math.inf)
    start = time.perf_counter()
    for repeat in range(repeats):
        for name in pair if repeat % 2 == 0 else pair[::-1]:
            began = time.perf_counter()
            frames = run(name)
            elapsed = (time.perf_counter() - began) * 1000. / frames
            best[name] = min(best[name], elapsed)
        if time.perf_counter() - start >= budget or \
                best['bfloat16'] >= CLEAR_LOSS * best['float32']:
            break
    return best['float32'], best['bfloat16']


class Probes:
    """The probe verdicts of this process, by (device type, capacity)

    The one instance is `PROBES`. A verdict is measured (`measure`) at the
    first bfloat16 request for a capacity and kept for the process, so the
    probe costs once. A lock is held through a probe: threads asking at
    once wait for the one measurement (and timings never overlap).
    `forget()` drops the verdicts and their warnings, so that the next
    request measures again (after the thread count changed, or in tests).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._verdicts = {}
        self._warned = set()

    def verdict(self, device, capacity, run):
        """The Verdict for `capacity` on `device`, measured with `run` on
        first use"""
        key = (torch.device(device).type, capacity)
        with self._lock:
            found = self._verdicts.get(key)
            if found is None:
                float32, bfloat16 = measure(run)
                kept = bfloat16 < MARGIN * float32
                found = Verdict('bfloat16' if kept else 'float32', float32, bfloat16)
                self._verdicts[key] = found
            return found

    def first_warning(self, device, capacity):
        """True the first time it is asked for this device type and
        capacity (since `forget` or `forget_warnings`)"""
        key = (torch.device(device).type, capacity)
        with self._lock:
            first = key not in self._warned
            self._warned.add(key)
            return first

    def forget_warnings(self):
        """Warn again, keeping the verdicts"""
        with self._lock:
            self._warned.clear()

    def forget(self):
        """Measure again on the next request (and warn again)"""
        with self._lock:
            self._verdicts.clear()
            self._warned.clear()


# The one instance: this process's probe verdicts
PROBES = Probes()


def forget_warnings():
    """Warn again on the next fallback (for tests, or a long-lived process
    that reports each job's warnings); the probe verdicts are kept
    (`PROBES.forget()` drops them too)"""
    _warned.clear()
    PROBES.forget_warnings()
