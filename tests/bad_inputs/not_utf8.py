# expect: CompileError
# message: is not valid utf-8
# line: 8
# api: skip
# why: Python refuses to import it too (not UTF-8 and no coding line)
def f(x):
    # a latin-1 byte in a comment, with no coding declaration:
    # café
    return x * x
