def f_grad(x, y, out_bar=1.0):
    x_times_x = x * x
    # adjoint of line 7: return x * x * y + y + 2
    x_times_x_bar = out_bar * y
    y_bar = out_bar + out_bar * x_times_x
    x_bar = x_times_x_bar * x + x_times_x_bar * x
    return x_bar, y_bar
