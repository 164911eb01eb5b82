import sys
import warnings

import numpy as np
import pytest

import torch

import torchcrepe
from torchcrepe import utils


def test_parameter_error_is_a_value_error_raised_by_checks():
    assert issubclass(torchcrepe.ParameterError, ValueError)
    with pytest.raises(torchcrepe.ParameterError, match="hop_length must be a positive integer"):
        torchcrepe.predict(torch.zeros(1, 16000), 16000, hop_length=0)
    with pytest.raises(torchcrepe.ParameterError, match="model must be one of 'tiny'"):
        torchcrepe.infer(None, 'huge')


def test_choice_names_the_allowed_values():
    assert utils.choice('a', ('a', 'b'), 'mode') == 'a'
    with pytest.raises(utils.ParameterError, match=r"mode must be one of 'a', 'b'; got 'c'"):
        utils.choice('c', ('a', 'b'), 'mode')


def test_choice_refuses_another_type_as_a_type_error():
    with pytest.raises(utils.ParameterTypeError, match=r"mode must be one of 'a', 'b'; got 3"):
        utils.choice(3, ('a', 'b'), 'mode')
    assert utils.choice(None, (None, 'a'), 'mode') is None


@pytest.mark.parametrize('value, expected', [(2, 2.), (2.5, 2.5), (np.float32(.5), .5),
                                             (np.array(3.), 3.), (torch.tensor([4.]), 4.)])
def test_real_takes_numbers(value, expected):
    assert utils.real(value, 'x') == expected


@pytest.mark.parametrize('value', [True, '1', b'1', None, [1.], np.zeros(2), 1j])
def test_real_refuses_what_is_no_number(value):
    with pytest.raises(utils.ParameterTypeError, match='gain must be a number of dB; got '):
        utils.real(value, 'gain', 'a number of dB')


def test_require_names_the_extra(monkeypatch):
    assert utils.require('json', 'testing', 'test').dumps([1]) == '[1]'
    monkeypatch.setitem(sys.modules, 'not_installed_here', None)
    with pytest.raises(ImportError, match=r"pictures needs the not_installed_here package: "
                                          r"pip install 'torchcrepe\[plot\]'"):
        utils.require('not_installed_here', 'pictures', 'plot')


def test_warnings_point_at_the_callers_line():
    def warn():
        warnings.warn('here', UserWarning, stacklevel=utils.caller_level())
    with pytest.warns(UserWarning) as caught:
        warn()
    # This test file is outside the package: the first frame outside is warn()
    assert caught[0].filename == __file__


def test_memory_release_can_be_turned_off(monkeypatch):
    calls = []
    release = utils.MemoryRelease()
    monkeypatch.setattr(release, 'trim', lambda pad: calls.append(pad))
    release()
    release.enabled = False
    release()
    assert calls == [0]
    monkeypatch.setenv('TORCHCREPE_MALLOC_TRIM', '0')
    assert not utils.MemoryRelease().enabled
