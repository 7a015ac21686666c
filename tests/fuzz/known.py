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
# alias_inplace, array_inplace, setitem, expm1.  Removed after merging main at
# bad57ea (1,000 scalar programs with them and without the entries below: one
# failure, nested_return): and_or_value, nan_point, name_collision,
# helper_collision, global_rebind, fabs, range_self, loop_var_reuse, int_point.
KNOWN_OPEN: dict = {
    # feature tag -> what it waits for (issue 12 item; NEW = notes/fuzz-findings.md)
    "nan_maxmin": "issue 12 item 7: max/min with a NaN constant (NaN gradient where f is "
                  "constant: a zero adjoint times nan)",
    "bool_arith": "issue 12 item 9: a bool-valued product comes back as the gradient True",
    "int_array": "issue 12 item 9: integer arrays (int gradients, UFuncTypeError)",
    "helper_in_while": "NEW (fuzz-findings 2, 3): helpers called inside control flow: "
                       "jacobian NameError (while loops, branches, after an early return); "
                       "a wrong, asymmetric hessian (a helper called in a list loop)",
    "nested_return": "NEW (fuzz-findings 5): forward mode wrong after an early return "
                     "inside a branch followed by a list loop",
}


def scalar_features() -> set:
    from .scalar import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)


def array_features() -> set:
    from .arrays import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)
