"""The FashionMNIST teacher: the authors' small LeNet-style CNN, trained with torch."""


def build_cnn(seed):
    """conv 3@5x5 -> pool -> conv 9@5x5 -> pool -> 120 -> 84 -> 10 (29,176 parameters).

    The network takes flat rows of 784 pixels in [0, 1], so that it can be
    called on the student's feature matrix. Its initial weights are drawn
    from ``seed`` without touching torch's global random state.
    """
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 3, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(3, 9, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(9 * 4 * 4, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )


def n_parameters(module):
    """Number of trainable parameters of a torch module."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
