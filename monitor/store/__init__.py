"""Storage: tables (``models``), engine and transactions (``engine``), migrations (``migrate``),
and the queries the pipeline needs (``leases``, ``poll_reads``, ``poll_commit``, ``outbox``)."""
