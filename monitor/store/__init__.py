"""Storage: tables (``models``), engine and transactions (``engine``), migrations (``migrate``),
and the queries the pipeline needs (``sources``, ``items``, ``outbox``)."""
