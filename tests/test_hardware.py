import platform
import threading
import time
import warnings

import pytest
import torch

import torchcrepe
from torchcrepe import hardware, network

from .signals import tone


@pytest.fixture
def bfloat16_native(monkeypatch):
    """Make the CPU look as if it had (True) or lacked (False) native
    bfloat16; the probe's verdicts and the warnings start and end empty,
    and TORCHCREPE_BFLOAT16 unset"""
    monkeypatch.delenv(hardware.ENVIRONMENT, raising=False)
    hardware.PROBES.forget()
    hardware.forget_warnings()
    yield lambda value: monkeypatch.setattr(
        hardware, 'native_bfloat16', lambda device='cpu': value)
    hardware.PROBES.forget()
    hardware.forget_warnings()


@pytest.fixture
def probe(bfloat16_native, monkeypatch):
    """A native-bfloat16 CPU whose probe answers `probe.times` (float32,
    bfloat16 ms per frame) after `probe.delay` seconds without running
    anything; `probe.calls` lists the runs it was given"""
    bfloat16_native(True)

    class Fake:
        times = (1.25, 5.5)
        delay = 0.

        def __init__(self):
            self.calls = []

        def __call__(self, run):
            self.calls.append(run)
            time.sleep(self.delay)
            return self.times
    fake = Fake()
    monkeypatch.setattr(hardware, 'measure', fake)
    return fake


def never_runs(precision):
    raise AssertionError('the network ran')


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


def test_probe_keeps_bfloat16_where_faster(probe):
    probe.times = (2., 1.)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'bfloat16'
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'bfloat16'
    # Once per process and capacity
    assert probe.calls == [never_runs]


def test_probe_falls_back_where_slower_once_per_capacity(probe):
    with pytest.warns(RuntimeWarning) as record:
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'float32'
    assert len(record) == 1
    message = str(record[0].message)
    assert "precision='bfloat16' runs as float32 for model='tiny'" in message
    assert '5.5 ms per frame against 1.25 ms in float32' in message
    assert "Results are float32's" in message

    # The verdict and its warning are kept: silent, and not measured again
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'float32'
    assert len(probe.calls) == 1

    # Another capacity is measured and warned about on its own
    with pytest.warns(RuntimeWarning, match="model='small'") as record:
        assert hardware.precision('bfloat16', 'cpu', 'small', never_runs) == 'float32'
    assert len(record) == 1 and len(probe.calls) == 2
    assert hardware.PROBES.verdict('cpu', 'small', never_runs) == \
        hardware.Verdict('float32', 1.25, 5.5)


@pytest.mark.parametrize('bfloat16, expected', [(.89, 'bfloat16'), (.9, 'float32')])
def test_probe_margin(probe, bfloat16, expected):
    """bfloat16 must be faster than MARGIN times float32, not just faster"""
    probe.times = (1., bfloat16)
    with warnings.catch_warnings(record=True):
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == expected


def test_forget_measures_again_and_forget_warnings_only_warns(probe):
    with pytest.warns(RuntimeWarning):
        hardware.precision('bfloat16', 'cpu', 'tiny', never_runs)
    hardware.forget_warnings()
    with pytest.warns(RuntimeWarning, match="model='tiny'"):
        hardware.precision('bfloat16', 'cpu', 'tiny', never_runs)
    assert len(probe.calls) == 1

    hardware.PROBES.forget()
    probe.times = (2., 1.)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'bfloat16'
    assert len(probe.calls) == 2


def test_no_probe_unless_bfloat16_on_a_native_cpu_with_a_capacity(probe, bfloat16_native):
    for requested in ('float32', 'float16'):
        assert hardware.precision(requested, 'cpu', 'full', never_runs) == requested
    # CUDA keeps its rule: the flags alone
    assert hardware.precision('bfloat16', 'cuda', 'full', never_runs) == 'bfloat16'
    # Without a capacity or a run (a direct infer call): the flags alone
    assert hardware.precision('bfloat16', 'cpu') == 'bfloat16'
    assert hardware.precision('bfloat16', 'cpu', 'full') == 'bfloat16'
    bfloat16_native(False)
    with pytest.warns(RuntimeWarning, match='no native bfloat16'):
        assert hardware.precision('bfloat16', 'cpu', 'full', never_runs) == 'float32'
    assert probe.calls == []


def test_environment_variable(probe, monkeypatch):
    monkeypatch.setenv(hardware.ENVIRONMENT, 'always')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'bfloat16'

    monkeypatch.setenv(hardware.ENVIRONMENT, 'never')
    probe.times = (2., 1.)
    with pytest.warns(RuntimeWarning, match='TORCHCREPE_BFLOAT16=never') as record:
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'float32'
        assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'float32'
    assert len(record) == 1 and probe.calls == []

    monkeypatch.setenv(hardware.ENVIRONMENT, ' Probe ')
    assert hardware.precision('bfloat16', 'cpu', 'tiny', never_runs) == 'bfloat16'
    assert probe.calls == [never_runs]

    monkeypatch.setenv(hardware.ENVIRONMENT, 'sometimes')
    with pytest.raises(torchcrepe.ParameterError, match='TORCHCREPE_BFLOAT16 must be one of'):
        hardware.precision('bfloat16', 'cpu', 'tiny', never_runs)


def test_two_threads_asking_at_once_probe_once(probe):
    probe.times = (2., 1.)
    # Widen the window in which the other thread asks
    probe.delay = .05
    barrier = threading.Barrier(2)
    results = [None, None]

    def ask(index):
        barrier.wait()
        results[index] = hardware.precision('bfloat16', 'cpu', 'tiny', never_runs)
    threads = [threading.Thread(target=ask, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ['bfloat16', 'bfloat16'] and len(probe.calls) == 1


def test_the_real_probe_measures_both_precisions(bfloat16_native):
    """On 'tiny', for real (bfloat16 emulated here): two positive times and
    a verdict from them; which is faster is the machine's business"""
    bfloat16_native(True)
    state = torch.random.get_rng_state()
    with warnings.catch_warnings(record=True):
        chosen = hardware.precision('bfloat16', 'cpu', 'tiny', network.probe_run('tiny'))
    verdict = hardware.PROBES.verdict('cpu', 'tiny', never_runs)
    assert chosen == verdict.precision
    assert all(isinstance(value, float) and 0 < value < float('inf')
               for value in (verdict.float32, verdict.bfloat16))
    assert chosen == ('bfloat16' if verdict.bfloat16 < hardware.MARGIN * verdict.float32
                      else 'float32')
    # The probe's frames have a generator of their own
    assert torch.equal(torch.random.get_rng_state(), state)
