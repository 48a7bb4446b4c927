def z_sum_grad(x, out_bar=1.0):
    y = x * x
    u = sourcead.stop_gradient(y)
    # adjoint of line 11: z = u * x
    x_bar = out_bar * u
    return x_bar
