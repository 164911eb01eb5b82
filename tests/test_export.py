"""ONNX and Core ML export of every capacity, and backend='onnx'.

Each test needs only the optional packages it uses and is skipped without
them, so a machine without coremltools still runs the ONNX tests.
"""
import importlib
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import torchcrepe
import torchcrepe.export
from torchcrepe import runtime

from .conftest import CAPACITIES


def optional(module):
    """The module, or None when it is not installed"""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # coremltools' notes about macOS
        try:
            return importlib.import_module(module)
        except ImportError:
            return None


onnx, onnxscript = optional('onnx'), optional('onnxscript')
onnxruntime = optional('onnxruntime')
coremltools = optional('coremltools')

INSTALL = "pip install 'torchcrepe[export]'"
needs_onnx = pytest.mark.skipif(
    onnx is None or onnxscript is None, reason=f'needs onnx, onnxscript: {INSTALL}')
needs_onnxruntime = pytest.mark.skipif(
    onnxruntime is None, reason=f'needs onnxruntime: {INSTALL}')
needs_coremltools = pytest.mark.skipif(
    coremltools is None, reason=f'needs coremltools: {INSTALL}')

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       'examples', 'sung_phrase.wav')

# Every exported tensor type must be one of these: no complex types
REAL_TYPES = {'BOOL', 'STRING', 'FLOAT16', 'FLOAT32', 'INT8', 'INT16',
              'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64'}


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """Paths of each capacity's exports, made once: (capacity, kind) -> path"""
    directory = tmp_path_factory.mktemp('exported')
    cache = {}

    def get(capacity, kind):
        if (capacity, kind) not in cache:
            if kind == 'onnx':
                path = torchcrepe.export.onnx(capacity, directory / f'{capacity}.onnx')
            else:
                path = torchcrepe.export.coreml(
                    capacity, directory / f'{capacity}-{kind}.mlpackage',
                    precision=kind)
            cache[capacity, kind] = path
        return cache[capacity, kind]
    return get


def pytorch(capacity, frames, embed=False):
    with torch.no_grad():
        network = torchcrepe.load.crepe(capacity)
        return (network.embed(frames) if embed else network(frames)).numpy()


###############################################################################
# ONNX
###############################################################################


@needs_onnx
@needs_onnxruntime
@pytest.mark.parametrize('capacity', CAPACITIES)
def test_onnx_matches_pytorch(capacity, exported, frames):
    path = exported(capacity, 'onnx')
    model = onnx.load(path)
    onnx.checker.check_model(model)
    assert max(entry.version for entry in model.opset_import if entry.domain == '') >= 17
    metadata = {entry.key: entry.value for entry in model.metadata_props}
    assert metadata['capacity'] == capacity
    assert metadata['sample_rate'] == '16000'
    assert metadata['frame_length'] == '1024'

    # One float32 input and output, batch dimension symbolic
    (inputs,), (outputs,) = model.graph.input, model.graph.output
    assert (inputs.name, outputs.name) == ('frames', 'probabilities')
    for value, size in ((inputs, 1024), (outputs, 360)):
        tensor = value.type.tensor_type
        assert tensor.elem_type == onnx.TensorProto.FLOAT
        batch, width = tensor.shape.dim
        assert batch.dim_param and not batch.dim_value
        assert width.dim_value == size

    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    expected = pytorch(capacity, frames)
    for batch in (frames[:1], frames[:7], frames):
        result = session.run(['probabilities'], {'frames': batch.numpy()})[0]
        assert result.shape == (batch.shape[0], 360) and result.dtype == np.float32
        assert np.abs(result - expected[:batch.shape[0]]).max() <= 1e-5


@needs_onnx
@needs_onnxruntime
def test_onnx_embedding(tmp_path, frames):
    path = torchcrepe.export.onnx('small', tmp_path / 'small.onnx', output='embedding')
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    assert [node.name for node in session.get_outputs()] == ['embedding']
    result = session.run(None, {'frames': frames[:20].numpy()})[0]
    assert result.shape == (20, 32, 16)
    expected = pytorch('small', frames[:20], embed=True).reshape(20, 32, -1)
    assert np.abs(result - expected).max() <= 1e-5


def test_exported_graph_is_smaller_with_the_same_numbers(frames):
    """Kernels are cut to the taps that can meet the signal"""
    network = torchcrepe.export.network('full')
    assert network.conv6.weight.shape == (512, 256, 15)
    assert network.conv5.weight.shape == (256, 128, 31)
    with torch.no_grad():
        assert torch.equal(network(frames[:32]), torchcrepe.load.crepe('full')(frames[:32]))


