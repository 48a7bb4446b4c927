def f_grad_jvp(x, y, out_bar, x_dot):
    t2_times_x_dot = x_dot * 2
    out_bar_times_y = out_bar * y
    x_bar = 2 * x * out_bar_times_y
    x_bar_dot = t2_times_x_dot * out_bar_times_y
    return x_bar, x_bar_dot
