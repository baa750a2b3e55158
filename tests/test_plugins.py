"""Third-party plugins: --plugins-dir, selection (-p, autoload off), validation with one clear message per
problem, broken plugins skipped while the rest goes on (--strict-plugins stops), reporters and observers."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from test_registry import install_fake_entry_point_plugin

from commands import dlbench
from conftest import make_task_data
from dlbench import Model, Task, TaskData, hookimpl
from dlbench.cli import main
from dlbench.errors import DlbenchError, DuplicateNameError, UnusableNameError
from dlbench.host.catalogue import Catalogue
from dlbench.host.loading import AUTOLOAD_VARIABLE, PLUGINS_DIR_VARIABLE, Plugins, PluginSelection, load_plugins

GOOD_PLUGIN = '''
    import numpy as np
    from dlbench import Model, SklearnClassifier, Task, TaskData, hookimpl

    def build(params, task):
        from sklearn.linear_model import LogisticRegression
        return SklearnClassifier(LogisticRegression(C=params["C"], max_iter=200))

    def load():
        rng = np.random.default_rng(0)
        labels = np.arange(120) % 2
        images = rng.random((120, 1, 4, 4), dtype=np.float32) * 0.5
        images[labels == 1, :, :2, :] += 0.5
        return TaskData(images[:80], labels[:80], images[80:], labels[80:])

    @hookimpl
    def register_models(register):
        register(Model(name="local-logistic", family="classical", defaults={"C": 1.0}, build=build,
                       search_space=lambda trial: {"C": trial.suggest_float("C", 0.01, 10, log=True)}))

    @hookimpl
    def register_tasks(register):
        register(Task(name="halves", tags=("toy",), class_names=("dark", "bright-top"), load=load))
'''


def write_plugin(folder: Path, name: str, code: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(code))
    return path


@pytest.fixture
def no_autoload(monkeypatch):
    """Installed entry points stay out, as with the pm fixture; the environment variables start unset."""
    monkeypatch.setenv(AUTOLOAD_VARIABLE, "1")
    monkeypatch.delenv(PLUGINS_DIR_VARIABLE, raising=False)


def cli(capsys, *args: str):
    """``dlbench ARGS`` in this process: exit code, stdout, stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_plugins_dir_files_are_loaded_and_listed_with_their_origin_hooks_and_items(tmp_path, capsys, no_autoload):
    path = write_plugin(tmp_path / "local", "halves", GOOD_PLUGIN)
    code, out, err = cli(capsys, "plugins", "--plugins-dir", str(tmp_path / "local"))
    assert code == 0 and err == ""
    block = out.split("halves  ", 1)[1]
    assert block.startswith(f"(file {path})")
    assert "hooks: register_models, register_tasks" in block
    assert "registered: model local-logistic, task halves" in block
    assert "dlbench.plugins.svm  (built-in)" in out and "registered: model svm" in out
    code, out, _ = cli(capsys, "list", "--plugins-dir", str(tmp_path / "local"))
    assert f"local-logistic   classical  halves ({path})" in out


def test_the_plugins_dir_variable_works_like_the_option(tmp_path, capsys, monkeypatch, no_autoload):
    write_plugin(tmp_path / "a", "halves", GOOD_PLUGIN)
    monkeypatch.setenv(PLUGINS_DIR_VARIABLE, str(tmp_path / "a"))
    code, out, _ = cli(capsys, "list")
    assert code == 0 and "local-logistic" in out and "halves" in out


def test_a_missing_plugins_dir_is_a_one_line_error(tmp_path, capsys, no_autoload):
    code, out, err = cli(capsys, "list", "--plugins-dir", str(tmp_path / "nowhere"))
    assert code == 2 and err.count("\n") == 1 and "nowhere" in err and "is not a folder" in err


