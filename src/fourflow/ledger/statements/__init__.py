"""Bank statement files (ISO 20022 camt.053 and SWIFT MT940) read into plain values."""

from fourflow.ledger.statements.camt053 import parse_camt053
from fourflow.ledger.statements.errors import StatementMalformed
from fourflow.ledger.statements.model import Direction, Statement, StatementBalance, StatementLine
from fourflow.ledger.statements.mt940 import parse_mt940

__all__ = [
    "Direction",
    "Statement",
    "StatementBalance",
    "StatementLine",
    "StatementMalformed",
    "parse_camt053",
    "parse_mt940",
]
