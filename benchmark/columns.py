"""The fixed columns of a run's tidy files (automlbenchmark style: the same columns in every run)."""

TRIAL_COLUMNS = ["task", "model", "family", "trial", "state", "val_accuracy", "fit_seconds", "epochs", "params", "error",
                 "worker"]
RESULT_COLUMNS = ["task", "model", "family", "seed", "status", "test_accuracy", "balanced_accuracy", "macro_f1",
                  "val_accuracy", "fit_seconds", "predict_seconds_per_1k", "n_params", "n_trials",
                  "tuning_seconds", "best_params", "error"]
