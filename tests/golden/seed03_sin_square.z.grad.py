def z_grad(x, out_bar=1.0):
    x_pow_2 = x ** 2
    # adjoint of line 9: return math.sin(x ** 2)
    x_bar = out_bar * math.cos(x_pow_2) * (2 * x)
    return x_bar
