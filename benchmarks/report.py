"""What the benchmark scripts share: publishing their results, and the
network's work per frame."""
import torchcrepe
from torchcrepe.files import atomic_write


def publish(text, path=None):
    """Print `text`; also write it to `path` when one is given"""
    print(text)
    save(text, path)


def save(text, path):
    """Write `text` (newline-terminated) to `path`, if any, atomically: an
    interrupted run leaves the previous file as it was"""
    if path:
        with atomic_write(path, 'w') as file:
            file.write(text if text.endswith('\n') else text + '\n')


def flops_per_frame(capacity):
    """Multiply-adds x 2 of one frame through the network, as it runs

    Counts the taps each block's kernel keeps (`model.kernel_taps`), the
    output length of each conv (256 after the stride-4 first block, then
    the block's input length: 'same' padding) and the classifier.
    """
    model = torchcrepe.model
    outputs = model.channels(capacity)
    inputs = (1,) + outputs[:-1]
    total = 0
    for i, (c_in, c_out) in enumerate(zip(inputs, outputs), 1):
        taps = len(range(model.KERNEL_SIZES[i - 1])[model.kernel_taps(i)[0]])
        length = model.INPUT_LENGTHS[i - 1] // model.STRIDES[i - 1]
        total += 2 * c_in * c_out * taps * length
    return total + 2 * model.in_features(capacity) * torchcrepe.PITCH_BINS
