"""Building blocks of scenario settings: a strict pydantic base and common number types.

Kept apart from sim/scenario.py so strategy modules can declare their own settings
without importing the whole scenario (which imports them).
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class FieldProblem(ValueError):
    """A check across several values, naming the field (below the section) at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are checked.

    Numbers must be finite and written as numbers: TOML text ``"20"`` or ``true`` is not
    silently read as 20 or 1.
    """

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        kind = cls.model_fields[info.field_name].annotation
        if kind in (int, float) and isinstance(value, bool | str):
            wanted = "a whole number" if kind is int else "a number"
            raise ValueError(
                f"must be {wanted}, not {'text' if isinstance(value, str) else 'true/false'}"
            )
        return value
