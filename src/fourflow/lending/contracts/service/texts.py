"""The wording of the contract template, marked for translation. The PDF prints each text in the
seller's language first and the other language beneath it."""

from __future__ import annotations

from fourflow.core.i18n import N_

TITLE = N_("Financing agreement")
CONTRACT_NUMBER = N_("Contract number {number}")
PARTIES = N_("Parties")
LENDER = N_("Lender")
BORROWER = N_("Borrower")
REGISTERED_ADDRESS = N_("Registered address")
REGISTRATION_NUMBER = N_("Registration number")
KEY_TERMS = N_("Key terms")
PRODUCT = N_("Product")
PRINCIPAL = N_("Principal")
CURRENCY = N_("Currency")
ANNUAL_INTEREST_RATE = N_("Annual interest rate")
ANNUAL_PERCENTAGE_RATE = N_("Annual percentage rate (APR)")
FEES = N_("Fees")
INSURANCE = N_("Insurance")
INSURANCE_NOTE = N_("Optional; each premium is charged to the loan's fees at disbursement and is not "
                    "included in the APR.")
NO_FEES = N_("No fees")
TERM = N_("Term")
TERM_DAYS = N_("{days} days")
DISBURSEMENT_DATE = N_("Disbursement date")
MATURITY_DATE = N_("Maturity date")
TOTAL_INTEREST = N_("Total interest")
TOTAL_FEES = N_("Total fees")
TOTAL_INSTALMENTS = N_("Total of instalments")
REPAYMENT_METHOD = N_("Repayment method")
USE_OF_FUNDS = N_("Use of funds")
GOVERNING_LAW = N_("Governing law")
SCHEDULE = N_("Repayment schedule")
INSTALMENT_NUMBER = N_("No.")
DUE_DATE = N_("Due date")
INTEREST = N_("Interest")
INSTALMENT = N_("Instalment")
TOTAL = N_("Total")
COST_OF_CREDIT = N_("Cost of credit")
APR_DISCLOSURE = N_(
    "The annual percentage rate (APR) of {apr} is the total cost of the credit expressed as a yearly "
    "rate. It includes the interest at {rate} a year and all fees ({fees}). The total cost of the "
    "credit is {cost} on a principal of {principal} over {days} days.")
CONDITIONS = N_("Terms and conditions")
CLAUSES = (
    N_("1. Disbursement. The lender pays the principal to the borrower on the disbursement date, "
       "once the conditions of the offer are met."),
    N_("2. Repayment. The borrower pays each instalment on its due date by the repayment method "
       "above. The borrower may repay early at any time without penalty."),
    N_("3. Use of funds. The borrower uses the principal only as stated above and keeps records "
       "that show it."),
    N_("4. Late payment. An instalment not paid on its due date is overdue; the lender may then "
       "collect it from the borrower's payouts and demand the whole outstanding amount."),
    N_("5. Electronic signature. Both parties sign this agreement electronically. A signature "
       "that verifies against the Fourflow platform certificate authority, with its timestamp, "
       "binds its signer as a handwritten signature would."),
    N_("6. Languages. This agreement is written in English and Chinese; both versions have equal "
       "effect."),
)
SIGNATURES = N_("Signatures")
SIGNATURES_NOTE = N_(
    "Signed electronically with PAdES signatures and RFC 3161 timestamps. Anyone can check the "
    "signatures at /contracts/verify or with the command fourflow contracts verify.")
FOR_BORROWER = N_("For the borrower")
FOR_LENDER = N_("For the lender")
SIGNATURE_FIELD_NOTE = N_("Electronic signature")
PAGE = N_("Page {page}")
