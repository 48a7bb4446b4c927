def f_jvp(x, y, x_dot, y_dot):
    x_times_x = x * x
    x_times_x_dot = x_dot * x + x_dot * x
    x_times_x_times_y_dot = x_times_x_dot * y + y_dot * x_times_x
    x_times_x_times_y_plus_y_dot = x_times_x_times_y_dot + y_dot
    out = x_times_x * y + y + 2
    return out, x_times_x_times_y_plus_y_dot
