"""Errors of the scorecard method, named <Noun><Problem>.

Messages are msgids with ``{name}`` parameters so a risk officer (or the ``validate-model``
command) reads which file, column or value is wrong in their own language.
"""

from __future__ import annotations

from fourflow.core.errors import NotFound, ValidationFailed
from fourflow.core.i18n import N_


class TrainingFileNotFound(NotFound):
    code = "training_file_not_found"
    message = N_("The file {path} does not exist.")


class TrainingFileUnreadable(ValidationFailed):
    code = "training_file_unreadable"
    message = N_("The file {path} cannot be read as CSV: {problem}")


class ColumnMissing(ValidationFailed):
    code = "column_missing"
    message = N_("The column {column} is not in the data; the columns are: {columns}.")


class BadValueAbsent(ValidationFailed):
    code = "bad_value_absent"
    message = N_("No row has the value {value} in the column {column}; the values there are: {values}.")


class TargetSingleClass(ValidationFailed):
    code = "target_single_class"
    message = N_("The column {column} must have both bad and good rows; every row is {kind}.")


class TrainingDataTooSmall(ValidationFailed):
    code = "training_data_too_small"
    message = N_("The data has {rows} rows, {bad} of them bad; at least {minimum_rows} rows and "
                 "{minimum_per_class} bad and {minimum_per_class} good rows are needed.")


class TargetNotBinary(ValidationFailed):
    code = "target_not_binary"
    message = N_("The target must be 1 for bad and 0 for good; it also holds {values}.")


class NoPredictiveCharacteristic(ValidationFailed):
    code = "no_predictive_characteristic"
    message = N_("No column predicts the target well enough to build a scorecard "
                 "(the least information value kept is {minimum}).")


class ScorecardModelInvalid(ValidationFailed):
    code = "scorecard_model_invalid"
    message = N_("The scorecard model is not valid: {problem}")


class CharacteristicValueInvalid(ValidationFailed):
    code = "characteristic_value_invalid"
    message = N_("The value {value} of {characteristic} is not a number.")


class DateColumnInvalid(ValidationFailed):
    code = "date_column_invalid"
    message = N_("The column {column} has {count} values that are not dates.")


class MetricUndefined(ValidationFailed):
    code = "metric_undefined"
    message = N_("The {metric} cannot be computed: {problem}.")


class DriftReferenceInvalid(ValidationFailed):
    code = "drift_reference_invalid"
    message = N_("The drift reference of the model card is not valid: {problem}")
