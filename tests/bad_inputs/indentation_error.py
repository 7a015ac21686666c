# expect: CompileError
# message: invalid syntax
# line: 7
# api: skip
def f(x):
    y = x
      return y
