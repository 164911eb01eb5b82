import platform
import warnings

import pytest
import torch

import torchcrepe
from torchcrepe import hardware

from .signals import tone


@pytest.fixture
def bfloat16_native(monkeypatch):
    """Make the CPU look as if it had (True) or lacked (False) native bfloat16"""
    hardware.forget_warnings()
    yield lambda value: monkeypatch.setattr(
        hardware, 'native_bfloat16', lambda device='cpu': value)
    hardware.forget_warnings()


def cpu_flags():
    with open('/proc/cpuinfo') as file:
        for line in file:
            if line.startswith('flags'):
                return set(line.split(':', 1)[1].split())
    return set()


@pytest.mark.skipif(platform.system() != 'Linux' or platform.machine() != 'x86_64',
                    reason='reads the x86 flags from /proc/cpuinfo')
def test_native_bfloat16_follows_the_cpu_flags():
    flags = cpu_flags()
    expected = bool(flags & {'avx512_bf16', 'amx_bf16'}) and \
        torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert hardware.native_bfloat16('cpu') is expected


def test_no_native_bfloat16_without_cuda():
    if not torch.cuda.is_available():
        assert hardware.native_bfloat16('cuda') is False
    assert hardware.native_bfloat16('meta') is False


def test_describe_names_cpu_and_capability():
    line = hardware.describe('cpu')
    assert hardware.cpu_capability() in line
    assert hardware.cpu_name() in line
    assert line.endswith(('native bfloat16: yes', 'native bfloat16: no'))


@pytest.mark.parametrize('requested', ['float32', 'float16'])
def test_other_precisions_pass_unchanged(requested, bfloat16_native):
    bfloat16_native(False)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert hardware.precision(requested, 'cpu') == requested


def test_bfloat16_kept_where_native(bfloat16_native):
    bfloat16_native(True)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert hardware.precision('bfloat16', 'cpu') == 'bfloat16'


def test_bfloat16_falls_back_once_with_the_reason(bfloat16_native):
    bfloat16_native(False)
    with pytest.warns(RuntimeWarning) as record:
        assert hardware.precision('bfloat16', 'cpu') == 'float32'
    assert len(record) == 1
    message = str(record[0].message)
    assert "precision='bfloat16' runs as float32" in message
    assert hardware.cpu_capability() in message
    assert 'no native bfloat16' in message

    # Once per process: the second request is silent
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert hardware.precision('bfloat16', 'cpu') == 'float32'


def test_predict_bfloat16_without_native_is_float32(bfloat16_native):
    """Not close to float32: float32's numbers exactly, and the user told"""
    bfloat16_native(False)
    audio = tone(440., .5)
    # Viterbi dithers the pitch within its bin: the same seed for both
    torch.manual_seed(0)
    exact = torchcrepe.predict(audio, 16000, 160, model='tiny',
                               return_periodicity=True)
    torch.manual_seed(0)
    with pytest.warns(RuntimeWarning, match='runs as float32'):
        fallback = torchcrepe.predict(audio, 16000, 160, model='tiny',
                                      return_periodicity=True,
                                      precision='bfloat16')
    for a, b in zip(exact, fallback):
        assert torch.equal(a, b)
    assert torchcrepe.core.settings(precision='bfloat16').precision == 'float32'


def test_infer_bfloat16_where_native_runs_bfloat16(bfloat16_native, frames):
    """The other branch really computes in bfloat16: close, not equal"""
    bfloat16_native(True)
    with torch.no_grad():
        exact = torchcrepe.infer(frames[:64], 'tiny')
        reduced = torchcrepe.infer(frames[:64], 'tiny', precision='bfloat16')
    assert reduced.dtype == torch.float32
    difference = (exact - reduced).abs().max().item()
    # bfloat16 keeps 8 bits of mantissa: visibly different, still close
    assert 1e-4 < difference < .1


def test_onnx_refuses_bfloat16_before_any_fallback(bfloat16_native):
    bfloat16_native(False)
    with pytest.raises(ValueError, match='computes in float32'):
        torchcrepe.core.settings(backend='onnx', precision='bfloat16')
