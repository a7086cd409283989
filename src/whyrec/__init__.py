"""whyrec: explainable product recommendation.

Models score any history; explanations are typed objects verified by re-scoring.
"""

from whyrec.data import Dataset, DataSource, History, HistoryBatch, load_dataset
from whyrec.errors import WhyrecError

__version__ = "0.1.0"

__all__ = ["DataSource", "Dataset", "History", "HistoryBatch", "WhyrecError", "__version__", "load_dataset"]
