"""Operations: health and readiness, Prometheus metrics, request logs, backup and restore."""