###############################################################################
# Core ML
###############################################################################


def coreml_constants(path):
    """{name: (MIL data type, numpy array)} of the weights in a package"""
    from coremltools.libmilstoragepython import _BlobStorageReader
    from coremltools.proto import MIL_pb2

    spec = coremltools.utils.load_spec(str(path))
    function = spec.mlProgram.functions['main']
    operations = function.block_specializations[function.opset].operations
    reader = _BlobStorageReader(os.path.join(
        path, 'Data', 'com.apple.CoreML', 'weights', 'weight.bin'))
    constants = {}
    for operation in operations:
        value = operation.attributes['val'] if operation.type == 'const' else None
        if value is None or value.WhichOneof('value') != 'blobFileValue':
            continue
        output = operation.outputs[0]
        kind = MIL_pb2.DataType.Name(output.type.tensorType.dataType)
        shape = [dim.constant.size for dim in output.type.tensorType.dimensions]
        offset = value.blobFileValue.offset
        if kind == 'FLOAT16':
            data = reader.read_fp16_data(offset).view(np.float16)
        else:
            data = reader.read_float_data(offset)
        constants[output.name] = kind, np.asarray(data).reshape(shape)
    return spec, operations, constants


@needs_coremltools
@pytest.mark.parametrize('precision', ['float32', 'float16'])
@pytest.mark.parametrize('capacity', CAPACITIES)
def test_coreml_package(capacity, precision, exported):
    from coremltools.proto import MIL_pb2

    path = exported(capacity, precision)
    spec, operations, constants = coreml_constants(path)

    # An ML Program with float32 input and output, flexible batch
    assert spec.WhichOneof('Type') == 'mlProgram'
    (inputs,), (outputs,) = spec.description.input, spec.description.output
    assert (inputs.name, outputs.name) == ('frames', 'probabilities')
    array = inputs.type.multiArrayType
    assert array.dataType == array.FLOAT32
    assert outputs.type.multiArrayType.dataType == array.FLOAT32
    batch, width = array.shapeRange.sizeRanges
    assert (batch.lowerBound, batch.upperBound) == torchcrepe.export.BATCH_RANGE
    assert width.lowerBound == width.upperBound == 1024
    metadata = spec.description.metadata.userDefined
    assert metadata['capacity'] == capacity
    assert metadata['precision'] == precision
    assert 'MIT' in spec.description.metadata.license

    # Real-valued types only, everywhere in the graph
    for operation in operations:
        for output in operation.outputs:
            kind = MIL_pb2.DataType.Name(output.type.tensorType.dataType)
            assert kind in REAL_TYPES, (operation.type, output.name, kind)

    # Every weight is there, equal to PyTorch's (fp16: its rounding)
    expected = {name.replace('.', '_'): tensor.numpy()
                for name, tensor in torchcrepe.export.network(capacity).state_dict().items()
                if not name.endswith('num_batches_tracked')}
    names = {name: name for name in expected}
    if precision == 'float16':
        # A batch norm whose running variance overflows float16 (block 2
        # of medium, large and full: up to 497,160) stays in float32
        def layer(name):
            return name.split('_BN')[0] + '_BN' if '_BN' in name else name
        wide = {layer(name) for name, tensor in expected.items()
                if np.abs(tensor).max() > np.finfo(np.float16).max}
        assert wide == ({'conv2_BN'} if capacity in ('medium', 'large', 'full') else set())
        names = {name: name if layer(name) in wide else name + '_to_fp16'
                 for name in expected}
    assert set(constants) == set(names.values())
    for name, tensor in expected.items():
        kind, value = constants[names[name]]
        if names[name].endswith('_to_fp16'):
            assert kind == 'FLOAT16'
            np.testing.assert_array_equal(value, tensor.astype(np.float16), err_msg=name)
        else:
            assert kind == 'FLOAT32'
            np.testing.assert_array_equal(value, tensor, err_msg=name)


@needs_coremltools
def test_coreml_embedding(tmp_path):
    path = torchcrepe.export.coreml('tiny', tmp_path / 'tiny.mlpackage', output='embedding')
    spec = coremltools.utils.load_spec(path)
    assert [output.name for output in spec.description.output] == ['embedding']


