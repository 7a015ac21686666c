def logistic(x, n=3):
    l = x
    for i in range(n):
        l = 4 * l * (1 - l)
    return l
