"""Folder mode's parts, bottom to top: base (the rest of torchcrepe),
listing, reading (worker processes), tracking (cross-file batching),
outputs, local (the local engine), driver (one run: skip, log, summarise).
torchcrepe.folder and torchcrepe.distributed build on them."""
