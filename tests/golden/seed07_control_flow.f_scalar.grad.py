def f_scalar_grad(a, c_bar=1.0):
    b = a * 2
    abs_b = abs(b)
    abs_b_lt_1000 = abs_b < 1000
    trips = 0
    while abs_b_lt_1000:
        trips = trips + 1
        b = b * 2
        abs_b = abs(b)
        abs_b_lt_1000 = abs_b < 1000
    b_gt_0 = b > 0
    if b_gt_0:
        # adjoint of line 14: c = b
        b_bar = c_bar
    else:
        # adjoint of line 16: c = 100 * b
        b_bar = c_bar * 100
    for _ in range(trips):
        # adjoint of line 12: b = b * 2
        b_bar = b_bar * 2
    # adjoint of line 10: b = a * 2
    a_bar = b_bar * 2
    return a_bar
