"""Part I, Fundamentals: tensors, linear and softmax regression, backpropagation, MLPs.

``linear`` (least squares and gradient descent), ``linear_models`` (softmax
regression on the digits), ``losses``, ``metrics``, ``autograd`` (a scalar
reverse-mode engine), ``mlp`` (the multilayer perceptron).
"""
