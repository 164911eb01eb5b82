import numpy as np
import pytest
import torch

from torchcrepe import pipeline, plot

from .signals import tone


def test_note_names():
    assert plot.note_name(440.) == 'A4'
    assert plot.note_name(261.63) == 'C4'
    assert plot.note_name(450.) == 'A4'  # 39 cents sharp is still A4


def test_save_draws_a_png(tmp_path):
    pytest.importorskip('matplotlib', reason="pip install 'torchcrepe[plot]'")
    audio = tone(220, 1., 22050)
    frames = 101
    times = np.arange(frames) / 100
    pitch = torch.full((1, frames), 220.)
    periodicity = torch.linspace(0, 1, frames)[None]
    voiced = periodicity[0].numpy() > .21
    path = tmp_path / 'pitch.png'
    plot.save(path, audio, 22050, times, pitch, periodicity, voiced,
              pipeline.settings(model='tiny'))
    assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert path.stat().st_size > 10000
