"""IR to Python: the emitter builds an AST and prints it as readable source."""
