"""One recipe for "a network and its trainer for these settings", used by the lab and
every lesson, so that a setting means the same thing everywhere."""

from __future__ import annotations

from collections.abc import Sequence

from .checks import check_choice
from .data import Split
from .heads import DEFAULT_HEAD, HEADS
from .network import Network
from .training import Trainer


def make_trainer(
    data: Split,
    hidden: Sequence[int] = (4, 2),
    *,
    activation: str = "tanh",
    head: str | None = None,
    init: str = "playground",
    regularization: str = "none",
    regularization_rate: float = 0.0,
    features: Sequence[str] | None = None,
    learning_rate: float = 0.03,
    batch_size: int = 10,
    optimizer: str = "sgd",
    seed: int = 0,
) -> Trainer:
    """A fresh Network with hidden layers `hidden` on `data`, and its Trainer.

    The input size follows `features` (2-D data only) or the data; the output size follows
    the head, by default the one that fits the data's task (tanh for two classes, softmax
    for more, linear for regression). `batch_size` is cut to the training set's size.
    """
    if not isinstance(data, Split):
        raise TypeError(
            f"data must be a Split (from dllab.split(dataset, train_share)); "
            f"got {type(data).__name__}"
        )
    dataset = data.dataset
    head = DEFAULT_HEAD[dataset.task] if head is None else head
    n_inputs = len(features) if features else dataset.n_inputs
    head = check_choice("head", head, HEADS)
    n_outputs = HEADS[head].n_outputs(dataset.n_classes)
    network = Network(
        [n_inputs, *hidden, n_outputs],
        activation=activation,
        head=head,
        init=init,
        regularization=regularization,
        regularization_rate=regularization_rate,
        seed=seed,
    )
    return Trainer(
        network,
        data,
        features=list(features) if features else None,
        learning_rate=learning_rate,
        batch_size=min(batch_size, len(data.y_train)),
        optimizer=optimizer,
        seed=seed,
    )
