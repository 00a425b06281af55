"""What an operator watches: the outcome of periodic checks (ledger verify, ...) kept for metrics."""
