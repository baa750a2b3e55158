"""Every option and argument of every command, given a bad value: exit code 2 and one line that names the
problem and what is valid; no traceback, no run folder, nothing trained.

The cases are checked against the parser itself, so an option added without a bad-input case fails here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from dlbench.api.options import check_new_run
from dlbench.cli import build_parser, check_run_args, main, run_options

BLOCKER = "blocker"  # a file in the test's folder, standing where a folder is expected
Case = Tuple[List[str], str]

# (command, option or positional) -> (command line, what the one line must say)
BAD_INPUT: Dict[Tuple[str, str], Case] = {
    ("run", "--task"): (["run", "--task", "nope"], "unknown task or tag 'nope'; valid tasks: cifar10, cifar100, digits"),
    ("run", "--model"): (["run", "--task", "digits", "--model", "transformer"],
                         "unknown model 'transformer'; valid models: cnn, decision-tree, extra-trees, "
                         "hist-gradient-boosting, hog-svm, knn, logistic, mlp, random-forest, resnet, svm"),
    ("run", "--trials"): (["run", "--task", "digits", "--trials", "-3"], "argument --trials: -3 is too small; expected an integer >= 1"),
    ("run", "--timeout"): (["run", "--task", "digits", "--timeout", "0"], "argument --timeout: 0 is not valid; expected seconds > 0 or none"),
    ("run", "--budget"): (["run", "--task", "digits", "--budget", "soon"], "argument --budget: 'soon' is not a number; expected seconds > 0 or none"),
    ("run", "--pruner"): (["run", "--task", "digits", "--pruner", "sometimes"],
                          "argument --pruner: invalid choice: 'sometimes' (choose from"),
    ("run", "--preset"): (["run", "--task", "digits", "--preset", "fast"],
                          "argument --preset: invalid choice: 'fast' (choose from"),
    ("run", "--seeds"): (["run", "--task", "digits", "--seeds", "0"], "argument --seeds: 0 is too small; expected an integer >= 1"),
    ("run", "--seed"): (["run", "--task", "digits", "--seed", "1.5"], "argument --seed: '1.5' is not a whole number; expected an integer from 0 to 4294967295"),
    ("run", "--output"): (["run", "--task", "digits", "--model", "logistic", "--output", f"{BLOCKER}/out"],
                          f"cannot create output folder '{BLOCKER}/out'"),
    ("run", "--quiet"): (["run", "--task", "digits", "--quiet=yes"], "argument --quiet: ignored explicit argument 'yes'"),
    ("run", "--publish"): (["run", "--task", "digits", "--publish", f"{BLOCKER}/board"],
                           f"--publish '{BLOCKER}/board': "),
    ("run", "--resume"): (["run", "--resume", "no-such-run"], "'no-such-run' is not a dlbench run folder (it has no run.json)"),
    ("run", "--storage"): (["run", "--task", "digits", "--storage", "runs.db", "--study-name", "x"],
                           "storage 'runs.db' is not a storage URL; valid forms: journal:PATH"),
    ("run", "--study-name"): (["run", "--task", "digits", "--study-name", " "], "--study-name is empty"),
    ("run", "--jobs"): (["run", "--task", "digits", "--jobs", "999"], "--jobs 999 is more than the"),
    ("run", "--devices"): (["run", "--task", "digits", "--devices", "0"], "argument --devices: 0 is too small; expected an integer >= 1"),
    ("run", "--precision"): (["run", "--task", "digits", "--precision", "8"], "argument --precision: invalid choice: '8' (choose from"),
    ("run", "--compile"): (["run", "--task", "digits", "--compile=yes"], "argument --compile: ignored explicit argument 'yes'"),
    ("run", "--alpha"): (["run", "--task", "digits", "--alpha", "0"],
                         "argument --alpha: 0 is not valid; expected a level between 0 and 1 (exclusive), e.g. 0.05"),
    ("run", "--helper"): (["run", "--task", "digits", "--helper", "1"], "--helper is internal"),
    ("run", "--data-dir"): (["run", "--task", "digits", "--data-dir", "no-such-dir"], "data directory 'no-such-dir' does not exist"),
    ("run", "--image-size"): (["run", "--task", "digits", "--image-size", "0"], "argument --image-size: 0 is too small; expected an integer >= 1"),
    ("run", "--train-sizes"): (["run", "--task", "digits", "--train-sizes", "100", "0"],
                               "argument --train-sizes: 0 is not a train size; expected at least 2 images"),
    ("run", "--augment"): (["run", "--task", "digits", "--augment", "shift=2,mirror"],
                           "argument --augment: cannot read 'mirror'; expected none, or a comma-separated list of "
                           "shift=PIXELS, hflip, vflip, rotate=DEGREES (each once)"),
    ("run", "--color"): (["run", "--task", "digits", "--color", "blue"], "argument --color: invalid choice: 'blue' (choose from"),
    ("run", "--plugins-dir"): (["run", "--task", "digits", "--plugins-dir", "no-such-dir"],
                               "plugins folder 'no-such-dir' (--plugins-dir or DLBENCH_PLUGINS_DIR) is not a folder"),
    ("run", "-p"): (["run", "--task", "digits", "-p", "no-such-plugin"], "no-such-plugin"),
    ("run", "--strict-plugins"): (["run", "--task", "digits", "--strict-plugins=1"],
                                  "argument --strict-plugins: ignored explicit argument '1'"),
    ("data list", "--data-dir"): (["data", "list", "--data-dir", "no-such-dir"], "data directory 'no-such-dir' does not exist"),
    ("data list", "--plugins-dir"): (["data", "list", "--plugins-dir", BLOCKER], f"plugins folder '{BLOCKER}'"),
    ("data list", "-p"): (["data", "list", "-p", ""], "-p needs a plugin name"),
    ("data list", "--strict-plugins"): (["data", "list", "--strict-plugins=no"], "ignored explicit argument 'no'"),
    ("data fetch", "NAME"): (["data", "fetch", "imagenet"], "unknown data set 'imagenet'; valid data sets: cifar10, cifar100"),
    ("data fetch", "--quiet"): (["data", "fetch", "mnist", "--quiet=1"], "ignored explicit argument '1'"),
    ("data fetch", "--data-dir"): (["data", "fetch", "mnist", "--data-dir", "no-such-dir"], "data directory 'no-such-dir' does not exist"),
    ("data fetch", "--plugins-dir"): (["data", "fetch", "mnist", "--plugins-dir", "no-such-dir"], "plugins folder 'no-such-dir'"),
    ("data fetch", "-p"): (["data", "fetch", "mnist", "-p", "no:"], "-p needs a plugin name"),
    ("data fetch", "--strict-plugins"): (["data", "fetch", "mnist", "--strict-plugins=x"], "ignored explicit argument 'x'"),
    ("report", "RUN_DIR"): (["report", "no-such-run"], "'no-such-run' is not a run folder, a results.csv or a report JSON file"),
    ("report", "--format"): (["report", ".", "--format", "pdf"], "unknown format 'pdf'; valid formats: csv, html, json, latex, markdown"),
    ("report", "--out"): (["report", "results.csv", "--out", f"{BLOCKER}/report.md"], "cannot write the report"),
    ("report", "--refresh"): (["report", "--refresh", "."], "'.' is not a dlbench run folder (it has no run.json)"),
    ("report", "--alpha"): (["report", "results.csv", "--alpha", "five percent"],
                            "argument --alpha: 'five percent' is not a number; expected a level between 0 and 1"),
    ("report", "--storage"): (["report", ".", "--storage", "sqlite:///x.db"], "--storage is only used with --refresh"),
    ("report", "--plugins-dir"): (["report", ".", "--plugins-dir", "no-such-dir"], "plugins folder 'no-such-dir'"),
    ("report", "-p"): (["report", ".", "-p", "no-such-plugin"], "no-such-plugin"),
    ("report", "--strict-plugins"): (["report", ".", "--strict-plugins=on"], "ignored explicit argument 'on'"),
    ("compare", "BASELINE"): (["compare", "no-such-run", "results.csv"], "'no-such-run' is not a run folder"),
    ("compare", "NEW"): (["compare", "results.csv", "no-such-run"], "'no-such-run' is not a run folder"),
    ("compare", "--max-accuracy-drop"): (["compare", "results.csv", "results.csv", "--max-accuracy-drop", "2"],
                                         "argument --max-accuracy-drop: 2 is not valid; expected a fraction from 0 to 1"),
    ("compare", "--max-slowdown"): (["compare", "results.csv", "results.csv", "--max-slowdown", "0.5"],
                                    "argument --max-slowdown: 0.5 is not valid; expected a factor >= 1"),
    ("compare", "--min-seconds"): (["compare", "results.csv", "results.csv", "--min-seconds", "-1"],
                                   "argument --min-seconds: -1 is not valid; expected seconds >= 0"),
    ("compare", "--alpha"): (["compare", "results.csv", "results.csv", "--alpha", "1"],
                             "argument --alpha: 1 is not valid; expected a level between 0 and 1"),
    ("compare", "--no-significance"): (["compare", "results.csv", "results.csv", "--no-significance=yes"],
                                       "argument --no-significance: ignored explicit argument 'yes'"),
    ("compare", "--allow-missing"): (["compare", "results.csv", "results.csv", "--allow-missing=no"],
                                     "argument --allow-missing: ignored explicit argument 'no'"),
    ("list", "--plugins-dir"): (["list", "--plugins-dir", "no-such-dir"], "plugins folder 'no-such-dir'"),
    ("list", "-p"): (["list", "-p", "no-such-plugin"], "no-such-plugin"),
    ("list", "--strict-plugins"): (["list", "--strict-plugins=0"], "ignored explicit argument '0'"),
    ("plugins", "--plugins-dir"): (["plugins", "--plugins-dir", BLOCKER], f"plugins folder '{BLOCKER}'"),
    ("plugins", "-p"): (["plugins", "-p", "no-such-plugin"], "no-such-plugin"),
    ("plugins", "--strict-plugins"): (["plugins", "--strict-plugins=2"], "ignored explicit argument '2'"),
    ("", "COMMAND"): (["fly"], "argument COMMAND: invalid choice: 'fly'"),
    ("", "--version"): (["--version=full"], "argument --version: ignored explicit argument 'full'"),
    ("data", "ACTION"): (["data", "drop"], "argument ACTION: invalid choice: 'drop' (choose from"),
}


def _options(parser: argparse.ArgumentParser, command: str) -> Iterator[Tuple[str, str]]:
    """(command, option) for every option and positional of ``parser`` and its subcommands, help left out."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            yield command, action.metavar
            for name, subparser in action.choices.items():
                yield from _options(subparser, f"{command} {name}".strip())
        else:
            yield command, action.option_strings[0] if action.option_strings else action.metavar


