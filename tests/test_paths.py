"""torchcrepe.paths and the runners that use it: no output onto an input or
onto another output, lists checked, write errors naming the caller's path.

Each refused call must leave every file as it was (bytes and all) and
write nothing.
"""
import os

import pytest
import torch

import torchcrepe
from torchcrepe import __main__ as cli
from torchcrepe import files, paths

from .signals import tone, write_wav


@pytest.fixture
def folder(tmp_path):
    """Two short 16 kHz tones, a.wav and b.wav, in tmp_path"""
    for name, frequency in (('a.wav', 220), ('b.wav', 330)):
        write_wav(tmp_path / name, tone(frequency, .3).numpy(), 16000)
    return tmp_path


def snapshot(root):
    """{relative path: bytes} of every file under root (links as links)"""
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = (
                ('link', os.readlink(path)) if os.path.islink(path)
                else open(path, 'rb').read())
    return found


def refused(call, *words, kind=torchcrepe.ParameterError):
    """Run call(), which must raise `kind` whose message holds `words`"""
    with pytest.raises(kind) as error:
        call()
    for word in words:
        assert word in str(error.value)
    return error.value


def main(*arguments):
    try:
        return cli.main([str(argument) for argument in arguments])
    except SystemExit as exit:
        return exit.code


###############################################################################
# Outputs onto inputs
###############################################################################


def test_output_onto_its_input_is_refused(folder):
    before = snapshot(folder)
    a = str(folder / 'a.wav')
    refused(lambda: torchcrepe.predict_from_files_to_files([a], [a], model='tiny'),
            "output_pitch_files[0]", "audio_files[0]", 'destroy the audio')
    refused(lambda: torchcrepe.predict_from_file_to_file(a, a, model='tiny'),
            'output_pitch_file ', 'audio_file ')
    refused(lambda: torchcrepe.embed_from_file_to_file(a, a, model='tiny'),
            'output_file ', 'audio_file ')
    refused(lambda: torchcrepe.embed_from_files_to_files([a], [a], model='tiny'),
            'output_files[0]')
    assert snapshot(folder) == before


def test_output_onto_another_input_through_any_spelling(folder):
    """Another file of the run, a relative spelling, a symlink, a hard link"""
    os.symlink(folder / 'a.wav', folder / 'link.wav')
    os.link(folder / 'b.wav', folder / 'hard.wav')
    before = snapshot(folder)
    inputs = [str(folder / 'a.wav'), str(folder / 'b.wav')]
    for output in (folder / 'b.wav', folder / 'sub' / '..' / 'a.wav',
                   folder / 'link.wav', folder / 'hard.wav'):
        refused(lambda: torchcrepe.predict_from_files_to_files(
            inputs, [str(folder / 'p.pt'), str(output)], model='tiny'),
            'output_pitch_files[1]', 'destroy the audio')
    # The periodicity output is checked as well
    refused(lambda: torchcrepe.predict_from_files_to_files(
        inputs, [str(folder / 'p.pt'), str(folder / 'q.pt')],
        output_periodicity_files=[str(folder / 'x.pt'), inputs[0]], model='tiny'),
        'output_periodicity_files[1]', 'audio_files[0]')
    assert snapshot(folder) == before


def test_outputs_onto_each_other(folder):
    before = snapshot(folder)
    a, b = str(folder / 'a.wav'), str(folder / 'b.wav')
    refused(lambda: torchcrepe.predict_from_files_to_files(
        [a, b], [str(folder / 'p.pt'), str(folder / '.' / 'p.pt')], model='tiny'),
        'output_pitch_files[1]', 'output_pitch_files[0]', 'same file')
    # A periodicity file equal to a pitch file
    refused(lambda: torchcrepe.predict_from_file_to_file(
        a, str(folder / 'p.csv'), output_periodicity_file=str(folder / 'p.csv'),
        model='tiny'), 'output_periodicity_file ', 'output_pitch_file ')
    assert snapshot(folder) == before


