# expect: CompileError
# message: wrt=W is not a literal
# line: 13
# api: skip
# why: the API reads W's value; the command line never runs the file
from adcompiler import grad

W = "x"


# the CLI takes @grad(wrt=...) from the source: only literals can be read
# without running the file
@grad(wrt=W)
def f(x):
    return x * x