def test_every_option_of_every_command_has_a_bad_input_case():
    options = set(_options(build_parser(), ""))
    assert options - set(BAD_INPUT) == set(), "options without a bad-input case"
    assert set(BAD_INPUT) - options == set(), "cases for options the parser does not have"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty folder to run in, with a file standing where a folder is expected and a valid results.csv."""
    (tmp_path / BLOCKER).write_text("a file, not a folder")
    (tmp_path / "results.csv").write_text(
        "task,model,family,seed,status,test_accuracy,balanced_accuracy,macro_f1,val_accuracy,fit_seconds,"
        "predict_seconds_per_1k,n_params,n_trials,tuning_seconds,best_params,error\n"
        "digits,logistic,classical,0,ok,0.95,0.95,0.95,0.96,0.5,0.1,650,3,1.5,{},\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")  # -p NAME must name an installed plugin
    return tmp_path


@pytest.mark.parametrize("key", sorted(BAD_INPUT), ids=lambda key: f"{key[0]} {key[1]}".strip())
def test_bad_input_exits_2_with_one_line(key, workdir, capsys):
    argv, message = BAD_INPUT[key]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert sorted(path.name for path in Path(workdir).iterdir()) == [BLOCKER, "results.csv"]  # nothing written


@pytest.mark.parametrize("argv, message", [
    (["run", "--task", "digits", "--model", "svn"],
     "unknown model 'svn' (did you mean 'svm'?); valid models: cnn, decision-tree, extra-trees, hist-gradient-boosting, "
     "hog-svm, knn, logistic, mlp, random-forest, resnet, svm"),
    (["run", "--task", "digit"], "unknown task or tag 'digit' (did you mean 'digits'?); valid tasks: cifar10"),
    (["run", "--task", "image"], "unknown task or tag 'image' (did you mean 'images'?); valid tasks: cifar10"),
    (["report", "results.csv", "--format", "markdwn"],
     "unknown format 'markdwn' (did you mean 'markdown'?); valid formats: csv, html, json, latex, markdown"),
])
def test_a_misspelt_name_gets_the_closest_valid_one_suggested(argv, message, workdir, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dlbench: error: {message}") and err.count("\n") == 1
    assert sorted(path.name for path in Path(workdir).iterdir()) == [BLOCKER, "results.csv"]


@pytest.mark.parametrize("seeds, message", [
    (["--seed", "99999999999999999999"],
     "argument --seed: 99999999999999999999 is too large; expected an integer from 0 to 4294967295"),
    (["--seed", "-1"], "argument --seed: -1 is too small; expected an integer from 0 to 4294967295"),
    (["--seed", "4294967295", "--seeds", "2"],
     "--seeds 2 with --seed 4294967295 refits with seeds up to 4294967296; the last seed may be at most 4294967295: "
     "valid --seeds here: 1 to 1"),
    (["--seeds", "4294967297"], "--seeds 4294967297 with --seed 0 refits with seeds up to 4294967296; the last seed "
     "may be at most 4294967295: valid --seeds here: 1 to 4294967296"),
])
def test_seeds_beyond_what_numpy_and_scikit_learn_accept_are_refused(seeds, message, workdir, capsys):
    try:
        code = main(["run", "--task", "digits", "--model", "logistic", "--trials", "1", *seeds])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    stderr = capsys.readouterr().err
    assert code == 2 and message in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert sorted(path.name for path in Path(workdir).iterdir()) == [BLOCKER, "results.csv"]  # no run folder


def test_the_largest_valid_seed_is_accepted():
    args = build_parser().parse_args(["run", "--task", "digits", "--seed", "4294967294", "--seeds", "2"])
    check_run_args(args)
    options = run_options(args)
    check_new_run(options)  # the last refit seed, 4294967295, is still below 2**32
    assert (options.seed, options.seeds) == (4294967294, 2)
