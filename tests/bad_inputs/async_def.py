# expect: CompileError
# message: async def is not supported
# line: 4
async def f(x):
    return x
