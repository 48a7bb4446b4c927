def f_grad(x, y, out_bar=1.0):
    x_times_x = x * x
    # adjoint of line 7: return x * x * y + y + 2
    y_bar = out_bar + out_bar * x_times_x
    x_bar = 2 * x * (out_bar * y)
    return x_bar, y_bar