def test_autoload_off_loads_only_builtins_and_plugins_named_with_p(tmp_path, monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "fake_dlbench_plugin", raising=False)
    install_fake_entry_point_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(PLUGINS_DIR_VARIABLE, raising=False)
    monkeypatch.delenv(AUTOLOAD_VARIABLE, raising=False)
    assert "fake-knn" in cli(capsys, "list")[1]
    assert "fake-knn" not in cli(capsys, "list", "-p", "no:fake")[1]
    monkeypatch.setenv(AUTOLOAD_VARIABLE, "1")
    assert "fake-knn" not in cli(capsys, "list")[1]
    out = cli(capsys, "list", "-p", "fake")[1]
    assert "fake-knn         classical  fake (fake-dlbench-plugin 1.2.3)" in out
    code, _, err = cli(capsys, "list", "-p", "nosuch")
    assert code == 2 and "-p nosuch: no installed plugin has that entry-point name; installed: fake" in err


def test_p_without_a_name_is_a_one_line_error(capsys, no_autoload):
    for value in ("no:", ""):
        code, out, err = cli(capsys, "list", "-p", value)
        assert code == 2 and out == "" and err == ("dlbench: error: -p needs a plugin name: -p NAME loads one "
                                                   "entry-point plugin, -p no:NAME blocks one\n")


def test_p_no_blocks_a_builtin_too(capsys, no_autoload):
    out = cli(capsys, "list", "-p", "no:dlbench.plugins.svm")[1]
    assert "  svm " not in out and "  logistic " in out