def test_the_same_audio_file_twice_is_fine(folder):
    """Reading one file twice harms nothing: two outputs are written"""
    a = str(folder / 'a.wav')
    torchcrepe.predict_from_files_to_files(
        [a, a], [str(folder / 'p.pt'), str(folder / 'q.pt')], model='tiny',
        decoder=torchcrepe.decode.weighted_argmax)
    assert torch.equal(torch.load(folder / 'p.pt'), torch.load(folder / 'q.pt'))


@pytest.mark.parametrize('arguments, message', [
    (['a.wav', '--output_files', 'a.wav'],
     "--output_files 'a.wav' is the input --audio_files 'a.wav'"),
    (['a.wav', 'b.wav', '--output_files', 'p.csv', 'b.wav'],
     "--output_files 'b.wav' is the input --audio_files 'b.wav'"),
    (['a.wav', '--output_files', 'p.csv', '--output_periodicity_files', 'a.wav'],
     "--output_periodicity_files 'a.wav' is the input --audio_files 'a.wav'"),
    (['a.wav', '--output_files', 'p.csv', '--output_periodicity_files', './p.csv'],
     "--output_periodicity_files './p.csv' and --output_files 'p.csv' are the same file"),
    (['a.wav', 'b.wav', '--output_files', 'p.csv', 'p.csv'],
     "--output_files 'p.csv' and --output_files 'p.csv' are the same file"),
])
def test_command_line_outputs_onto_inputs(folder, capsys, monkeypatch, arguments,
                                          message):
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    assert main('--model', 'tiny', '--audio_files', *arguments) == 2
    assert message in capsys.readouterr().err
    assert snapshot(folder) == before


###############################################################################
# Lists
###############################################################################


def test_lists_of_other_lengths(folder):
    a, b = str(folder / 'a.wav'), str(folder / 'b.wav')
    refused(lambda: torchcrepe.predict_from_files_to_files(
        [a, b], [str(folder / 'p.pt')], model='tiny'),
        'output_pitch_files needs one path per audio file: got 1 for 2')
    refused(lambda: torchcrepe.predict_from_files_to_files(
        [a, b], [str(folder / 'p.pt'), str(folder / 'q.pt')],
        output_periodicity_files=[], model='tiny'),
        'output_periodicity_files needs one path per audio file: got 0 for 2')
    refused(lambda: torchcrepe.embed_from_files_to_files(
        [a], [str(folder / 'p.pt'), str(folder / 'q.pt')], model='tiny'),
        'output_files needs one path per audio file: got 2 for 1')
    assert sorted(os.listdir(folder)) == ['a.wav', 'b.wav']


def test_a_string_where_a_list_is_due(folder):
    a = str(folder / 'a.wav')
    refused(lambda: torchcrepe.predict_from_files_to_files(
        a, [str(folder / 'p.pt')], model='tiny'),
        'audio_files must be a list of paths, not one path')
    refused(lambda: torchcrepe.predict_from_files_to_files(
        [a], str(folder / 'p.pt'), model='tiny'),
        'output_pitch_files must be a list of paths')
    refused(lambda: torchcrepe.embed_from_files_to_files(
        [a], folder / 'p.pt', model='tiny'), 'output_files must be a list')
    refused(lambda: torchcrepe.predict_from_files_to_files(
        [a], [3], model='tiny'), 'output_pitch_files[0] must be a path')
    refused(lambda: torchcrepe.predict_from_files_to_files(
        [a], 3, model='tiny'), 'output_pitch_files must be a list of paths; got int')
    refused(lambda: torchcrepe.predict_from_file_to_file(
        [a], str(folder / 'p.pt'), model='tiny'), 'audio_file must be a path')
    assert sorted(os.listdir(folder)) == ['a.wav', 'b.wav']


def test_lists_given_as_tuples_and_path_objects_still_work(folder):
    torchcrepe.predict_from_files_to_files(
        (folder / 'a.wav', folder / 'b.wav'), (folder / 'p.npy', folder / 'q.npy'),
        model='tiny')
    assert (folder / 'p.npy').exists() and (folder / 'q.npy').exists()


