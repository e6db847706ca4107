"""Page routes (server-rendered HTML + HTMX). Thin: they call services only."""

from fourflow.web.routes import (
    audit,
    contracts,
    developer,
    financing,
    funds,
    home,
    insights,
    insurance,
    invitations,
    loans,
    mailbox,
    monitoring,
    operations,
    organisations,
    risk,
    sign_in,
    trade_data,
)

routers = [sign_in.router, home.router, organisations.router, invitations.router,
           funds.router, financing.router, loans.router, insights.router, trade_data.router, risk.router,
           operations.router, insurance.router, monitoring.router, developer.router, audit.router,
           mailbox.router, contracts.router]
