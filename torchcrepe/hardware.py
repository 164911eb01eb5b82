"""What the machine computes natively: the checks behind precision choices.

A bottom-layer module (it imports only torch and utils). `precision` is where a
requested precision meets the device: everything that runs the network
asks it, so that bfloat16 is never slower than float32 without the user
being told.
"""
import platform
import warnings

import torch

from .utils import caller_level


# Devices already warned about, so that the fallback warns once per process
_warned = set()


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
        return any(getattr(torch.cpu, name, lambda: False)()
                   for name in ('_is_avx512_bf16_supported',
                                '_is_amx_tile_supported'))
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


def precision(requested, device='cpu'):
    """The precision the network will run in for `requested` on `device`

    'bfloat16' where the device has no native bfloat16 (see
    `native_bfloat16`) runs as 'float32' instead, with a RuntimeWarning
    once per process and device type: emulated bfloat16 is both slower
    and less exact, so float32 is better on both counts. The results are
    then float32's, bit for bit. Other values pass unchanged (they are
    validated by checks.precision before this is called).

    Arguments
        requested (str): 'float32', 'bfloat16' or 'float16'
        device (str or torch.device)

    Returns
        (str) 'float32', 'bfloat16' or 'float16'
    """
    if requested != 'bfloat16':
        return requested
    device = torch.device(device)
    if native_bfloat16(device):
        return requested
    if device.type not in _warned:
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
    return 'float32'


def forget_warnings():
    """Warn again on the next fallback (for tests, or a long-lived process
    that reports each job's warnings)"""
    _warned.clear()
