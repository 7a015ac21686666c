"""Source to IR: reading the user's source, desugaring, name resolution, lowering to SSA, inlining helpers."""
