# expect: CompileError
# message: os.getcwd
# line: 8
import os


def f(x):
    return x * len(os.getcwd())
