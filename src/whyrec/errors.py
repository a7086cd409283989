"""Every exception and warning whyrec raises.

One tree, so callers can catch as broadly or as narrowly as they need::

    WhyrecError(Exception)
    ├── DataError(WhyrecError, ValueError)          the input data is wrong
    │   ├── DataFileError                           .path .row .column .value .expected .more_rows
    │   ├── SchemaError                             .path .missing .found
    │   └── UnknownIdError(DataError, KeyError)     .kind ("user" | "item") .ids
    │       └── ItemNotFoundError                   an item the served run does not know   .loc (where in the request)
    ├── ConfigError(WhyrecError, ValueError)        .source .field .allowed
    ├── NotFittedError(WhyrecError, RuntimeError)
    ├── IncompatibleRunError(WhyrecError)           .run_dir .expected_fingerprint .found_fingerprint
    ├── UnsupportedModelError(WhyrecError, TypeError)   an explainer cannot read the model   .method .model .needs
    ├── LLMError                                    .url .status
    │   ├── LLMUnavailableError                     connect error, timeout or 429/5xx after every retry
    │   │   └── LLMTimeoutError                     the call ran out of its time budget
    │   └── LLMResponseError                        a non-retryable status, or a body that is not a chat completion
    ├── StorageError(WhyrecError, RuntimeError)     the database failed; may succeed later   .url .operation
    ├── BatchTooLargeError                          a request carries too much at once   .size .limit
    └── AdminAuthError(WhyrecError, PermissionError)   admin route without the right token   .status
    WhyrecWarning(UserWarning)
    └── DataWarning                                 rows dropped, unknown items

Messages follow one order: where, what was found, what was expected, what to do. A text that the LLM
faithfulness guard rejects is not an error: it is recorded in ``Reason.rejected``.

Each error carries what the REST API answers with: ``http_status``, ``code`` and ``loc`` (where in the
request the bad value was), so the service maps errors without a list of cases::

    error                       http_status  code
    WhyrecError (any other)     503          unavailable
    DataError                   422          invalid_data
    UnknownIdError              404          unknown_<kind> (unknown_item, unknown_tag, ...)
    ConfigError                 422          invalid_setting
    UnsupportedModelError       422          unsupported_method
    BatchTooLargeError          413          batch_too_large
    AdminAuthError              401 / 403    unauthorized / forbidden
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "AdminAuthError",
    "BatchTooLargeError",
    "ConfigError",
    "DataError",
    "DataFileError",
    "DataWarning",
    "IncompatibleRunError",
    "ItemNotFoundError",
    "LLMError",
    "LLMResponseError",
    "LLMTimeoutError",
    "LLMUnavailableError",
    "NotFittedError",
    "SchemaError",
    "StorageError",
    "UnknownIdError",
    "UnsupportedModelError",
    "WhyrecError",
    "WhyrecWarning",
]


class WhyrecError(Exception):
    """Base class of every error whyrec raises on purpose.

    Attributes:
        http_status: the HTTP status the REST API answers with (503: the request may succeed later).
        code: the API's error code, ``{"error": {"code": ...}}``.
        loc: where in the request the bad value was (``("query", "k")``), or None.
    """

    http_status: int = 503
    code: str = "unavailable"
    loc: tuple[str | int, ...] | None = None


class DataError(WhyrecError, ValueError):
    """The input data is wrong."""

    http_status = 422
    code = "invalid_data"


class DataFileError(DataError):
    """A value in a data file cannot be used.

    Attributes:
        path: the file.
        row: 1-based data row (the header is row 0), or None for file-level problems.
        column: the column name, or None.
        value: the offending value, or None.
        expected: what would have been accepted.
        more_rows: other data rows with the same problem (at most a few are listed).
        n_more: how many other rows have it (all of them, listed or not).
        problem: what is wrong, without the place (the message's middle part).
        hint: what to do.
    """

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        expected: str = "",
        more_rows: Sequence[int] = (),
        n_more: int = 0,
        hint: str = "",
    ) -> None:
        self.path = str(path)
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.more_rows = tuple(more_rows)
        self.n_more = n_more
        self.problem = message
        self.hint = hint
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f', column "{column}"'
        text = f"{where}: {message}"
        if expected:
            text += f" Expected {expected}."
        if n_more:
            listed = ", ".join(str(r) for r in self.more_rows) + (", ..." if n_more > len(self.more_rows) else "")
            text += f" {n_more} more row{'s' if n_more != 1 else ''} fail the same way (rows {listed})."
        if hint:
            text += f" {hint}"
        super().__init__(text)


class SchemaError(DataError):
    """A file lacks required columns.

    Attributes:
        path: the file.
        missing: required columns that are absent.
        found: the columns the file has.
    """

    def __init__(self, path: str | Path, missing: Sequence[str], found: Sequence[str], hint: str = "") -> None:
        self.path = str(path)
        self.missing = tuple(missing)
        self.found = tuple(found)
        names = ", ".join(f'"{m}"' for m in self.missing)
        text = f"{self.path} has no column {names}; found: {list(self.found)}."
        text += f" {hint}" if hint else " Rename a column to the required name."
        super().__init__(text)


class UnknownIdError(DataError, KeyError):
    """Ids that the dataset or the model does not know.

    Attributes:
        kind: "user", "item" or "tag".
        ids: the unknown ids (at most the first few).
    """

    http_status = 404

    def __init__(self, kind: str, ids: Sequence[str], *, where: str = "the dataset",
                 n_known: int | None = None) -> None:
        self.kind = kind
        self.code = f"unknown_{kind}"
        self.ids = tuple(ids)
        shown = ", ".join(repr(i) for i in self.ids[:5])
        more = f" and {len(self.ids) - 5} more" if len(self.ids) > 5 else ""
        known = f" ({n_known:,} {kind}s)" if n_known is not None else ""
        self.message = f"{kind.capitalize()} {shown}{more} not in {where}{known}."
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class ItemNotFoundError(UnknownIdError):
    """An item id the served run does not know; ``loc`` says where in the request it was."""

    def __init__(self, ids: Sequence[str], *, where: str, n_known: int, loc: tuple[str | int, ...]) -> None:
        super().__init__("item", ids, where=where, n_known=n_known)
        self.loc = loc


class ConfigError(WhyrecError, ValueError):
    """A setting or parameter is invalid.

    Attributes:
        source: where the setting came from (a flag, a file).
        field: the setting's name.
        allowed: the accepted values, when they form a closed set.
    """

    http_status = 422
    code = "invalid_setting"

    def __init__(self, message: str, *, source: str = "", field: str = "", allowed: Sequence[str] = ()) -> None:
        self.source = source
        self.field = field
        self.allowed = tuple(allowed)
        if field:  # the API takes settings in the query string; only a reload's run_dir comes in the body
            self.loc = ("body" if field == "run_dir" else "query", field)
        super().__init__(message)


class NotFittedError(WhyrecError, RuntimeError):
    """A model was used before `fit`."""

    def __init__(self, model_name: str) -> None:
        super().__init__(f"This {model_name} model is not fitted yet. Call fit(dataset) first.")


class IncompatibleRunError(WhyrecError):
    """A saved run does not belong to the dataset it is loaded against.

    Attributes:
        run_dir: the run directory.
        expected_fingerprint: the fingerprint recorded in the run.
        found_fingerprint: the fingerprint of the dataset at hand.
    """

    def __init__(self, run_dir: str | Path, expected_fingerprint: str, found_fingerprint: str,
                 detail: str = "") -> None:
        self.run_dir = str(run_dir)
        self.expected_fingerprint = expected_fingerprint
        self.found_fingerprint = found_fingerprint
        super().__init__(
            f"Run {self.run_dir} was trained on dataset {expected_fingerprint[:12]}, "
            f"but the dataset given has fingerprint {found_fingerprint[:12]}.{' ' + detail if detail else ''} "
            "Load it with the data it was trained on, or train a new run."
        )


class UnsupportedModelError(WhyrecError, TypeError):
    """An explainer was asked to explain a model it cannot read.

    Attributes:
        method: the explainer's method.
        model: the model's name.
        needs: the capability the model lacks.
    """

    http_status = 422
    code = "unsupported_method"
    loc = ("query", "method")

    def __init__(self, method: str, model: str, needs: str) -> None:
        self.method, self.model, self.needs = method, model, needs
        super().__init__(f"the {method!r} explainer cannot explain {model!r}: it needs a model with {needs}.")


class LLMError(WhyrecError):
    """Base class of the LLM layer's errors.

    Attributes:
        url: the endpoint that was called.
        status: the last HTTP status received, or None when no response came.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class LLMUnavailableError(LLMError):
    """The server could not be reached, or kept answering 429/5xx until the retries ran out."""


class LLMTimeoutError(LLMUnavailableError):
    """The call did not finish within the client's time budget (``timeout_s``)."""


class LLMResponseError(LLMError):
    """The server answered, but with a non-retryable status or a body that is not a chat completion."""


class StorageError(WhyrecError, RuntimeError):
    """The database failed (unreachable, locked for longer than the busy timeout, disk full...).

    Bad input is a `DataError` and a bad URL a `ConfigError`; this one means the request was fine and may
    succeed later (the API answers 503).

    Attributes:
        url: the database URL, with any password hidden.
        operation: what the store was doing.
    """

    def __init__(self, url: str, operation: str, reason: str, *, hint: str = "") -> None:
        self.url = url
        self.operation = operation
        reason = " ".join(reason.split()).rstrip(".?! ")  # drivers' messages span lines
        hint = hint or "Check that the database is reachable and has free space, then retry."
        super().__init__(f"database {url}: {operation} failed: {reason}. {hint}")


class BatchTooLargeError(WhyrecError):
    """A request carries more than the service accepts at once.

    Attributes:
        size: what was sent (events, or bytes).
        limit: the most accepted.
    """

    http_status = 413
    code = "batch_too_large"

    def __init__(self, message: str, *, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(message)


class AdminAuthError(WhyrecError, PermissionError):
    """An admin route was called without the right token.

    Attributes:
        status: 401 (no token sent) or 403 (wrong token, or admin routes off).
    """

    def __init__(self, message: str, *, status: int) -> None:
        self.status = self.http_status = status
        self.code = "unauthorized" if status == 401 else "forbidden"
        super().__init__(message)


class WhyrecWarning(UserWarning):
    """Base class of whyrec's warnings."""


class DataWarning(WhyrecWarning):
    """Something in the data was dropped, merged or is suspicious."""
