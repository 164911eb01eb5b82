"""infer and predict under every autograd mode: no_grad, inference_mode,
gradients through the network (CREPE as a pitch or perceptual loss).

Gradients are checked against 0.0.24's network as SPEC.md section 2 states
it (2-D convolutions on zero-padded maps, ReLU, batch norm, max-pool),
computed here from the bundled state dict.
"""
import subprocess
import sys
import textwrap
import threading

import pytest
import torch
import torch.nn.functional as F

import torchcrepe
import torchcrepe.hardware
from torchcrepe import folded as folded_module
from torchcrepe import model as crepe_model
from torchcrepe import weights


def network_0024(state, frames, embed=False):
    """0.0.24's forward pass on (N, 1024) frames with a state dict"""
    x = frames[:, None, :, None]
    for i in range(1, 7):
        before, after = crepe_model.PADDINGS[i - 1]
        x = F.pad(x, (0, 0, before, after))
        x = F.conv2d(x, state[f'conv{i}.weight'], state[f'conv{i}.bias'],
                     stride=(crepe_model.STRIDES[i - 1], 1))
        x = F.batch_norm(F.relu(x), state[f'conv{i}_BN.running_mean'],
                         state[f'conv{i}_BN.running_var'], state[f'conv{i}_BN.weight'],
                         state[f'conv{i}_BN.bias'], False, 0., crepe_model.BATCH_NORM_EPS)
        x = F.max_pool2d(x, (2, 1), (2, 1))
        if embed and i == 5:
            return x
    x = x.permute(0, 2, 1, 3).reshape(x.size(0), -1)
    return torch.sigmoid(F.linear(x, state['classifier.weight'], state['classifier.bias']))


def input_gradient(function, frames, projection):
    """d(sum(function(frames) * projection)) / d frames"""
    frames = frames.clone().requires_grad_(True)
    output = function(frames)
    assert output.requires_grad
    (gradient,) = torch.autograd.grad((output * projection).sum(), frames)
    return gradient


def assert_close(gradient, reference, tolerance=1e-4):
    """Within `tolerance` of the reference's largest magnitude"""
    scale = reference.abs().max()
    assert scale > 0
    assert (gradient - reference).abs().max() <= tolerance * scale


@pytest.mark.parametrize('capacity, embed', [
    ('tiny', False), ('tiny', True), ('full', False), ('full', True)])
def test_gradient_through_infer_equals_0024(frames, capacity, embed):
    # tones, vibrato and noise; full's backward pass is costly: 2 frames
    batch = frames[::32] if capacity == 'tiny' else frames[[3, 100]]
    state = weights.state_dict(capacity)
    output = network_0024(state, batch, embed)
    projection = torch.randn(output.shape, generator=torch.Generator().manual_seed(1))
    reference = input_gradient(lambda x: network_0024(state, x, embed), batch, projection)
    ours = input_gradient(lambda x: torchcrepe.infer(x, capacity, embed=embed), batch,
                          projection)
    assert ours.shape == batch.shape
    assert_close(ours, reference)


def test_frozen_loss_network_pattern(frames):
    """0.0.24's way: load the model, call infer.model, backpropagate into
    the frames; the same gradient as through infer"""
    torchcrepe.load.model('cpu', 'tiny')
    network = torchcrepe.infer.model
    network.requires_grad_(False)
    try:
        projection = torch.linspace(-1, 1, 360)
        direct = input_gradient(network, frames[:8], projection)
        through_infer = input_gradient(lambda x: torchcrepe.infer(x, 'tiny'),
                                       frames[:8], projection)
        # infer runs whole blocks of 128 frames: rounding may differ
        assert_close(through_infer, direct, tolerance=1e-5)
        assert all(parameter.grad is None for parameter in network.parameters())
    finally:
        network.requires_grad_(True)


def test_weights_get_gradients_when_the_network_runs_plain(frames):
    torchcrepe.load.model('cpu', 'tiny')
    network = torchcrepe.infer.model
    network.zero_grad()
    x = frames[:4].clone().requires_grad_(True)
    torchcrepe.infer(x, 'tiny').sum().backward()
    assert network.classifier.weight.grad is not None
    assert x.grad is not None and x.grad.abs().sum() > 0
    network.zero_grad()


def test_no_gradient_needed_runs_folded_and_equal(frames):
    """Frames that need no gradient take the folded path: no graph, and
    the same numbers under no_grad, inference_mode and grad mode"""
    with torch.no_grad():
        expected = torchcrepe.infer(frames[:40], 'tiny')
    plain = torchcrepe.infer(frames[:40], 'tiny')
    assert plain.grad_fn is None and torch.equal(plain, expected)
    with torch.inference_mode():
        inferred = torchcrepe.infer(frames[:40], 'tiny')
    assert inferred.is_inference() and torch.equal(inferred, expected)
    # The gradient path is 0.0.24's computation: the same numbers to
    # float32 rounding
    differentiable = torchcrepe.infer(frames[:40].clone().requires_grad_(True), 'tiny')
    assert (differentiable.detach() - expected).abs().max() < 1e-5


def test_folded_network_refuses_gradients(frames):
    folded = folded_module.FoldedCrepe(weights.crepe('tiny'))
    with pytest.raises(RuntimeError, match='no gradients'):
        folded(frames[:2].clone().requires_grad_(True))


