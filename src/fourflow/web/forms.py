"""Helpers for form pages: run a service call in a savepoint so a refused action
leaves nothing behind even though the page itself renders successfully."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from fourflow.core.errors import FourflowError
from fourflow.core.i18n import N_, translate

Result = TypeVar("Result")
Model = TypeVar("Model", bound=BaseModel)

FIELD_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("This value is too long."),
    "value_error": N_("This value is not valid."),
    "enum": N_("Choose one of the allowed values."),
    "string_pattern_mismatch": N_("This value has the wrong format."),
    "too_short": N_("Choose at least one."),
}


def attempt(session: Session, action: Callable[[], Result]) -> tuple[Result | None, FourflowError | None]:
    savepoint = session.begin_nested()
    try:
        result = action()
    except FourflowError as error:
        savepoint.rollback()
        return None, error
    savepoint.commit()
    return result, None


def parse_form(model: type[Model], data: dict[str, Any]) -> tuple[Model | None, dict[str, str]]:
    """Validate form fields with the API's own schema; errors keyed by field, localised."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for item in exc.errors():
            field = str(item["loc"][0]) if item["loc"] else "form"
            errors.setdefault(field, translate(FIELD_MESSAGES.get(item["type"],
                                                                  N_("This value is not valid."))))
        return None, errors


def field_errors(error: FourflowError) -> dict[str, str]:
    from fourflow.core.i18n import current_language

    return {error.field or "form": error.localised(current_language())}
