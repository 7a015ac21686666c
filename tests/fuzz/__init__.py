"""The program fuzzer: grammars that write whole Python functions (scalar and
NumPy), checkers that run every applicable transform on them, and an
independent finite-difference oracle under a time budget.

* :mod:`.choose`  -- where the random decisions come from (a seed, or hypothesis)
* :mod:`.scalar`  -- scalar programs (control flow, helpers, defaults, recursion, ...)
* :mod:`.scalar_forms` -- its lists, closures over locals, keyword-only and ``*args`` helpers
* :mod:`.arrays`  -- NumPy programs (broadcasting, reductions, views, in-place, loops)
* :mod:`.arrays_forms` -- its generators, lists, closures, ``while True``, item writes
* :mod:`.oracle`  -- central differences with a step check, and a time budget
* :mod:`.check`   -- one program through every checker, classified
* :mod:`.known`   -- ``KNOWN_OPEN``: the grammar features CI leaves out until fixed
* :mod:`.run`     -- the long run: ``python -m tests.fuzz.run --count 10000``
"""
