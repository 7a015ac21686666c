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
# Removed after merging the arrays-api and fuzz-fixes branches (lead, 00:40):
# nan_maxmin (with the NaN convention of docs/conventions.md), bool_arith,
# int_array, helper_in_while, nested_return.
# Removed on branch fuzz: float_copy_write (O = X * 1.0 of an integer X
# simplified to X, then item writes truncated; fixed in optimize/passes.py).
# Removed after merging main with fwdarr (05:30): np_sum_list (the Hessian
# through np.sum of a scalar is refused there, no longer silently wrong).
KNOWN_OPEN: dict = {}  # empty: every class found so far is fixed or refused

#: checkers the CI profile leaves out, with the open classes they find (the
#: long run, ``python -m tests.fuzz.run``, runs them; ``--ci-features`` not)
KNOWN_OPEN_CHECKS: dict = {}  # empty: the array-api checker's classes (session 5) are fixed


def scalar_features() -> set:
    from .scalar import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)


def array_features() -> set:
    from .arrays import ALL_FEATURES
    return ALL_FEATURES - set(KNOWN_OPEN)
