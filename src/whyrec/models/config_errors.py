"""Translating pydantic's validation errors on a model's hyperparameters into one ConfigError."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from whyrec.errors import ConfigError

if TYPE_CHECKING:
    from whyrec.models.base import ModelConfig

__all__ = ["config_error"]


def config_error(model: str, config_class: type[ModelConfig], error: ValidationError) -> ConfigError:
    """Turn pydantic's error into one ConfigError that names the parameter and the valid ones."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    valid = sorted({f.alias or name for name, f in config_class.model_fields.items()} | set(config_class.model_fields))
    if first["type"] == "extra_forbidden":
        message = f"{model}: unknown parameter {field!r}; valid parameters: {', '.join(valid)}."
    else:
        message = f"{model}: parameter {field!r}: {first['msg']}. Got {first.get('input')!r} instead."
    return ConfigError(message, source="params", field=field, allowed=tuple(valid))
