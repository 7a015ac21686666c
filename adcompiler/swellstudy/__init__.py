"""The expression-swell study: sympy's symbolic derivative against the compiler's, measured."""
