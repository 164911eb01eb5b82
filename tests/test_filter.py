import torch

from torchcrepe import filter

NAN = float('nan')


def test_mean_by_hand():
    signal = torch.tensor([[1., 2., NAN, 4., 8., NAN, NAN, NAN]])
    filtered = filter.mean(signal, 3)
    # windows (clipped): [1,2] [1,2,-] [2,-,4] [-,4,8] [4,8,-] [8,-,-] [-,-,-] [-,-]
    expected = torch.tensor([[1.5, 1.5, 3., 6., 6., 8., NAN, NAN]])
    assert torch.allclose(filtered, expected, equal_nan=True)


def test_median_by_hand():
    signal = torch.tensor([[5., 1., NAN, 3., 9., 2., NAN]])
    filtered = filter.median(signal, 3)
    # lower middle of an even count: [5,1] -> 1, [1,3] -> 1, [3,9] -> 3
    expected = torch.tensor([[1., 1., 1., 3., 3., 2., 2.]])
    assert torch.equal(filtered, expected)
    assert torch.isnan(filter.median(torch.full((1, 4), NAN), 3)).all()


def test_filters_equal_the_slow_reference():
    """As 0.0.24's tests check: the vectorised filters equal nanfilter"""
    generator = torch.Generator().manual_seed(0)
    signal = torch.rand(2, 3000, generator=generator)
    signal[torch.rand(signal.shape, generator=generator) < 0.1] = NAN
    signal[:, 100:120] = NAN
    for width in (1, 3, 9):
        assert torch.allclose(filter.mean(signal, width),
                              filter.nanfilter(signal, width, filter.nanmean),
                              equal_nan=True)
        assert torch.equal(filter.median(signal, width).isnan(),
                           filter.nanfilter(signal, width, filter.nanmedian).isnan())
        assert torch.allclose(filter.median(signal, width),
                              filter.nanfilter(signal, width, filter.nanmedian),
                              equal_nan=True)


def test_filters_leave_input_alone():
    signal = torch.tensor([[1., NAN, 3.]])
    copy = signal.clone()
    filter.mean(signal)
    filter.median(signal, 3)
    assert torch.equal(signal.isnan(), copy.isnan())


def test_nanmean_nanmedian():
    signal = torch.tensor([[1., NAN, 3., 10.], [NAN, NAN, NAN, NAN]])
    assert torch.allclose(filter.nanmean(signal), torch.tensor([14 / 3, NAN]), equal_nan=True)
    assert torch.allclose(filter.nanmedian(signal), torch.tensor([3., NAN]), equal_nan=True)
