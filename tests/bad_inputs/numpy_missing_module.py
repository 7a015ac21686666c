# expect: CompileError
# message: no module named 'numpy.nonexistent'
# line: 6
# api: skip
# why: importing the file fails (ModuleNotFoundError) before the API sees f
from numpy.nonexistent import x


def f(y):
    return y * x
