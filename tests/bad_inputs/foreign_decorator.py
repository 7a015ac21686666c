# expect: CompileError
# message: decorators other than @grad are not supported
# line: 8
def deco(fn):
    return fn


@deco
def f(x):
    return x
