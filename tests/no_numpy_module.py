"""Plain Python with no NumPy import: sourcead's generated code imports NumPy itself where it
needs it (here for the maximum of a list)."""


def largest_loss(x, y):
    losses = []
    for i in range(3):
        losses.append((x - i) ** 2 * y)
    return max(losses) + min(losses) + sum(losses)


def smallest_pair(x, y):
    return min((x * y, y + 1.0)) + max([x, 2.0 * y, x * x])
