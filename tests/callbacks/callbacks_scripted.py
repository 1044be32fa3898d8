"""Scripted inputs shared by the callback tests and keras_callbacks_reference.py (which records
what real Keras does with them in keras_callbacks_reference.json)."""

EARLY_STOPPING_CASES = [
    {"kwargs": {"monitor": "val_loss", "patience": 2}, "values": [1.0, 0.8, 0.9, 0.85, 0.7, 0.6]},
    {"kwargs": {"monitor": "val_loss", "patience": 1, "min_delta": 0.1}, "values": [1.0, 0.95, 0.85, 0.84, 0.5]},
    {"kwargs": {"monitor": "val_accuracy", "mode": "max", "patience": 1}, "values": [0.5, 0.6, 0.6, 0.7]},
    {"kwargs": {"monitor": "val_loss", "patience": 2, "baseline": 0.5}, "values": [0.9, 0.8, 0.85, 0.9, 0.1]},
    {"kwargs": {"monitor": "val_loss", "patience": 1, "start_from_epoch": 3}, "values": [1, 2, 3, 4, 5, 6]},
    {"kwargs": {"monitor": "val_loss", "patience": 0}, "values": [1.0, 1.1, 0.5]},
    {"kwargs": {"monitor": "loss", "patience": 3, "mode": "min", "min_delta": -0.05},
     "values": [1.0, 0.99, 0.98, 0.97, 0.96, 0.95, 0.94]},
]

REDUCE_LR_CASES = [
    {"initial_lr": 0.1, "kwargs": {"factor": 0.5, "patience": 2, "min_lr": 0.02, "cooldown": 1, "min_delta": 0.0},
     "values": [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]},
    {"initial_lr": 0.01, "kwargs": {"monitor": "val_accuracy", "mode": "max", "factor": 0.1, "patience": 1,
                                    "min_delta": 0.05},
     "values": [0.5, 0.52, 0.6, 0.62, 0.7, 0.7, 0.71]},
    {"initial_lr": 0.001, "kwargs": {"monitor": "loss", "patience": 0, "cooldown": 2},
     "values": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]},
]

CSV_LOGS = [
    {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.625, "val_accuracy": 0.5},
    {"loss": 0.25, "accuracy": 0.875, "val_loss": 0.375, "val_accuracy": 1.0 / 3.0},
]

CHECKPOINT_CASES = [
    {"filepath": "ckpt-{epoch:02d}-{val_loss:.2f}.keras", "kwargs": {"save_best_only": True},
     "logs": [{"val_loss": v} for v in (0.9, 0.7, 0.8, 0.6, 0.6)]},
    {"filepath": "best.keras", "kwargs": {"save_best_only": True, "monitor": "val_accuracy", "mode": "max",
                                          "initial_value_threshold": 0.75},
     "logs": [{"val_accuracy": v} for v in (0.5, 0.8, 0.7, 0.9)]},
    {"filepath": "every-{epoch}.keras", "kwargs": {}, "logs": [{"val_loss": v} for v in (0.9, 0.95)]},
]

LOSS_WEIGHTS_CASE = {
    "weights": [[[0.5, -0.25, 0.125], [-0.5, 0.75, 0.25]], [0.1, 0.0, -0.1]],
    "x": [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.5, 0.5], [2.0, -1.0], [-1.0, 2.0]],
    "y": [0, 1, 2, 0, 1, 2, 1],
    "sample_weight": [1.0, 2.0, 0.5, 0.0, 3.0, 1.0, 1.5],
    "class_weight": {0: 1.0, 1: 3.0, 2: 0.5},
    "batch_size": 3,
}