@needs_coremltools
@pytest.mark.skipif(sys.platform != 'darwin', reason='Core ML runs models only on macOS')
@pytest.mark.parametrize('capacity', CAPACITIES)
def test_coreml_prediction(capacity, exported, frames):
    expected = pytorch(capacity, frames)
    cents = torchcrepe.convert.bins_to_cents
    for precision in ('float32', 'float16'):
        model = coremltools.models.MLModel(exported(capacity, precision))
        result = np.concatenate([
            model.predict({'frames': frames[start:start + 64].numpy()})['probabilities']
            for start in range(0, len(frames), 64)])
        if precision == 'float32':
            assert np.abs(result - expected).max() <= 1e-5
        else:
            # Pitch (weighted argmax) within 5 cents
            pitch = torchcrepe.decode.weighted_argmax(torch.from_numpy(result).T[None])[1]
            reference = torchcrepe.decode.weighted_argmax(torch.from_numpy(expected).T[None])[1]
            difference = 1200 * torch.log2(pitch / reference).abs()
            assert difference.max() <= 5, cents


###############################################################################
# Errors and files
###############################################################################


@needs_onnx
@needs_coremltools
@pytest.mark.parametrize('call, message', [
    (lambda d: torchcrepe.export.onnx('huge', d / 'x.onnx'), "capacity must be one of 'tiny'"),
    (lambda d: torchcrepe.export.onnx('tiny', d / 'x.onnx', output='pitch'), "output must be one of 'probabilities', 'embedding'"),
    (lambda d: torchcrepe.export.onnx('tiny', d / 'x.mlpackage'), 'path must end in .onnx'),
    (lambda d: torchcrepe.export.onnx('tiny', d / 'no' / 'x.onnx'), 'does not exist'),
    (lambda d: torchcrepe.export.onnx('tiny', d / 'x.onnx', opset=13), 'opset must be an integer of at least 18'),
    (lambda d: torchcrepe.export.coreml('tiny', d / 'x.onnx'), 'path must end in .mlpackage'),
    (lambda d: torchcrepe.export.coreml('tiny', d / 'x.mlpackage', precision='int8'), "precision must be one of 'float32', 'float16'"),
    (lambda d: torchcrepe.export.coreml('tiny', d / 'x.mlpackage', batch_range=(0, 8)), 'batch_range'),
])
def test_bad_arguments(tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(tmp_path)
    assert os.listdir(tmp_path) == []


def test_missing_package_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, 'onnx', None)
    with pytest.raises(ImportError, match=r"pip install 'torchcrepe\[export\]'"):
        torchcrepe.export.onnx('tiny', tmp_path / 'x.onnx')
    monkeypatch.setitem(sys.modules, 'coremltools', None)
    with pytest.raises(ImportError, match=r"Core ML export needs the coremltools package"):
        torchcrepe.export.coreml('tiny', tmp_path / 'x.mlpackage')
    assert os.listdir(tmp_path) == []


@needs_onnx
@needs_coremltools
def test_failed_export_leaves_the_old_file(monkeypatch, tmp_path):
    onnx_path, package = tmp_path / 'tiny.onnx', tmp_path / 'tiny.mlpackage'
    onnx_path.write_bytes(b'old')
    package.mkdir()
    (package / 'old').write_bytes(b'old')

    def broken(*args, **kwargs):
        raise RuntimeError('conversion failed')
    monkeypatch.setattr(torchcrepe.graphs, 'network', broken)
    for call, path in ((torchcrepe.export.onnx, onnx_path), (torchcrepe.export.coreml, package)):
        with pytest.raises(RuntimeError, match='conversion failed'):
            call('tiny', path)
    assert onnx_path.read_bytes() == b'old'
    assert os.listdir(package) == ['old']
    assert sorted(os.listdir(tmp_path)) == ['tiny.mlpackage', 'tiny.onnx']


@needs_coremltools
def test_export_replaces_an_existing_package(tmp_path):
    package = tmp_path / 'tiny.mlpackage'
    package.mkdir()
    (package / 'stale').write_bytes(b'old')
    torchcrepe.export.coreml('tiny', package)
    assert 'stale' not in os.listdir(package)
    assert os.listdir(tmp_path) == ['tiny.mlpackage']
    coremltools.utils.load_spec(str(package))


def cli(*arguments):
    return subprocess.run([sys.executable, '-m', 'torchcrepe.export', *arguments],
                          capture_output=True, text=True)


@needs_onnx
@needs_onnxruntime
def test_cli(tmp_path):
    result = cli('tiny', str(tmp_path / 'tiny.onnx'))
    assert result.returncode == 0, result.stderr
    assert 'tiny.onnx' in result.stdout and 'MB' in result.stdout
    session = onnxruntime.InferenceSession(str(tmp_path / 'tiny.onnx'))
    assert session.get_modelmeta().custom_metadata_map['capacity'] == 'tiny'


