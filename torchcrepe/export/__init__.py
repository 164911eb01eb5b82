"""Export a capacity's network to ONNX and Core ML for on-device use.

    python -m torchcrepe.export tiny crepe-tiny.onnx
    python -m torchcrepe.export small crepe-small.mlpackage --precision float16
    python -m torchcrepe.export --all exported/

The exported graph is the network only, real-valued end to end:

    input   frames         float32 (batch, 1024)  normalised frames
    output  probabilities  float32 (batch, 360)   sigmoid output per bin
       or   embedding      float32 (batch, 32, E) (output='embedding')

Framing, normalisation and decoding stay outside, in the app (see
`CONTRACT` and the README): they are what `preprocess` and `postprocess`
do here. The formats need the optional extra: pip install 'torchcrepe[export]'.
"""
from ..graphs import (BATCH_RANGE, CONTRACT, FORMATS, INPUT, ONNX_OPSET,
                     OUTPUTS, PRECISIONS, Network, coreml, coreml_model,
                     metadata, network, onnx, onnx_model, output_shape)

__all__ = ['CONTRACT', 'FORMATS', 'OUTPUTS', 'PRECISIONS', 'coreml',
           'metadata', 'network', 'onnx', 'output_shape']
