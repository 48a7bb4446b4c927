"""Functions that share memory between names and change it in place (``+=``, ``*=``, slice
writes, ``out=``, ``fill``, ``copyto``), for tests/test_aliasing.py.

NumPy performs ``y op= v`` in place on an array (every name that holds its memory changes)
and rebinds ``y`` on a float. Functions in ``RIGHT`` are differentiated exactly: whatever
shares memory with the changed array is not read afterwards. Functions in ``REFUSED`` are
refused; the line marked ``# <-`` is the one the refusal names (where the memory came to be
shared, or the write itself).
"""
import numpy as np


# ---- issue 11, item 14: the four programs that were silently wrong ----------------------

def halve_in_place(a):
    a *= 0.5  # <-
    return np.sum(a)


def calls_a_halving_function(x):
    c = halve_in_place(x)
    return np.sum(np.tanh(x))


def unpacks_a_tuple_variable(x):
    p = (x, 1.0)
    t, s = p  # <-
    t *= 0.5
    return np.sum(np.sin(x))


def view_then_whole_array_multiplied(x):
    c = x[1:]  # <-
    x *= 0.5
    return np.sum(c ** 2)


def float_rebound_in_a_loop(x, y):   # y a float: `y *= 0.5` rebinds y; b keeps the old value
    p = (x * y, y)
    a, b = p
    b = y
    for i in range(2):
        y *= 0.5
    return b ** 2


def float_rebound_in_a_loop_and_used(x, y):
    p = (x * y, y)
    a, b = p
    b = y
    for i in range(2):
        y *= 0.5
    return b ** 2 + np.sum(a) * y


# ---- right: what shares memory with the changed array is not read afterwards -----------

class Box:
    def __init__(self, w):
        self.w = w


def tuple_element_changed(x, y):
    p = (x, y)
    t, s = p
    t *= s
    return np.sum(np.sin(t))


def list_element_changed(x, y):
    xs = [x, y]
    a = xs[0]
    a += xs[1]
    return np.sum(a ** 2)


def dict_value_changed(x, y):
    d = {"w": x, "s": y}
    w = d["w"]
    w *= d["s"]
    return np.sum(np.tanh(w))


def attribute_changed(x, box):
    w = box.w
    w *= x
    return np.sum(w ** 2)


def scaled_copy(a, s):
    a = a.copy()
    a *= s
    return a


def callee_copies_first(x, y):
    c = scaled_copy(x, y)
    return np.sum(c * x)


def tail(a):
    return a[1:]


def callee_view_changed(x, y):
    c = tail(x)
    c *= y
    return np.sum(c ** 2)


def identity(a):
    return a


def callee_result_changed(x, y):
    b = identity(x)
    b -= y
    return np.sum(np.sin(b))


def alias_changed_in_a_loop(x, y):
    a = x
    for i in range(3):
        a *= y
    return np.sum(a)


def copy_changed_in_a_loop(x, y):
    a = x.copy()
    for i in range(3):
        a += x * y
    return np.sum(a ** 2)


def reshaped_view_changed(x, y):
    c = x.reshape(-1)
    c *= y
    return np.sum(np.sin(c))


def raveled_view_changed(x, y):
    c = np.ravel(x)
    c += y
    return np.sum(c ** 3)


def strided_view_changed(x, y):
    c = x[::2]
    c **= 2
    return np.sum(c) * y


def transposed_view_changed(A, y):
    c = A.T
    c *= y
    return np.sum(np.sin(c))


def row_changed(A, y):
    r = A[0]
    r *= y
    return np.sum(r ** 2)


def out_into_the_argument(x, y):
    np.multiply(x, y, out=x)
    return np.sum(x ** 2)


def out_into_a_new_array(x, y):
    a = np.empty_like(x)
    np.multiply(x, y, out=a)
    return np.sum(a * x)


def out_of_a_ufunc_of_one_argument(x, y):
    np.sin(x, out=x)
    return np.sum(x * y)


def filled_copy(x, y):
    a = x.copy()
    a.fill(y)
    return np.sum(a * x)


def sorts_its_argument(x, y):
    x.sort()
    return np.sum(x * np.arange(4.0)) * y


def sorts_a_new_array(x, y):
    a = np.sin(x) * y
    a.sort()
    return a[0] + 2.0 * a[-1]