BROKEN_FILES = {
    "import-error": ("import not_a_module_anywhere\n", "failed to import: ModuleNotFoundError: No module named 'not_a_module_anywhere'"),
    "hook-raises": ('''
        from dlbench import hookimpl
        @hookimpl
        def register_models(register):
            raise RuntimeError("no GPU driver")
    ''', "register_models raised RuntimeError: no GPU driver"),
    "unknown-hook": ('''
        from dlbench import hookimpl
        @hookimpl
        def register_modles(register):
            pass
    ''', "implements unknown hook(s) register_modles (did you mean 'register_models'?); valid hooks: "
        "register_models, register_reporters"),
    "duplicate": ('''
        from dlbench import Model, hookimpl
        @hookimpl
        def register_models(register):
            register(Model(name="svm", family="classical", search_space=lambda t: {}, defaults={}, build=print))
    ''', "model 'svm' is registered by two plugins: 'dlbench.plugins.svm' and 'duplicate'"),
    "duplicate-task": ('''
        from dlbench import Task, hookimpl
        @hookimpl
        def register_tasks(register):
            register(Task(name="digits", tags=(), class_names=("a", "b"), load=print))
    ''', "task 'digits' is registered by two plugins: 'dlbench.tasks.digits' and 'duplicate-task'"),
    "no-search-space": ('''
        from dlbench import Model, hookimpl
        @hookimpl
        def register_models(register):
            register(Model(name="lazy", family="classical", search_space=None, defaults={}, build=print))
    ''', "model 'lazy' has no search space: search_space must be a function trial -> params"),
    "bad-family": ('''
        from dlbench import Model, hookimpl
        @hookimpl
        def register_models(register):
            register(Model(name="odd", family="quantum", search_space=lambda t: {}, defaults={}, build=print))
    ''', "model 'odd' has family 'quantum'; valid families: deep, classical"),
    "model-name": ('''
        from dlbench import Model, hookimpl
        @hookimpl
        def register_models(register):
            register(Model(name="cnn/v2", family="deep", search_space=lambda t: {}, defaults={}, build=print))
    ''', "model name 'cnn/v2' is not valid: use letters, digits and . _ + - (starting with a letter or digit), "
        "as in 'decision-tree'"),
    "task-name": ('''
        from dlbench import Task, hookimpl
        @hookimpl
        def register_tasks(register):
            register(Task(name="bars\\r", tags=(), class_names=("a", "b"), load=print))
    ''', "task name 'bars\\r' is not valid: it must be printable text, without control characters or "
        "surrounding spaces"),
    "one-class": ('''
        from dlbench import Task, hookimpl
        @hookimpl
        def register_tasks(register):
            register(Task(name="single", tags=(), class_names=("only",), load=print))
    ''', "task 'single' has 1 class(es); a task needs at least 2"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_a_broken_plugin_is_reported_in_one_line_naming_it_and_skipped(name, tmp_path, capsys, no_autoload):
    code, message = BROKEN_FILES[name]
    path = write_plugin(tmp_path / "local", name, code)
    write_plugin(tmp_path / "local", "zz_good", GOOD_PLUGIN)
    status, out, err = cli(capsys, "list", "--plugins-dir", str(tmp_path / "local"))
    assert status == 0
    assert err.startswith(f"dlbench: warning: plugin '{name}' (file {path}): ")
    assert message in err and err.count("\n") == 1
    assert "local-logistic" in out and "  svm " in out  # the rest is there
    status, out, err = cli(capsys, "list", "--plugins-dir", str(tmp_path / "local"), "--strict-plugins")
    assert status == 2 and message in err and out == "" and err.count("\n") == 1


def test_a_broken_entry_point_plugin_names_its_distribution(tmp_path, monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "fake_dlbench_plugin", raising=False)
    install_fake_entry_point_plugin(tmp_path)
    (tmp_path / "fake_dlbench_plugin.py").write_text("raise ImportError('needs libfoo 2')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(AUTOLOAD_VARIABLE, raising=False)
    status, out, err = cli(capsys, "list")
    assert status == 0 and "  svm " in out
    assert ("plugin 'fake' (entry point fake-dlbench-plugin 1.2.3): failed to import 'fake_dlbench_plugin': "
            "ImportError: needs libfoo 2; skipped") in err
    assert "fake  (entry point fake-dlbench-plugin 1.2.3)  not loaded" in cli(capsys, "plugins")[1]


def _lenient_catalogue(*plugin_objects) -> Catalogue:
    plugins = load_plugins(PluginSelection(), entry_points=False)
    plugins.strict = False
    for index, plugin in enumerate(plugin_objects):
        plugins.pm.register(plugin, name=f"third-party-{index}")
    return Catalogue.from_plugins(plugins)


def _model(name, search_space, defaults=None, portfolio=()):
    return Model(name=name, family="classical", search_space=search_space, defaults=defaults or {"k": 3},
                 build=print, portfolio=portfolio)


@pytest.mark.parametrize("model, message", [
    (_model("raises", lambda trial: 1 / 0),
     "model 'raises': search space raised ZeroDivisionError on its defaults {'k': 3}: division by zero"),
    (_model("outside", lambda trial: {"k": trial.suggest_int("k", 5, 9)}),
     "model 'outside': the parameters defaults {'k': 3} lie outside the search space: The value 3 of the parameter 'k' is out of the range"),
    (_model("unsuggested", lambda trial: {"k": trial.suggest_int("k", 1, 9)}, defaults={"k": 3, "j": 1}),
     "model 'unsuggested': defaults set j, which the search space never suggests"),
    (_model("not-a-dict", lambda trial: [trial.suggest_int("k", 1, 9)]),
     "model 'not-a-dict': search space returned list; it must return a dict of parameters"),
    (_model("bad-portfolio", lambda trial: {"k": trial.suggest_int("k", 1, 9)}, portfolio=({"k": 50},)),
     "model 'bad-portfolio': the parameters portfolio[0] {'k': 50} lie outside the search space"),
])
def test_a_model_whose_search_space_is_broken_is_skipped_when_a_wildcard_selects_it(model, message, capsys):
    class Plugin:
        @hookimpl
        def register_models(self, register):
            register(model)

    catalogue = _lenient_catalogue(Plugin())
    assert [m.name for m in catalogue.select_models(["logistic", f"{model.name}*"])] == ["logistic"]
    err = capsys.readouterr().err
    assert f"plugin 'third-party-0' (registered): {message}" in err
    with pytest.raises(DlbenchError, match="no usable model among"):
        catalogue.select_models([f"{model.name}*"])


@pytest.mark.parametrize("model, message", [
    (_model("raises", lambda trial: 1 / 0),
     "model 'raises': search space raised ZeroDivisionError on its defaults {'k': 3}: division by zero"),
    (_model("bad-portfolio", lambda trial: {"k": trial.suggest_int("k", 1, 9)}, portfolio=({"k": 50},)),
     "model 'bad-portfolio': the parameters portfolio[0] {'k': 50} lie outside the search space"),
])
def test_a_model_named_exactly_whose_search_space_is_broken_is_an_error(model, message, capsys):
    class Plugin:
        @hookimpl
        def register_models(self, register):
            register(model)

    catalogue = _lenient_catalogue(Plugin())
    with pytest.raises(UnusableNameError) as error:
        catalogue.select_models(["logistic", model.name])
    problem = f"plugin 'third-party-0' (registered): {message}"
    assert str(error.value).startswith(f"model {model.name!r} cannot be used: {problem}")
    assert error.value.problems == (str(error.value).split(" cannot be used: ", 1)[1],)
    assert capsys.readouterr().err == "" and catalogue.plugins.problems == []  # the error, not also a warning


def _bad_data(**changes) -> TaskData:
    good = make_task_data(n_classes=2)
    return TaskData(**{**good.__dict__, **changes})


@pytest.mark.parametrize("data, message", [
    (_bad_data(x_train=make_task_data().x_train[:, 0]), "train images must be a 4-d N x C x H x W array, got shape (40, 4, 4)"),
    (_bad_data(x_test=make_task_data().x_test.astype("float64")), "test images must be float32 in [0, 1] or uint8, got float64"),
    (_bad_data(x_train=make_task_data().x_train * 255), "train pixel values must lie in [0, 1]"),
    (_bad_data(y_train=make_task_data().y_train + 5), "train labels must lie in [0, 1] (2 class names), got [5, 6]"),
    (_bad_data(y_test=make_task_data().y_test.astype("float32")), "test labels must be a 1-d integer array"),
    ("not task data", "load() returned str; it must return a dlbench.TaskData"),
])
def test_a_task_whose_data_breaks_the_contract_is_skipped_before_training(data, message, capsys):
    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(Task(name="broken", tags=("flaky",), class_names=("a", "b"), load=lambda: data))

    catalogue = _lenient_catalogue(Plugin())
    usable = catalogue.load_checked(catalogue.select_tasks(["digits", "flaky"]))
    assert [task.name for task in usable] == ["digits"]
    assert f"plugin 'third-party-0' (registered): task 'broken': {message}" in capsys.readouterr().err
    named = _lenient_catalogue(Plugin())  # the same task named exactly: an error, not a warning
    with pytest.raises(UnusableNameError, match=re.escape(
            f"task 'broken' cannot be used: plugin 'third-party-0' (registered): task 'broken': {message}")):
        named.load_checked(named.select_tasks(["digits", "broken"]))
    assert capsys.readouterr().err == ""


def test_a_loader_that_stops_on_purpose_stops_the_command():
    def not_fetched():
        raise DlbenchError("data set 'broken' is not downloaded; run: dlbench data fetch broken")

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(Task(name="broken", tags=(), class_names=("a", "b"), load=not_fetched))

    catalogue = _lenient_catalogue(Plugin())
    with pytest.raises(DlbenchError, match="dlbench data fetch broken"):
        catalogue.load_checked(catalogue.select_tasks(["broken"]))


def test_a_strict_catalogue_raises_the_duplicate_error():
    class Again:
        @hookimpl
        def register_models(self, register):
            register(_model("svm", lambda trial: {}))

    plugins = load_plugins(PluginSelection(strict=True), entry_points=False)
    plugins.pm.register(Again(), name="again")
    with pytest.raises(DuplicateNameError, match="'dlbench.plugins.svm' and 'again'"):
        Catalogue.from_plugins(plugins)


BROKEN_FOR_RUN = '''
    import numpy as np
    from dlbench import Model, Task, TaskData, hookimpl

    @hookimpl
    def register_models(register):
        register(Model(name="crashy-space", family="classical", defaults={}, build=print,
                       search_space=lambda trial: {"x": trial.suggest_float("x", 1, 0)}))

    @hookimpl
    def register_tasks(register):
        register(Task(name="nan-images", tags=("toy",), class_names=("a", "b"),
                      load=lambda: TaskData(np.full((4, 1, 2, 2), np.nan, np.float32), np.array([0, 1, 0, 1]),
                                            np.zeros((2, 1, 2, 2), np.float32), np.array([0, 1]))))
'''


def test_a_run_skips_broken_plugins_and_goes_on_and_strict_stops_before_any_folder(tmp_path):
    local = tmp_path / "local"
    write_plugin(local, "halves", GOOD_PLUGIN)
    write_plugin(local, "broken", BROKEN_FOR_RUN)
    args = ["run", "--plugins-dir", str(local), "--task", "toy", "--model", "local-*", "crashy*",
            "--trials", "2", "--quiet", "--output", str(tmp_path / "out")]
    done = dlbench(*args, env={AUTOLOAD_VARIABLE: "1"})
    assert done.returncode == 0, done.stderr
    assert "plugin 'broken' (file " in done.stderr and "model 'crashy-space': search space raised" in done.stderr
    assert "task 'nan-images': train images contain NaN or infinite values" in done.stderr
    (run_dir,) = (tmp_path / "out").iterdir()
    results = pd.read_csv(run_dir / "results.csv")
    assert list(zip(results.task, results.model, results.status)) == [("halves", "local-logistic", "ok")]
    assert results.test_accuracy[0] >= 0.9  # bright top rows: easy; chance is 0.5
    strict = dlbench(*args, "--strict-plugins", "--output", str(tmp_path / "strict"), env={AUTOLOAD_VARIABLE: "1"})
    assert strict.returncode == 2 and strict.stderr.count("\n") == 1 and "Traceback" not in strict.stderr
    assert not (tmp_path / "strict").exists()


TYPO_HOOK = """
    from dlbench import Model, hookimpl
    @hookimpl
    def register_model(register):
        register(Model(name="convnext", family="classical", search_space=lambda t: {}, defaults={}, build=print))
"""
FACES = """
    from dlbench import hookimpl
    @hookimpl
    def register_tasks(register):
        raise OSError("lfw archive is corrupt")
"""
WINNERS = """
    import no_such_rendering_library
"""
HUB = """
    from dlbench import TaskSource, hookimpl
    def make(argument, options):
        raise ConnectionError("hub unreachable")
    @hookimpl
    def register_task_sources(register):
        register(TaskSource(prefix="hub", make=make))
"""

BUILTIN_MODELS = ", ".join(["cnn", "decision-tree", "extra-trees", "hist-gradient-boosting", "hog-svm", "knn", "logistic",
                            "mlp", "random-forest", "resnet", "svm"])
# plugin file, the command line after the command, and the one line it must end with
NAMED_EXACTLY = {
    "failed to load": ("convnext", "import not_a_module_anywhere\n",
                       ["run", "--model", "convnext", "svm", "--task", "digits"],
                       f"model 'convnext' is not available; valid models: {BUILTIN_MODELS}; a broken plugin may have "
                       "registered it: plugin 'convnext' (file {path}): failed to import: ModuleNotFoundError: No module "
                       "named 'not_a_module_anywhere'"),
    "wildcard matching nothing": ("convnext", "import not_a_module_anywhere\n",
                                  ["run", "--model", "convnext*", "--task", "digits"],
                                  f"model 'convnext*' is not available; valid models: {BUILTIN_MODELS}; a broken plugin "
                                  "may have registered it: plugin 'convnext' (file {path}): failed to import"),
    "unknown hook": ("convnext", TYPO_HOOK, ["run", "--model", "convnext", "--task", "digits"],
                     f"model 'convnext' is not available; valid models: {BUILTIN_MODELS}; a broken plugin may have "
                     "registered it: plugin 'convnext' (file {path}): implements unknown hook(s) register_model (did you "
                     "mean 'register_models'?); valid hooks: register_models"),
    "search space raised": ("broken", BROKEN_FOR_RUN, ["run", "--model", "logistic", "crashy-space", "--task", "digits"],
                            "model 'crashy-space' cannot be used: plugin 'broken' (file {path}): model 'crashy-space': "
                            "search space raised ValueError on its defaults {{}}: `low <= high` must hold"),
    "data broke the contract": ("broken", BROKEN_FOR_RUN, ["run", "--model", "logistic", "--task", "digits", "nan-images"],
                                "task 'nan-images' cannot be used: plugin 'broken' (file {path}): task 'nan-images': "
                                "train images contain NaN or infinite values"),
    "registered, then rejected": ("bad-family", BROKEN_FILES["bad-family"][0], ["run", "--model", "odd", "--task", "digits"],
                                  "model 'odd' cannot be used: plugin 'bad-family' (file {path}): model 'odd' has "
                                  "family 'quantum'; valid families: deep, classical"),
    "registered twice": ("duplicate", BROKEN_FILES["duplicate"][0], ["run", "--model", "svm", "--task", "digits"],
                         "model 'svm' cannot be used: plugin 'duplicate' (file {path}): model 'svm' is registered by "
                         "two plugins: 'dlbench.plugins.svm' and 'duplicate'"),
    "task hook raised": ("faces", FACES, ["run", "--model", "svm", "--task", "lfw-faces"],
                         "task or tag 'lfw-faces' is not available; valid tasks: cifar10, cifar100, digits, "
                         "fashion-mnist, mnist, mnist-5k, shapes; valid tags: grey, images, images-standard, rgb, "
                         "small, synthetic; task sources: folder:..., shapes:...; a broken plugin may have registered it: plugin "
                         "'faces' (file {path}): register_tasks raised OSError: lfw archive is corrupt"),
    "task source raised": ("hub", HUB, ["run", "--model", "svm", "--task", "hub:lfw"],
                           "task 'hub:lfw' cannot be used: plugin 'hub' (file {path}): task source 'hub': "
                           "make('lfw') raised ConnectionError: hub unreachable"),
    "report format": ("winners", WINNERS, ["report", "no-such-run", "--format", "winners"],
                      "format 'winners' is not available; valid formats: csv, html, json, latex, markdown; a broken "
                      "plugin may have registered it: plugin 'winners' (file {path}): failed to import: "
                      "ModuleNotFoundError: No module named 'no_such_rendering_library'"),
}


@pytest.mark.parametrize("case", sorted(NAMED_EXACTLY))
def test_a_name_given_exactly_whose_plugin_is_broken_stops_before_any_work_in_one_line(case, tmp_path, capsys,
                                                                                     no_autoload):
    name, code, argv, message = NAMED_EXACTLY[case]
    path = write_plugin(tmp_path / "local", name, code)
    run_options = ["--output", str(tmp_path / "out"), "--trials", "1"] if argv[0] == "run" else []
    status, out, err = cli(capsys, *argv, "--plugins-dir", str(tmp_path / "local"), *run_options)
    assert status == 2 and out == ""
    assert err.startswith("dlbench: error: " + message.format(path=path)), err
    assert err.count("\n") == 1  # the error alone: its problem is not also a warning
    assert not (tmp_path / "out").exists()


def test_an_error_about_a_name_leaves_the_warnings_about_other_plugins(tmp_path, capsys, no_autoload):
    local = tmp_path / "local"
    write_plugin(local, "broken", BROKEN_FOR_RUN)
    unrelated = write_plugin(local, "unrelated", "import not_a_module_anywhere\n")
    status, out, err = cli(capsys, "run", "--plugins-dir", str(local), "--model", "crashy-space", "--task", "digits",
                           "--output", str(tmp_path / "out"))
    warning, error = err.splitlines()
    assert status == 2 and warning.startswith(f"dlbench: warning: plugin 'unrelated' (file {unrelated}): failed to import")
    assert error.startswith("dlbench: error: model 'crashy-space' cannot be used: plugin 'broken'")
    assert not (tmp_path / "out").exists()


OBSERVER_PLUGIN = '''
    import json
    from pathlib import Path
    from dlbench import Reporter, hookimpl

    LOG = Path({log!r})

    @hookimpl
    def trial_finished(result):
        with LOG.open("a") as log:
            log.write(json.dumps({{"event": "trial", "task": result.task, "model": result.model,
                                   "trial": result.trial, "state": result.state, "val": result.val_accuracy,
                                   "params": dict(result.params)}}) + "\\n")

    @hookimpl
    def run_finished(run_dir):
        with LOG.open("a") as log:
            log.write(json.dumps({{"event": "run", "run_dir": str(run_dir),
                                   "results": (run_dir / "results.csv").exists()}}) + "\\n")

    def winners(summary, trials):
        return "".join(f"{{task}}: {{summary.leaderboard(task).iloc[0]['model']}} ({{len(trials)}} trials)\\n"
                       for task in summary.tasks)

    @hookimpl
    def register_reporters(register):
        register(Reporter(name="winners", render=winners, extension=".txt", description="best model per task"))
'''

FAILING_OBSERVER = '''
    from dlbench import hookimpl

    @hookimpl
    def trial_finished(result):
        raise ConnectionError("dashboard unreachable")
'''


def test_observers_see_every_trial_and_the_run_and_a_failing_one_is_left_out(tmp_path):
    log = tmp_path / "events.jsonl"
    local = tmp_path / "local"
    write_plugin(local, "observer", OBSERVER_PLUGIN.format(log=str(log)))
    write_plugin(local, "flaky", FAILING_OBSERVER)
    done = dlbench("run", "--plugins-dir", str(local), "--task", "digits", "--model", "logistic",
                   "decision-tree", "--trials", "3", "--quiet", "--output", str(tmp_path / "out"),
                   env={AUTOLOAD_VARIABLE: "1"})
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("trial_finished raised ConnectionError: dashboard unreachable") == 1
    (run_dir,) = (tmp_path / "out").iterdir()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    trials = pd.read_csv(run_dir / "trials.csv")
    seen = [(e["model"], e["trial"], e["state"], round(e["val"], 6)) for e in events if e["event"] == "trial"]
    assert sorted(seen) == sorted(zip(trials.model, trials.trial, trials.state, trials.val_accuracy.round(6)))
    assert events[-1] == {"event": "run", "run_dir": str(run_dir), "results": True}
    report = dlbench("report", str(run_dir), "--plugins-dir", str(local), "--format", "winners",
                     env={AUTOLOAD_VARIABLE: "1"})
    best = pd.read_csv(run_dir / "results.csv").sort_values("test_accuracy").model.iloc[-1]
    assert report.returncode == 0 and report.stdout == f"digits: {best} (6 trials)\n"
    unknown = dlbench("report", str(run_dir), "--format", "winners", env={AUTOLOAD_VARIABLE: "1"})
    assert unknown.returncode == 2
    assert unknown.stderr == "dlbench: error: unknown format 'winners'; valid formats: csv, html, json, latex, markdown\n"


def test_a_lenient_plugins_object_reports_each_problem_once(capsys):
    plugins = Plugins(load_plugins(entry_points=False).pm, strict=False)
    plugins.problem("someone", "is broken")
    plugins.problem("someone", "is broken")
    assert plugins.problems == ["plugin 'someone' (registered): is broken"]
    assert capsys.readouterr().err.count("is broken") == 1
