"""Datasets: sources per format, canonical chunks, typing, fingerprints, the full-load guard."""

from .chunks import DEFAULT_CHUNK_ROWS, Chunk
from .dataset import ColumnInfo, Dataset, open_dataset, validate_name

__all__ = ["DEFAULT_CHUNK_ROWS", "Chunk", "ColumnInfo", "Dataset", "open_dataset", "validate_name"]