def checked_count(a, n):    # sourcead cannot read a `try`; it runs it as it is
    try:
        n += 1
    except TypeError:
        n = 1
    return n * len(a)


def calls_an_unreadable_function(x, y):
    k = checked_count(x, 2)
    return np.sum(x * y) * k


calls_an_unreadable_function.wrt = [1]   # through x, the derivative would need its text


def checked_weights(a, n):    # writes only into an array it makes: it changes nothing of yours
    try:                      # (and sourcead cannot read a `try`: it runs it as it is)
        w = np.zeros(n)
    except TypeError:
        w = np.zeros(1)
    w[0] = 1.0
    w += 2.0
    return w


def calls_an_unreadable_function_that_makes_an_array(x, y):
    w = checked_weights(x, len(x))
    return np.sum(x * y * w)


calls_an_unreadable_function_that_makes_an_array.wrt = [1]


def copy_by_multiplying_by_one(x, y):
    a = x * 1.0        # a new array: writing into it leaves x alone
    a[0] = y
    a.sort()
    return np.sum(a * a * np.arange(4.0)) + np.sum(x ** 3)


def copied_into(x, y):
    a = np.zeros_like(x)
    np.copyto(a, np.sin(x) * y)
    return np.sum(a ** 2)


def argument_changed(x, y):
    x *= y
    return np.sum(np.sin(x))


def float_copied_then_rebound(x, y):
    b = y
    y *= 0.5
    return np.sum(x) * b * y


def element_copied_then_rebound(x, y):
    e = x[0]
    e *= y
    return e * np.sum(x)


def slice_taken_again_after_each_change(x, y):
    s = 0.0
    for i in range(2):
        c = x[1:]     # a view of x, read before x changes, taken anew each time
        s = s + np.sum(c ** 2)
        x -= y
    return s


def array_rebound_by_its_own_operator(x, y):
    a = x * 1.0
    a -= x * y
    return np.sum(a ** 2)


RIGHT = [tuple_element_changed, list_element_changed, dict_value_changed, callee_copies_first,
         callee_view_changed, callee_result_changed, alias_changed_in_a_loop,
         copy_changed_in_a_loop, reshaped_view_changed, raveled_view_changed,
         strided_view_changed, transposed_view_changed, row_changed,
         out_into_the_argument, out_into_a_new_array, out_of_a_ufunc_of_one_argument,
         filled_copy, copied_into, sorts_its_argument, sorts_a_new_array,
         copy_by_multiplying_by_one, calls_an_unreadable_function,
         calls_an_unreadable_function_that_makes_an_array, argument_changed,
         float_copied_then_rebound, element_copied_then_rebound,
         array_rebound_by_its_own_operator, slice_taken_again_after_each_change,
         float_rebound_in_a_loop, float_rebound_in_a_loop_and_used]


# ---- refused: a name that shares the changed memory is read afterwards, or the memory is
# ---- not the function's to change

def list_element_changed_then_list_read(x, y):
    xs = [x, y]
    a = xs[0]  # <-
    a += y
    return np.sum(a) + np.sum(xs[0])


def dict_value_changed_then_argument_read(x, y):
    d = {"w": x, "s": y}
    w = d["w"]  # <-
    w *= y
    return np.sum(w * x)


def attribute_changed_then_read(x, box):
    w = box.w  # <-
    w *= 2.0
    return np.sum(x * box.w)


def scale_through_an_alias(a, s):
    b = a
    b *= s  # <-
    return np.sum(b)


def callee_writes_through_an_alias(x, y):
    return scale_through_an_alias(x, y) + np.sum(x)


def calls_a_writer_twice_removed(a):
    return halve_in_place(a) * 2.0


def callee_writes_transitively(x, y):
    c = calls_a_writer_twice_removed(x * y)   # a new array, but the callee may not know it
    return c


def write_into_a_parameter(a, v):
    a[0] = v  # <-
    return a


def callee_writes_an_element(x, y):
    b = write_into_a_parameter(x, y)
    return np.sum(b)


def callee_view_changed_then_argument_read(x, y):
    c = tail(x)  # <-
    c *= y
    return np.sum(c) + np.sum(x ** 2)


def callee_result_changed_then_argument_read(x, y):
    b = identity(x)  # <-
    b += y
    return np.sum(b * x)


