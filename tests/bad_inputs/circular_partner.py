# expect: CompileError
# message: circular import (circular_partner.py -> circular_import.py -> circular_partner.py)
# line: 7
# function: g
# api: skip
# why: the partner of circular_import.py; each file is refused where its cycle starts
from circular_import import f


def g(x):
    return f(x) + 1
