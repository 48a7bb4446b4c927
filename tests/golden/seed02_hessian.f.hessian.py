def f_grad_jvp(x, y, out_bar, x_dot):
    x_times_x_bar = out_bar * y
    x_times_x_bar_times_x = x_times_x_bar * x
    x_times_x_bar_times_x_dot = x_dot * x_times_x_bar
    x_times_x_bar_times_x_1 = x_times_x_bar * x
    x_times_x_bar_times_x_1_dot = x_dot * x_times_x_bar
    x_bar = x_times_x_bar_times_x + x_times_x_bar_times_x_1
    x_bar_dot = x_times_x_bar_times_x_dot + x_times_x_bar_times_x_1_dot
    return x_bar, x_bar_dot
