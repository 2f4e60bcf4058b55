"""Operating the site: readiness (/readyz) and Prometheus metrics (/prometheus).

Liveness (/healthz) stays in masthead.core.health: it must touch nothing.
"""
