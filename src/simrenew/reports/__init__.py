"""Reports for finance and the operator: read-only aggregates of the ledger, orders and refunds, each
a table with a chart, and the monthly commission statement per retailer."""
