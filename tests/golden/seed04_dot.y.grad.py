def y_grad(x, out_bar=1.0):
    # adjoint of line 9: return 2 * np.dot(x, x)
    dot_x_x_bar = out_bar * 2
    x_bar = dot_x_x_bar * x + dot_x_x_bar * x
    return x_bar