def test_bfloat16_gradient(frames, monkeypatch):
    """precision='bfloat16' with gradients runs a plain bfloat16 copy; the
    model itself stays float32. bfloat16 keeps 8 bits of mantissa, and a
    gradient also flips with every ReLU and max-pool decision that rounding
    moves, so it is compared by direction: measured cosine similarity 0.94
    to 0.999 per frame against float32 on these frames"""
    monkeypatch.setattr(torchcrepe.hardware, 'native_bfloat16', lambda device='cpu': True)
    projection = torch.linspace(-1, 1, 360)
    exact = input_gradient(lambda x: torchcrepe.infer(x, 'tiny'), frames[:8], projection)
    reduced = input_gradient(
        lambda x: torchcrepe.infer(x, 'tiny', precision='bfloat16'), frames[:8], projection)
    assert reduced.dtype == torch.float32
    assert next(torchcrepe.infer.model.parameters()).dtype == torch.float32
    assert (F.cosine_similarity(reduced, exact, dim=1) > .9).all()


def test_onnx_backend_refuses_gradients(frames):
    pytest.importorskip('onnxruntime')
    with pytest.raises(torchcrepe.ParameterError, match="backend='onnx'"):
        torchcrepe.infer(frames[:2].clone().requires_grad_(True), 'tiny', backend='onnx')


def test_model_made_under_inference_mode(frames):
    """A network whose weights are inference tensors (no version counter)
    runs, and a change to its weights is never served stale"""
    with torch.inference_mode():
        network = weights.crepe('tiny')
        network.conv1.weight.add_(0)  # an inference tensor, written in place
    own = torchcrepe.model.Crepe('tiny')
    with torch.inference_mode():
        own.load_state_dict(network.state_dict())
        own.eval()
    try:
        torchcrepe.infer.model, torchcrepe.infer.capacity = own, 'tiny'
        before = torchcrepe.infer(frames[:4], 'tiny')
        with torch.inference_mode():
            own.classifier.bias.add_(1.)
        after = torchcrepe.infer(frames[:4], 'tiny')
        assert (after > before).all()
    finally:
        torchcrepe.infer.model = None


def test_threads_in_different_modes(frames):
    """Autograd modes are per thread: threads in inference_mode, no_grad
    and grad mode share infer at once"""
    torchcrepe.infer.model = None
    with torch.no_grad():
        expected = torchcrepe.infer(frames[:8], 'tiny')
    torchcrepe.infer.model = None
    results = {}

    def inference():
        with torch.inference_mode():
            results['inference'] = torchcrepe.infer(frames[:8], 'tiny').clone()

    def gradient():
        x = frames[:8].clone().requires_grad_(True)
        results['gradient'] = torchcrepe.infer(x, 'tiny')
        results['gradient'].sum().backward()
        results['grad'] = x.grad

    threads = [threading.Thread(target=work) for work in (inference, gradient)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert torch.equal(results['inference'], expected)
    assert (results['gradient'].detach() - expected).abs().max() < 1e-5
    assert results['grad'].abs().sum() > 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_gradient_on_cuda(frames):
    projection = torch.linspace(-1, 1, 360)
    cpu = input_gradient(lambda x: torchcrepe.infer(x, 'tiny'), frames[:8], projection)
    cuda = input_gradient(lambda x: torchcrepe.infer(x, 'tiny', 'cuda'), frames[:8].cuda(),
                          projection.cuda())
    assert_close(cuda.cpu(), cpu, tolerance=1e-3)
    with torch.inference_mode():
        assert torchcrepe.infer(frames[:8].cuda(), 'tiny', 'cuda').is_cuda


FRESH = '''
import numpy as np, torch, torchcrepe
audio = torch.from_numpy(np.sin(2 * np.pi * 220 * np.arange(8000) / 16000)
                         .astype(np.float32))[None]
frames = next(torchcrepe.preprocess(audio, 16000))
{first}
with torch.no_grad():
    expected = torchcrepe.infer(frames, 'tiny')
with torch.inference_mode():
    assert torch.equal(torchcrepe.infer(frames, 'tiny'), expected)
x = frames.clone().requires_grad_(True)
torchcrepe.infer(x, 'tiny').sum().backward()
assert x.grad.abs().sum() > 0
for decoder in ('viterbi', 'weighted_argmax'):
    decoder = torchcrepe.decode.DECODERS[decoder]
    torch.manual_seed(0)
    with torch.inference_mode():
        inside = torchcrepe.predict(audio, 16000, model='tiny', decoder=decoder,
                                    return_periodicity=True)
    torch.manual_seed(0)
    outside = torchcrepe.predict(audio, 16000, model='tiny', decoder=decoder,
                                 return_periodicity=True)
    assert all(torch.equal(a, b) for a, b in zip(inside, outside))
print('ok')
'''

FIRST_CALLS = {
    # infer's first call loads the model as load.model does
    'infer': "with torch.inference_mode():\n    torchcrepe.infer(frames, 'tiny')",
    'predict': "with torch.inference_mode():\n"
               "    torchcrepe.predict(audio, 16000, model='tiny')",
}


@pytest.mark.parametrize('first', FIRST_CALLS)
def test_first_call_inside_inference_mode(first):
    """In a fresh interpreter, whatever is loaded or made by a first call
    inside inference_mode serves calls in every mode afterwards, and
    predict gives the same numbers inside and outside it"""
    script = FRESH.format(first=FIRST_CALLS[first])
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(script)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith('ok')


def test_readme_example_runs():
    """The README's Autograd example, as written"""
    import os
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          'README.md')
    with open(readme, encoding='utf-8') as file:
        text = file.read()
    section = text[text.index('### Autograd'):]
    code = section[section.index('```python\n') + 10:section.index('\n```\n')]
    namespace = {}
    try:
        exec(compile(code, 'README.md', 'exec'), namespace)
    finally:
        torchcrepe.infer.model.requires_grad_(True)
    generated = namespace['generated']
    assert generated.grad.shape == (16000,) and generated.grad.abs().sum() > 0