def alias_changed_in_a_loop_then_read(x, y):
    a = x  # <-
    for i in range(3):
        a += x * y
    return np.sum(a)


def reshaped_view_then_base_changed(x, y):
    c = x.reshape(-1)  # <-
    x += y
    return np.sum(c ** 2)


def raveled_view_then_base_changed(x, y):
    c = np.ravel(x)  # <-
    x *= y
    return np.sum(np.sin(c))


def transposed_view_then_base_changed(A, y):
    c = A.T  # <-
    A *= y
    return np.sum(c[0])


def row_then_matrix_changed(A, y):
    r = A[0]  # <-
    A += y
    return np.sum(r ** 2)


def asarray_then_base_changed(x, y):
    c = np.asarray(x)  # <-
    x *= y
    return np.sum(c ** 2)


def view_then_base_changed(x, y):
    c = x.view()  # <-
    x -= y
    return np.sum(np.sin(c))


def real_part_then_base_changed(x, y):
    c = x.real  # <-
    x /= y
    return np.sum(c)


def slice_before_a_loop_that_changes_its_base(x, y):
    s = 0.0
    c = x[1:]  # <-
    for i in range(2):
        s = s + np.sum(c ** 2)
        x -= y
    return s


def out_into_an_alias_of_the_argument(x, y):
    a = x  # <-
    np.add(a, y, out=a)
    return np.sum(a ** 2)


def out_while_a_view_is_read(x, y):
    c = x[1:]  # <-
    np.multiply(x, y, out=x)
    return np.sum(c ** 2)


def slice_write_into_a_view_of_the_argument(x, y):
    c = x[1:]  # <-
    c[0] = y
    return np.sum(c ** 2)


def puts_into_its_argument(x, y):
    x.put([0, 2], y)  # <-
    return np.sum(x * y)


def adds_at_indices(x, y):
    a = x.copy()
    np.add.at(a, [0, 0], y)  # <-
    return np.sum(a ** 2)


def sorted_result_of_a_method(x, y):
    a = x * y
    b = a.sort()  # <-
    return np.sum(a)


W = np.array([0.5, -1.0, 2.0])


def changes_a_module_array(x, y):
    a = W  # <-
    a += x
    return np.sum(a * y)


def make_closure(V):
    def changes_a_closure_array(x, y):
        a = V  # <-
        a *= y
        return np.sum(a * x)
    return changes_a_closure_array


changes_a_closure_array = make_closure(np.array([1.0, 2.0, -1.0]))

def checked_and_halved(a, n):    # sourcead cannot read a `try`; it runs it as it is
    try:
        a *= 0.5  # <-
    except TypeError:
        n = 0
    return n


def calls_an_unreadable_function_that_changes_its_argument(x, y):
    k = checked_and_halved(x, 2)
    return np.sum(x * y) * k


REFUSED = [calls_a_halving_function, calls_an_unreadable_function_that_changes_its_argument,
           unpacks_a_tuple_variable, view_then_whole_array_multiplied,
           list_element_changed_then_list_read, dict_value_changed_then_argument_read,
           attribute_changed_then_read, callee_writes_through_an_alias,
           callee_writes_transitively, callee_writes_an_element,
           callee_view_changed_then_argument_read, callee_result_changed_then_argument_read,
           alias_changed_in_a_loop_then_read, reshaped_view_then_base_changed,
           raveled_view_then_base_changed, transposed_view_then_base_changed,
           row_then_matrix_changed, asarray_then_base_changed, view_then_base_changed,
           real_part_then_base_changed, slice_before_a_loop_that_changes_its_base,
           out_into_an_alias_of_the_argument, out_while_a_view_is_read,
           slice_write_into_a_view_of_the_argument, puts_into_its_argument, adds_at_indices,
           sorted_result_of_a_method, changes_a_module_array, changes_a_closure_array]

# where a refusal is raised elsewhere than the function itself: the callee's marked line
REFUSED_IN = {calls_a_halving_function: halve_in_place,
              calls_an_unreadable_function_that_changes_its_argument: checked_and_halved,
              callee_writes_through_an_alias: scale_through_an_alias,
              callee_writes_transitively: halve_in_place,
              callee_writes_an_element: write_into_a_parameter}