###############################################################################
# Write errors name the caller's path
###############################################################################


def test_missing_output_folder_is_refused_before_any_work(folder, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError('the network ran')
    monkeypatch.setattr(torchcrepe.pipeline, 'track', never)
    target = folder / 'missing' / 'p.csv'
    error = refused(lambda: torchcrepe.predict_from_file_to_file(
        str(folder / 'a.wav'), str(target), model='tiny'),
        f"output_pitch_file '{target}'", 'does not exist', kind=FileNotFoundError)
    assert '.tmp' not in str(error)
    blocker = folder / 'a.wav' / 'p.csv'
    refused(lambda: torchcrepe.predict_from_file_to_file(
        str(folder / 'b.wav'), str(blocker), model='tiny'),
        'output_pitch_file', 'is not a folder', kind=NotADirectoryError)


def test_output_that_is_a_folder(folder):
    (folder / 'out').mkdir()
    refused(lambda: torchcrepe.predict_from_file_to_file(
        str(folder / 'a.wav'), str(folder / 'out'), model='tiny'),
        f"output_pitch_file '{folder / 'out'}' is a folder")


def test_staged_names_the_callers_path(tmp_path):
    target = tmp_path / 'missing' / 'p.csv'
    with pytest.raises(FileNotFoundError) as error:
        with files.staged([target]):
            pass
    assert error.value.filename == str(target)
    assert '.tmp' not in str(error.value)
    (tmp_path / 'folder').mkdir()
    with pytest.raises(IsADirectoryError) as error:
        with files.atomic_write(tmp_path / 'folder', 'w') as file:
            file.write('x')
    assert error.value.filename == str(tmp_path / 'folder')
    assert os.listdir(tmp_path / 'folder') == []
    assert sorted(os.listdir(tmp_path)) == ['folder']


def test_staged_error_while_writing_names_the_callers_path(tmp_path):
    """An OSError about our temporary file (disk full, ...) is reported
    against the file the caller asked for"""
    target = tmp_path / 'p.csv'
    with pytest.raises(OSError) as error:
        with files.staged([target]) as (temporary,):
            raise OSError(28, 'No space left on device', temporary)
    assert error.value.errno == 28
    assert error.value.filename == str(target)
    assert os.listdir(tmp_path) == []


def test_command_line_write_error_names_option_and_path(folder, capsys, monkeypatch):
    """A failure while writing (here: the disk fills) names --output_files
    and the user's path, never the temporary file"""
    def full(kind, path, pitch, periodicity, times, voiced, metadata, target):
        raise OSError(28, 'No space left on device', target)
    monkeypatch.setattr(files, 'save_track', full)
    target = folder / 'p.csv'
    assert main('--model', 'tiny', '--audio_files', folder / 'a.wav',
                '--output_files', target) == 1
    err = capsys.readouterr().err
    assert f"--output_files: [Errno 28] No space left on device: '{target}'" in err
    assert '.tmp' not in err
    assert sorted(os.listdir(folder)) == ['a.wav', 'b.wav']


###############################################################################
# The module's own functions
###############################################################################


def test_identities_see_through_links_and_spellings(tmp_path):
    (tmp_path / 'a').write_text('x')
    os.symlink(tmp_path / 'a', tmp_path / 'l')
    os.link(tmp_path / 'a', tmp_path / 'h')

    def same(first, second):
        return bool(set(paths.identities(first)) & set(paths.identities(second)))
    for other in (tmp_path / 'l', tmp_path / 'h', f'{tmp_path}/./a',
                  tmp_path / 'missing' / '..' / 'a'):
        assert same(tmp_path / 'a', other)
    assert same(tmp_path / 'new', tmp_path / '.' / 'new')
    assert not same(tmp_path / 'new', tmp_path / 'a')


def test_named():
    assert [str(item) for item in paths.named(['x', None, 'y'], 'out')] == [
        "out[0] 'x'", "out[2] 'y'"]
    assert [str(item) for item in paths.named(['x'], '--out', False)] == ["--out 'x'"]
