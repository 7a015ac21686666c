# expect: CompileError
# message: async def is not supported
# line: 8
async def g():
    return 1.0


async def f(x):
    y = await g()
    return x
