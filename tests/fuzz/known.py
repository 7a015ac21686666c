"""``KNOWN_OPEN``: grammar features the CI-profile fuzz tests leave out, each
with the open issue item it waits for.

This is the ONE place where a known failure class may be excluded.  The long
run (``python -m tests.fuzz.run``) ignores it and generates every feature.
When the fixes for an item are merged, delete its entries here: CI then
fuzzes those constructs too.  Feature names are the ones the grammars tag
(:mod:`.scalar`, :mod:`.arrays`).
"""

# Removed after merging main at f900686 (issue 12 items 1-3 fixed for arrays;
# 600 NumPy programs with these features: 0 wrong, 0 internal): self_index,
# alias_inplace, array_inplace, setitem, expm1.
KNOWN_OPEN: dict = {
    # feature tag -> what it waits for (issue 12 item; NEW = notes/fuzz-findings.md)
    "range_self": "issue 12 item 4: for k in range(k) inside another loop",
    "and_or_value": "issue 12 item 6: and/or used as values",
    "nan_maxmin": "issue 12 item 7: max/min with NaN",
    "nan_point": "issue 12 item 7: a NaN input reaching max/min",
    "name_collision": "issue 12 item 8: user names that emitted code also uses",
    "helper_collision": "issue 12 item 8: a helper named h1_fwd/h1_bwd/h1_jvp beside h1",
    "bool_arith": "issue 12 item 9: a bool-valued product comes back as the gradient True",
    "int_point": "issue 12 item 9: integer inputs",
    "int_array": "issue 12 item 9: integer arrays (int gradients, UFuncTypeError)",
    "global_rebind": "issue 12 item 10: stale globals",
    "fabs": "issue 12 crashes: math.fabs emitted as math.abs",
    "loop_var_reuse": "NEW (fuzz-findings 1): a parameter reused as a loop index in a branch",
    "helper_in_while": "NEW (fuzz-findings 2, 3): helpers called inside control flow: "
                       "jacobian NameError (while loops, branches, after an early return); "
                       "a wrong, asymmetric hessian (a helper called in a list loop)",
}


def scalar_features() -> set:
    from .scalar import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)


def array_features() -> set:
    from .arrays import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)
