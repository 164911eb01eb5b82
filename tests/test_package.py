"""The wheel: built from the working tree, installed into a fresh venv, run.

Slow (a few minutes: the wheel carries 170 MB of models and the venv
installs torch 2.13.0, numpy, scipy, resampy and tqdm); CI runs it.
"""
import os
import subprocess
import sys
import zipfile

import pytest

import torchcrepe

from .signals import tone, write_wav


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WHEEL = 'torchcrepe-0.0.25-py3-none-any.whl'


def run(command, **options):
    result = subprocess.run([str(part) for part in command], capture_output=True,
                            text=True, **options)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    directory = tmp_path_factory.mktemp('dist')
    run([sys.executable, '-m', 'build', '--wheel', '--outdir', directory, ROOT])
    assert os.listdir(directory) == [WHEEL]
    return directory / WHEEL


@pytest.mark.slow
def test_wheel_contents(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for capacity in torchcrepe.CAPACITIES:
            path = f'torchcrepe/assets/{capacity}.pth'
            assert path in names
            size = archive.getinfo(path).file_size
            assert size == os.path.getsize(os.path.join(torchcrepe.load.ASSETS, f'{capacity}.pth'))
        metadata = archive.read('torchcrepe-0.0.25.dist-info/METADATA').decode()
    assert 'Version: 0.0.25' in metadata
    required = {line.split(': ', 1)[1] for line in metadata.splitlines()
                if line.startswith('Requires-Dist:') and 'extra ==' not in line}
    assert required == {'torch>=2.0', 'numpy', 'scipy', 'resampy', 'tqdm'}
    assert not any(name.startswith(('tests/', 'tools/', 'benchmarks/')) for name in names)


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_fresh_venv(wheel, tmp_path):
    venv = tmp_path / 'venv'
    run([sys.executable, '-m', 'venv', venv])
    python = venv / 'bin' / 'python'
    run([python, '-m', 'pip', 'install', '--quiet', 'torch==2.13.0'])
    run([python, '-m', 'pip', 'install', '--quiet', wheel])

    # Run outside the checkout, so only the installed package can be found
    work = tmp_path / 'work'
    work.mkdir()
    write_wav(work / 'voice.wav', tone(440, 1., 22050, harmonics=3).numpy(), 22050)
    script = (
        'import torch, torchcrepe, os\n'
        'assert "site-packages" in torchcrepe.__file__, torchcrepe.__file__\n'
        'audio, sr = torchcrepe.load.audio("voice.wav")\n'
        'pitch, periodicity = torchcrepe.predict(audio, sr, model="small",\n'
        '                                        return_periodicity=True)\n'
        'assert pitch.shape == (1, 101), pitch.shape\n'
        '# the README\'s singing example: reachable from the top-level import\n'
        'report = torchcrepe.singing.analyse(pitch, periodicity, hop_seconds=.01)\n'
        'assert len(report.notes) == 1, report.summary()\n'
        'error = (1200 * torch.log2(pitch[0, 5:-5] / 440)).abs().max()\n'
        'assert error < 30, error\n'
        'print(torchcrepe.__version__, sorted(os.listdir(torchcrepe.load.ASSETS)))\n')
    result = run([python, '-c', script], cwd=work)
    assert result.stdout.split()[0] == '0.0.25'

    run([python, '-m', 'torchcrepe', '--model', 'large', '--audio_files', 'voice.wav',
         '--output_files', 'voice.csv'], cwd=work)
    lines = (work / 'voice.csv').read_text().splitlines()
    assert lines[0] == 'time,frequency,periodicity' and len(lines) == 102
    frequency = float(lines[50].split(',')[1])
    assert abs(frequency - 440) < 10
