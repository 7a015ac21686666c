"""What runs when the user calls a derivative: freshness checks, argument conversion, tracebacks, extras."""