@pytest.mark.parametrize('arguments, message', [
    (['huge', 'x.onnx'], "invalid choice: 'huge'"),
    (['tiny', 'x.txt'], 'PATH must end in .onnx or .mlpackage'),
    (['tiny'], 'give MODEL and PATH'),
    (['tiny', 'x.onnx', '--precision', 'float16'], 'Core ML'),
    (['tiny', 'x.onnx', '--opset', '11'], '--opset must be at least 18'),
    (['--all', 'missing-directory'], 'is not a directory'),
])
def test_cli_usage_errors(tmp_path, arguments, message):
    result = subprocess.run([sys.executable, '-m', 'torchcrepe.export', *arguments],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and 'Traceback' not in result.stderr
    assert os.listdir(tmp_path) == []


###############################################################################
# backend='onnx'
###############################################################################


@pytest.fixture(scope='module')
def example():
    return torchcrepe.load.audio(EXAMPLE)


@needs_onnx
@needs_onnxruntime
def test_backend_onnx_gives_the_same_pitch(example):
    audio, rate = example
    for decoder in (torchcrepe.decode.viterbi, torchcrepe.decode.weighted_viterbi):
        results = []
        for backend in ('torch', 'onnx'):
            torch.manual_seed(0)  # viterbi dithers its bins, as 0.0.24
            results.append(torchcrepe.predict(
                audio, rate, model='tiny', decoder=decoder,
                return_periodicity=True, backend=backend))
        (pitch, periodicity), (onnx_pitch, onnx_periodicity) = results
        assert pitch.shape == onnx_pitch.shape
        cents = 1200 * torch.log2(onnx_pitch / pitch).abs()
        assert cents.max() < 1e-3
        assert (onnx_periodicity - periodicity).abs().max() < 1e-5


@needs_onnx
@needs_onnxruntime
def test_backend_onnx_infer_and_embed(frames, example):
    with torch.no_grad():
        expected = torchcrepe.infer(frames, 'small')
    result = torchcrepe.infer(frames, 'small', backend='onnx')
    assert result.shape == expected.shape
    assert (result - expected).abs().max() <= 1e-5
    audio, rate = example
    embedding = torchcrepe.embed(audio[:, :rate], rate, model='tiny', backend='onnx')
    reference = torchcrepe.embed(audio[:, :rate], rate, model='tiny')
    assert embedding.shape == reference.shape == (1, 101, 32, 8)
    assert (embedding - reference).abs().max() <= 1e-4


@needs_onnx
@needs_onnxruntime
def test_backend_onnx_batch_size_independent(example):
    audio, rate = example
    audio = audio[:, :rate]
    pitch = [torchcrepe.predict(audio, rate, model='tiny', batch_size=size,
                                decoder=torchcrepe.decode.weighted_viterbi,
                                backend='onnx') for size in (1, 37, None)]
    assert torch.equal(pitch[0], pitch[1]) and torch.equal(pitch[0], pitch[2])


@needs_onnx
@needs_onnxruntime
def test_backend_onnx_from_an_exported_file(exported, frames):
    session = runtime.session('tiny', path=exported('tiny', 'onnx'))
    assert runtime.session('tiny') is session
    with pytest.raises(ValueError, match="holds the 'tiny' capacity, not 'small'"):
        runtime.session('small', path=exported('tiny', 'onnx'))
    with pytest.raises(FileNotFoundError):
        runtime.session('tiny', path='missing.onnx')


@needs_onnx
@needs_onnxruntime
@pytest.mark.parametrize('options, message', [
    (dict(backend='tensorflow'), "backend must be one of 'torch', 'onnx'"),
    (dict(backend='onnx', precision='bfloat16'), 'computes in float32'),
])
def test_backend_bad_options(example, options, message):
    audio, rate = example
    with pytest.raises(ValueError, match=message):
        torchcrepe.predict(audio, rate, model='tiny', **options)


@needs_onnx
@needs_onnxruntime
def test_cli_backend_onnx(tmp_path):
    output = tmp_path / 'pitch.npy'
    result = subprocess.run(
        [sys.executable, '-m', 'torchcrepe', '--audio_files', EXAMPLE,
         '--output_files', str(output), '--model', 'tiny', '--backend', 'onnx',
         '--decoder', 'weighted_viterbi'],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    audio, rate = torchcrepe.load.audio(EXAMPLE)
    expected = torchcrepe.predict(audio, rate, model='tiny',
                                  decoder=torchcrepe.decode.weighted_viterbi)
    cents = 1200 * np.abs(np.log2(np.load(output) / expected.numpy()))
    assert cents.max() < 1e-3
