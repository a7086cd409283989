"""Data layer: loading, validation, the Dataset and histories."""

from whyrec.data.catalog import AttributeTable, Catalog
from whyrec.data.dataset import Dataset, EventLog, build_dataset
from whyrec.data.filters import ItemFilter
from whyrec.data.history import History, HistoryBatch
from whyrec.data.idmap import IdMap
from whyrec.data.loading import DataSource, load_dataset
from whyrec.data.schema import EventWeights
from whyrec.data.validation import CleaningReport

__all__ = [
    "AttributeTable",
    "Catalog",
    "CleaningReport",
    "DataSource",
    "Dataset",
    "EventLog",
    "EventWeights",
    "History",
    "HistoryBatch",
    "IdMap",
    "ItemFilter",
    "build_dataset",
    "load_dataset",
]
