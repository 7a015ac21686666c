"""The help of ``adc``: an example epilogue for every subcommand and the
wording of FILE, kept in one place so the subcommands (each registered by its
own module) read alike.  tests/test_cli_errors.py runs the examples."""
from __future__ import annotations

import argparse


#: an example epilogue for each subcommand's --help
EXAMPLES = {
    "compile": """examples:
  adc compile model.py                     # every function that can be differentiated
  adc compile model.py -f f --wrt x,y      # the gradient of f by x and y
  adc compile model.py -f loss --shapes w=3,X=100x3 -o loss_grad.py
  adc compile model.py -f f --mode forward # tangent (forward-mode) code
  adc compile model.py -f f --order 2      # second derivatives (Hessian)
  adc compile model.py -f cost --star-args 2   # def cost(x, *args): two values in args
  adc compile model.py -o - | python -     # the module on stdout, uncoloured
  adc compile model.py -f f --dump-ir      # the IR the emitter receives
  adc compile model.py -f f --dump-ir --after reverse   # the IR after a pass""",
    "wengert": """examples:
  adc wengert examples/seed002.py -f f
  adc wengert examples/seed002.py -f f --ascii""",
    "trace": """examples:
  adc trace examples/seed002.py -f f --at x1=2,x2=5
  adc trace examples/seed002.py -f f --at x1=2,x2=5 --mode forward --seed x1
  adc trace examples/seed002.py -f f --at 2,5 --mode reverse""",
    "graph": """examples:
  adc graph examples/seed002.py -f f                      # DOT text on stdout
  adc graph examples/seed002.py -f f --partials -o f.svg  # needs Graphviz dot""",
    "swell": """examples:
  adc swell --family logistic --sweep n=1..8
  adc swell examples/logistic.py -f logistic --sweep n=1..10 --plot swell.png
  adc swell --docs docs                                   # regenerate docs/swell.md""",
}

#: the help of the FILE argument every subcommand shares
FILE_HELP = "a Python source file; it is read and parsed, never imported or run"


def describe(sub) -> None:
    """Every subcommand gets its examples and the FILE help (the other
    modules register their own arguments; the wording is kept here)."""
    for name, p in sub.choices.items():
        p.epilog = EXAMPLES.get(name)
        p.formatter_class = argparse.RawDescriptionHelpFormatter
        for action in p._actions:
            if action.dest == "file":
                action.metavar = "FILE"
                action.help = action.help or FILE_HELP
