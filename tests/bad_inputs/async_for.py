# expect: CompileError
# message: async def is not supported
# line: 10
# function: g
# api-target: g
def f(x):
    return x


async def g(x):
    async for i in x:
        pass
    return x
