# expect: CompileError
# message: name 'undefined_thing' is not defined
# line: 5
def f(x):
    return x * undefined_thing
