"""Torch students shared by the tests."""

import torch


class InPlaceStudent(torch.nn.Module):
    """A student that writes to its input, as ``x.mul_`` or ``ReLU(inplace=True)`` do."""

    def __init__(self, n_features=4, n_classes=3, inplace_relu=False):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_classes)
        self.inplace_relu = inplace_relu

    def forward(self, x):
        if self.inplace_relu:
            torch.nn.functional.relu(x, inplace=True)
        else:
            x.mul_(2.0).add_(1.0)
        return self.linear(x)
