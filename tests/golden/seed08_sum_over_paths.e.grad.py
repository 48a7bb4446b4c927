def e_grad(a, b, out_bar=1.0):
    c = a + b
    d = b + 1
    # adjoint of line 9: return c * d
    c_bar = out_bar * d
    d_bar = out_bar * c
    # adjoint of line 7: c = a + b
    b_bar = d_bar + c_bar
    return c_bar, b_bar
